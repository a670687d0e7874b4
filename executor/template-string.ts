// Argo's `{{...}}` template strings: `{{name}}` is replaced from the node's scope, `{{= expr}}` is evaluated
// with expr-lang over the same scope. Argo scans for `{{` and the next `}}` (fasttemplate); so do we.
import { evalExpr, nestScope, stringify } from './expression.js';

/** Flat scope: `inputs.parameters.x`, `workflow.name`, `item`, `tasks.A.outputs.parameters.p`, `retries`... */
export type Scope = Record<string, unknown>;

export class SubstitutionError extends Error {}

export interface Tag {
  /** Text between the braces, trimmed. */
  body: string;
  /** An expression tag: `{{= ...}}`. */
  expression: boolean;
}

/** The tags of a string, in order. */
export function tags(text: string): Tag[] {
  const out: Tag[] = [];
  let at = 0;
  for (;;) {
    const open = text.indexOf('{{', at);
    if (open < 0) return out;
    const close = text.indexOf('}}', open + 2);
    if (close < 0) return out;
    const raw = text.slice(open + 2, close).trim();
    out.push(raw.startsWith('=') ? { body: raw.slice(1).trim(), expression: true } : { body: raw, expression: false });
    at = close + 2;
  }
}

/**
 * Replaces every tag. `where` names the field for the error message. An unresolved name is an error, unless
 * `keep(name)` says to leave it for a later pass (e.g. `{{retries}}` before the attempt is known).
 */
export function substitute(text: string, scope: Scope, where: string, keep: (name: string) => boolean = () => false): string {
  let out = '';
  let at = 0;
  let env: Record<string, unknown> | undefined;
  for (;;) {
    const open = text.indexOf('{{', at);
    const close = open < 0 ? -1 : text.indexOf('}}', open + 2);
    if (open < 0 || close < 0) return out + text.slice(at);
    out += text.slice(at, open);
    const raw = text.slice(open + 2, close).trim();
    if (raw.startsWith('=')) {
      const body = raw.slice(1).trim();
      env ??= nestScope(scope);
      try {
        out += stringify(evalExpr(body, env));
      } catch (e) {
        throw new SubstitutionError(`${where}: cannot evaluate {{=${body}}}: ${(e as Error).message}`);
      }
    } else if (raw in scope) {
      out += stringify(scope[raw]);
    } else if (keep(raw)) {
      out += text.slice(open, close + 2);
    } else {
      throw new SubstitutionError(`${where}: unresolved {{${raw}}}`);
    }
    at = close + 2;
  }
}
