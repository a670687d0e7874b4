// Rules for the workflow parameters a person types. Argo constrains a parameter only by `enum`, and only in the
// UI's form: its API does not check a WorkflowTemplate's enum for a Workflow submitted by reference with
// argument values (Argo v4.0.5 validate.go merges the submitted parameters first, without their enum), and
// it has no patterns at all. So the same rules run in `openfold-argo submit` and `run --local` before
// anything is created, and in the workflow's own first step (`openfold-argo check-parameters`), so a bad
// value fails in seconds with one line, not after hours of downloads and alignments.
// Bottom layer: imports nothing of the project.

/** The literal a max-template-date may be instead of a date: the day the prediction starts. */
export const TODAY = 'today';

/** Why `value` is not a max-template-date (a real calendar date YYYY-MM-DD, or "today"); null when it is. */
export function templateDateProblem(value: string): string | null {
  if (value === TODAY) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const expected = `a date YYYY-MM-DD or "${TODAY}"`;
  if (!m) return `must be ${expected}, got ${JSON.stringify(value)}`;
  const [y, mo, d] = m.slice(1).map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d)
    return `must be ${expected}, got ${JSON.stringify(value)}: no such day`;
  return null;
}

/** Why `value` is not "all" or a comma-separated list of known database names; null when it is. */
export function databaseListProblem(value: string, known?: readonly string[]): string | null {
  if (value === 'all') return null;
  const names = value.split(',').map((n) => n.trim());
  const bad = names.find((n) => !/^[a-z0-9_]+$/.test(n));
  if (bad !== undefined)
    return `must be "all" or a comma-separated list of database names (lowercase letters, digits, "_"), got ${JSON.stringify(value)}`;
  const unknown = known ? names.filter((n) => !known.includes(n)) : [];
  if (unknown.length) return `unknown database ${unknown.join(', ')} (known: ${known!.join(', ')}, or "all")`;
  return null;
}

/** Why `value` is not a FASTA location a step can read (an absolute path, or s3://bucket/key); null when it is. */
export function inputLocationProblem(value: string): string | null {
  if (/^s3:\/\/[a-z0-9][a-z0-9.-]*[a-z0-9]\/[^\s]+$/.test(value)) return null;
  if (value.startsWith('/') && !value.split('/').includes('..') && !/[\0\n]/.test(value)) return null;
  return `must be an absolute path (without "..") or s3://bucket/key, got ${JSON.stringify(value)}`;
}

/** Why `value` is not one of `allowed`; what Argo's enum would say, checked where Argo does not. */
export function enumProblem(value: string, allowed: readonly string[]): string | null {
  return allowed.includes(value)
    ? null
    : `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(value)}`;
}

export interface ParameterContext {
  /** Database names `only` may list; unknown (a custom manifest read later): only the form is checked. */
  databases?: readonly string[];
}

type Rule = (value: string, ctx: ParameterContext) => string | null;

/** The free-form parameters of the rendered WorkflowTemplates and their rules. */
export const PARAMETER_RULES: Readonly<Record<string, Rule>> = {
  'max-template-date': (v) => templateDateProblem(v),
  only: (v, ctx) => databaseListProblem(v, ctx.databases),
  'input-fasta': (v) => inputLocationProblem(v),
};

/** One line per parameter that breaks its rule (`max-template-date: must be ...`); enums are checked too when given. */
export function parameterProblems(
  values: Readonly<Record<string, string>>,
  ctx: ParameterContext = {},
  enums: Readonly<Record<string, readonly string[] | undefined>> = {},
): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const rule = PARAMETER_RULES[name];
    const allowed = enums[name];
    const problem = rule ? rule(value, ctx) : allowed ? enumProblem(value, allowed) : null;
    if (problem) problems.push(`${name}: ${problem}`);
  }
  return problems;
}
