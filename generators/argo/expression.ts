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

/** The expression choosing patches[min(retries, last)] (Argo substitutes `retries` before the pod is created). */
function byRetry(patches: unknown[]): string {
  const lits = patches.map((p) => exprString(braceSafeJson(p)));
  let expr = lits[lits.length - 1];
  for (let i = lits.length - 2; i >= 0; i--) expr = `asInt(retries) <= ${i} ? ${lits[i]} : ${expr}`;
  return expr;
}

/** A podSpecPatch that changes with the retry count: attempt 0 gets `patches[0]`, attempt i patches[min(i, last)]. */
export function patchByRetry(patches: unknown[]): string {
  return `{{=${byRetry(patches)}}}`;
}

/**
 * A podSpecPatch for the attempt after one that failed the way `condition` says (an expression over Argo's
 * `lastRetry.*`, which Argo substitutes into the template from v3.7): patches[min(retries, last)] then, no
 * change otherwise. The first attempt has lastRetry.exitCode "0" and an empty lastRetry.message.
 */
export function patchAfter(condition: string, patches: unknown[]): string {
  return `{{=${condition} ? ${byRetry(patches)} : '{}'}}`;
}
