// The parsed workflow the executor runs: a Workflow, or a WorkflowTemplate submitted by name (as
// `argo submit --from workflowtemplate/NAME` does), with the other WorkflowTemplates of the same set available
// to templateRef and the ConfigMaps available to semaphores. Types are the subset the executor reads; the
// validation pass (validate.ts) rejects everything else before anything runs.
import yaml from 'js-yaml';

export interface Parameter {
  name: string;
  value?: unknown;
  default?: unknown;
  enum?: unknown[];
  description?: string;
  valueFrom?: { path?: string; default?: unknown; [k: string]: unknown };
  [k: string]: unknown;
}

export interface RetryStrategy {
  limit?: number | string;
  retryPolicy?: string;
  expression?: string;
  backoff?: { duration?: string | number; factor?: number | string; maxDuration?: string | number; cap?: string };
  [k: string]: unknown;
}

export interface DagTask {
  name: string;
  template?: string;
  templateRef?: { name: string; template: string; clusterScope?: boolean };
  arguments?: { parameters?: Parameter[]; artifacts?: unknown[] };
  depends?: string;
  dependencies?: string[];
  when?: string;
  withItems?: unknown[];
  withParam?: string;
  withSequence?: { count?: string | number; start?: string | number; end?: string | number; format?: string };
  continueOn?: { failed?: boolean; error?: boolean };
  [k: string]: unknown;
}

export interface SemaphoreRef {
  configMapKeyRef?: { name: string; key: string };
  [k: string]: unknown;
}

export interface Template {
  name: string;
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  inputs?: { parameters?: Parameter[]; artifacts?: unknown[] };
  outputs?: { parameters?: Parameter[]; artifacts?: unknown[]; [k: string]: unknown };
  container?: {
    image?: string;
    command?: string[];
    args?: string[];
    env?: { name: string; value?: string; valueFrom?: unknown }[];
    [k: string]: unknown;
  };
  dag?: { tasks: DagTask[]; failFast?: boolean; target?: string; [k: string]: unknown };
  retryStrategy?: RetryStrategy;
  activeDeadlineSeconds?: number | string;
  parallelism?: number | string;
  podSpecPatch?: string;
  synchronization?: {
    semaphores?: SemaphoreRef[];
    semaphore?: SemaphoreRef;
    mutexes?: { name: string; [k: string]: unknown }[];
    mutex?: { name: string; [k: string]: unknown };
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface WorkflowSpec {
  entrypoint?: string;
  arguments?: { parameters?: Parameter[]; artifacts?: unknown[] };
  templates?: Template[];
  activeDeadlineSeconds?: number | string;
  parallelism?: number | string;
  [k: string]: unknown;
}

interface Resource {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; generateName?: string; namespace?: string };
  spec?: WorkflowSpec;
  data?: Record<string, string>;
}

/** Where a template lives: the workflow itself ('') or a WorkflowTemplate by name. */
export type TemplateScope = string;

export interface LoadedWorkflow {
  /** metadata.name or generateName (without the trailing "-"), for naming the run. */
  baseName: string;
  namespace: string;
  spec: WorkflowSpec;
  /** Templates by scope: '' for the workflow's own, else the WorkflowTemplate's name. */
  templates: Map<TemplateScope, Map<string, Template>>;
  /** ConfigMap data by name (semaphore limits). */
  configMaps: Map<string, Record<string, string>>;
}

export class WorkflowLoadError extends Error {}

function byName(templates: Template[] | undefined): Map<string, Template> {
  return new Map((templates ?? []).map((t) => [t.name, t]));
}

/**
 * Builds the runnable workflow from parsed documents. `entry` names the WorkflowTemplate to submit; without it,
 * the single Workflow document is run.
 */
export function loadWorkflow(docs: unknown[], entry?: string): LoadedWorkflow {
  const resources = docs.filter((d): d is Resource => d !== null && typeof d === 'object');
  const templates = new Map<TemplateScope, Map<string, Template>>();
  const configMaps = new Map<string, Record<string, string>>();
  for (const r of resources) {
    if (r.kind === 'WorkflowTemplate' && r.metadata?.name) templates.set(r.metadata.name, byName(r.spec?.templates));
    if (r.kind === 'ConfigMap' && r.metadata?.name) configMaps.set(r.metadata.name, r.data ?? {});
  }
  let root: Resource | undefined;
  if (entry) {
    root = resources.find((r) => r.kind === 'WorkflowTemplate' && r.metadata?.name === entry);
    if (!root) throw new WorkflowLoadError(`no WorkflowTemplate named "${entry}" among the rendered resources`);
  } else {
    const workflows = resources.filter((r) => r.kind === 'Workflow');
    if (workflows.length !== 1) throw new WorkflowLoadError(`expected one Workflow document, found ${workflows.length}`);
    root = workflows[0];
  }
  const spec = root.spec ?? {};
  templates.set('', byName(spec.templates));
  const name = root.metadata?.name ?? root.metadata?.generateName?.replace(/-$/, '') ?? 'workflow';
  return { baseName: name, namespace: root.metadata?.namespace ?? 'default', spec, templates, configMaps };
}

/** Parses a multi-document YAML text. */
export function parseDocuments(text: string, source: string): unknown[] {
  try {
    return yaml.loadAll(text, undefined, { filename: source });
  } catch (e) {
    throw new WorkflowLoadError(`${source}: ${(e as Error).message}`);
  }
}

/** A template and the scope its own `template:` references resolve in. */
export interface ResolvedTemplate {
  scope: TemplateScope;
  template: Template;
  /** "name" or "workflowtemplate/name" for messages and node records. */
  label: string;
}

/** Resolves a task's template (local name, or templateRef into another WorkflowTemplate). */
export function resolveTaskTemplate(
  wf: LoadedWorkflow,
  scope: TemplateScope,
  task: Pick<DagTask, 'template' | 'templateRef'>,
): ResolvedTemplate {
  if (task.templateRef) {
    const set = wf.templates.get(task.templateRef.name);
    if (!set || task.templateRef.name === '') throw new WorkflowLoadError(`WorkflowTemplate "${task.templateRef.name}" not found`);
    const t = set.get(task.templateRef.template);
    if (!t) throw new WorkflowLoadError(`template "${task.templateRef.template}" not found in WorkflowTemplate "${task.templateRef.name}"`);
    return { scope: task.templateRef.name, template: t, label: `${task.templateRef.name}/${t.name}` };
  }
  const name = task.template ?? '';
  const t = wf.templates.get(scope)?.get(name);
  if (!t) throw new WorkflowLoadError(`template "${name}" not found${scope ? ` in WorkflowTemplate "${scope}"` : ''}`);
  return { scope, template: t, label: scope ? `${scope}/${t.name}` : t.name };
}
