// Argo template strings. Argo finds `{{ ... }}` with a plain scanner, so JSON inside an expression must never
// contain `{{` or `}}`: we space the braces out.

/** JSON for use inside an Argo `{{= ... }}` expression or template string. */
export function braceSafeJson(value: unknown): string {
  let s = JSON.stringify(value);
  while (s.includes('}}') || s.includes('{{')) s = s.replace(/\}\}/g, '} }').replace(/\{\{/g, '{ {');
  return s;
}

/** A string literal for Argo's expression language (expr): single-quoted, escaped. */
export function exprString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * A podSpecPatch that changes with the retry count: attempt 0 gets `patches[0]`, attempt i gets
 * patches[min(i, last)]. Argo substitutes `retries` before the pod is created.
 */
export function patchByRetry(patches: unknown[]): string {
  const lits = patches.map((p) => exprString(braceSafeJson(p)));
  let expr = lits[lits.length - 1];
  for (let i = lits.length - 2; i >= 0; i--) expr = `asInt(retries) <= ${i} ? ${lits[i]} : ${expr}`;
  return `{{=${expr}}}`;
}
