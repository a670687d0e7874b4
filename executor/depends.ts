// DAG `depends` expressions (Argo's "enhanced depends logic"): `A && (B.Succeeded || B.Failed) || !C.Skipped`.
// A bare task name means `(A.Succeeded || A.Skipped || A.Daemoned)`; plain `dependencies: [A, B]` means `A && B`,
// widened by each dependency's continueOn (failed: `|| A.Failed`, error: `|| A.Errored`), as Argo converts it.

export const TASK_RESULTS = ['Succeeded', 'Failed', 'Errored', 'Skipped', 'Omitted', 'Daemoned', 'AnySucceeded', 'AllFailed'] as const;
export type TaskResult = (typeof TASK_RESULTS)[number];

export type DependsAst =
  | { t: 'ref'; task: string; result?: TaskResult }
  | { t: 'not'; arg: DependsAst }
  | { t: 'and' | 'or'; left: DependsAst; right: DependsAst };

export class DependsError extends Error {}

function tokenize(src: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(&&|\|\||!|\(|\)|[A-Za-z0-9_-]+(?:\.[A-Za-z]+)?)/y;
  let at = 0;
  while (at < src.length) {
    if (/^\s*$/.test(src.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(src);
    if (!m) throw new DependsError(`cannot read ${JSON.stringify(src.slice(at).trim())} in depends ${JSON.stringify(src)}`);
    tokens.push(m[1]);
    at = re.lastIndex;
  }
  return tokens;
}

/** Parses a depends expression; throws DependsError naming the expression. */
export function parseDepends(src: string): DependsAst {
  const tokens = tokenize(src);
  let pos = 0;
  const fail = (msg: string): never => {
    throw new DependsError(`${msg} in depends ${JSON.stringify(src)}`);
  };
  const or = (): DependsAst => {
    let left = and();
    while (tokens[pos] === '||') {
      pos++;
      left = { t: 'or', left, right: and() };
    }
    return left;
  };
  const and = (): DependsAst => {
    let left = unary();
    while (tokens[pos] === '&&') {
      pos++;
      left = { t: 'and', left, right: unary() };
    }
    return left;
  };
  const unary = (): DependsAst => {
    const tok = tokens[pos++];
    if (tok === undefined) return fail('unexpected end');
    if (tok === '!') return { t: 'not', arg: unary() };
    if (tok === '(') {
      const inner = or();
      if (tokens[pos++] !== ')') fail('missing ")"');
      return inner;
    }
    if (tok === ')' || tok === '&&' || tok === '||') return fail(`unexpected "${tok}"`);
    const [task, result] = tok.split('.');
    if (result !== undefined && !(TASK_RESULTS as readonly string[]).includes(result))
      fail(`unknown result "${result}" of task "${task}" (expected one of ${TASK_RESULTS.join(', ')})`);
    return { t: 'ref', task, result: result as TaskResult | undefined };
  };
  const ast = or();
  if (pos !== tokens.length) fail(`unexpected "${tokens[pos]}"`);
  return ast;
}

/** Task names a depends expression refers to, in order of appearance, without repeats. */
export function dependsTasks(ast: DependsAst): string[] {
  const out: string[] = [];
  const walk = (n: DependsAst): void => {
    if (n.t === 'ref') {
      if (!out.includes(n.task)) out.push(n.task);
    } else if (n.t === 'not') walk(n.arg);
    else {
      walk(n.left);
      walk(n.right);
    }
  };
  walk(ast);
  return out;
}

/** What a finished dependency exposes to the expression. */
export interface TaskOutcome {
  phase: string;
  /** Phases of a fan-out task's items (for AnySucceeded / AllFailed); undefined for a plain task. */
  itemPhases?: string[];
}

function result(outcome: TaskOutcome, which: TaskResult | undefined): boolean {
  const p = outcome.phase;
  switch (which) {
    case undefined:
      return p === 'Succeeded' || p === 'Skipped';
    case 'Succeeded':
      return p === 'Succeeded';
    case 'Failed':
      return p === 'Failed';
    case 'Errored':
      return p === 'Error';
    case 'Skipped':
      return p === 'Skipped';
    case 'Omitted':
      return p === 'Omitted';
    case 'Daemoned':
      return false;
    case 'AnySucceeded':
      return (outcome.itemPhases ?? []).some((x) => x === 'Succeeded');
    case 'AllFailed': {
      const items = outcome.itemPhases ?? [];
      return items.length > 0 && items.every((x) => x === 'Failed');
    }
  }
}

export function evalDepends(ast: DependsAst, outcomes: (task: string) => TaskOutcome): boolean {
  switch (ast.t) {
    case 'ref':
      return result(outcomes(ast.task), ast.result);
    case 'not':
      return !evalDepends(ast.arg, outcomes);
    case 'and':
      return evalDepends(ast.left, outcomes) && evalDepends(ast.right, outcomes);
    case 'or':
      return evalDepends(ast.left, outcomes) || evalDepends(ast.right, outcomes);
  }
}

/** The depends expression equivalent to a `dependencies` list, as Argo builds it. */
export function dependenciesToDepends(
  deps: string[],
  continueOn: (task: string) => { failed?: boolean; error?: boolean } | undefined,
): string {
  return deps
    .map((d) => {
      const terms = [`${d}.Succeeded`, `${d}.Skipped`, `${d}.Daemoned`];
      const c = continueOn(d);
      if (c?.error) terms.push(`${d}.Errored`);
      if (c?.failed) terms.push(`${d}.Failed`);
      return `(${terms.join(' || ')})`;
    })
    .join(' && ');
}
