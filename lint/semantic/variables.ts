// `{{...}}` tags as Argo's fasttemplate-based validator sees them: simple tags are checked against the scope,
// expression tags (`{{=...}}`) are not, and only tags under Argo's own prefixes are checked at all.
import { isObject, joinPath } from '../types.js';

/** The prefixes Argo validates; other tags ({{retries}}, {{node.name}}, custom ones) pass through. */
export const CHECKED_PREFIXES = ['item.', 'steps.', 'inputs.', 'outputs.', 'pod.', 'workflow.', 'tasks.'];

export interface Tag {
  /** The text between {{ and }}, untrimmed. */
  raw: string;
  /** Dotted path of the string the tag sits in. */
  path: string;
}

/** The tags of one string; `unclosed` is set when a `{{` has no `}}` (fasttemplate refuses such a template). */
export function tagsOf(text: string): { tags: string[]; unclosed: boolean } {
  const tags: string[] = [];
  let at = 0;
  for (;;) {
    const open = text.indexOf('{{', at);
    if (open < 0) return { tags, unclosed: false };
    const close = text.indexOf('}}', open + 2);
    if (close < 0) return { tags, unclosed: true };
    tags.push(text.slice(open + 2, close));
    at = close + 2;
  }
}

/** Every string (and object key) in a value, with its path. */
export function stringsIn(value: unknown, path: string, out: { text: string; path: string }[] = []): { text: string; path: string }[] {
  if (typeof value === 'string') out.push({ text: value, path });
  else if (Array.isArray(value)) value.forEach((v, i) => stringsIn(v, joinPath(path, i), out));
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('{{')) out.push({ text: k, path: joinPath(path, k) });
      stringsIn(v, joinPath(path, k), out);
    }
  }
  return out;
}

export interface TagProblem {
  path: string;
  tag: string;
  unclosed?: boolean;
}

/** Tags of a value that Argo would check (simple tags under its prefixes), plus unclosed `{{`. */
export function checkedTags(value: unknown, path: string): TagProblem[] {
  const out: TagProblem[] = [];
  for (const s of stringsIn(value, path)) {
    const { tags, unclosed } = tagsOf(s.text);
    if (unclosed) out.push({ path: s.path, tag: s.text, unclosed: true });
    for (const raw of tags) {
      if (raw.startsWith('=')) continue; // expression tags are evaluated at run time, not validated
      const tag = raw.trim();
      // Argo skips a bare {{item}}; outside withItems/withParam/withSequence it is never substituted, so check it too.
      if (tag === 'item' || CHECKED_PREFIXES.some((p) => tag.startsWith(p))) out.push({ path: s.path, tag });
    }
  }
  return out;
}

/**
 * What is defined where a tag is evaluated: exact names, plus wildcards that Argo grants (any `item.*` under
 * withParam, any `workflow.outputs.parameters.*` when a globalName is itself a parameter...).
 */
export class Scope {
  private readonly names = new Set<string>();
  anyItem = false;
  anyWorkflowOutputParameter = false;
  anyWorkflowOutputArtifact = false;
  /** WorkflowTemplates are validated on their own: a Workflow that uses them may bring more parameters. */
  anyWorkflowParameter = false;

  add(...names: string[]): this {
    for (const n of names) this.names.add(n);
    return this;
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  copy(): Scope {
    const s = new Scope();
    for (const n of this.names) s.names.add(n);
    s.anyItem = this.anyItem;
    s.anyWorkflowOutputParameter = this.anyWorkflowOutputParameter;
    s.anyWorkflowOutputArtifact = this.anyWorkflowOutputArtifact;
    s.anyWorkflowParameter = this.anyWorkflowParameter;
    return s;
  }

  /** Whether a (trimmed) tag resolves here, following Argo's resolveAllVariables. */
  resolves(tag: string): boolean {
    if (this.names.has(tag)) return true;
    if ((tag === 'item' || tag.startsWith('item.')) && this.anyItem) return true;
    if (tag.startsWith('workflow.outputs.parameters.') && this.anyWorkflowOutputParameter) return true;
    if (tag.startsWith('workflow.outputs.artifacts.') && this.anyWorkflowOutputArtifact) return true;
    if (tag.startsWith('workflow.parameters') && this.anyWorkflowParameter) return true;
    // Self-references for metrics, and values only known at run time.
    const runtime = [
      'outputs.',
      'workflow.creationTimestamp',
      'workflow.scheduledTime',
      'workflow.duration',
      'tasks.name',
      'steps.name',
      'node.name',
    ];
    return runtime.some((p) => tag.startsWith(p));
  }
}
