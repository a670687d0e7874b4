// The two expression languages of a workflow, as far as the local executor needs them:
// - `when` conditions, which Argo evaluates with govaluate after substituting `{{...}}`: comparisons, `=~` / `!~`
//   regexes, `&&`, `||`, `!`, parentheses, quoted strings, numbers; a bare word is a string (Argo turns
//   govaluate's variables into strings so that `foo == foo` holds without quotes);
// - `{{= ...}}` templates and `retryStrategy.expression`, which Argo evaluates with expr-lang: the same
//   operators plus `? :`, `and`/`or`/`not`, `matches`, `in`, member access, and a few functions.
// One tokenizer and Pratt parser serve both; the mode decides what a bare word and a call mean.

export type ExprMode = 'expr' | 'when';

export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpressionError';
  }
}

type Token =
  | { kind: 'num'; value: number; at: number }
  | { kind: 'str'; value: string; at: number }
  | { kind: 'word'; value: string; at: number }
  | { kind: 'op'; value: string; at: number }
  | { kind: 'end'; at: number };

const OPERATORS = [
  '==',
  '!=',
  '=~',
  '!~',
  '<=',
  '>=',
  '&&',
  '||',
  '??',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '!',
  '?',
  ':',
  '(',
  ')',
  '[',
  ']',
  '.',
  ',',
];

function tokenize(src: string, mode: ExprMode): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  // In `when`, govaluate reads dotted words (a.b.c) as one variable; in expr, the dot is member access.
  const wordChar = mode === 'when' ? /[A-Za-z0-9_.$]/ : /[A-Za-z0-9_$]/;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(src.slice(i))!;
      // govaluate would read `0fds` as a number followed by a word; a word that starts with digits is kept whole.
      if (mode === 'when' && /[A-Za-z_]/.test(src[i + m[0].length] ?? '')) {
        const w = /^[A-Za-z0-9_.$]+/.exec(src.slice(i))![0];
        tokens.push({ kind: 'word', value: w, at: i });
        i += w.length;
        continue;
      }
      tokens.push({ kind: 'num', value: Number(m[0]), at: i });
      i += m[0].length;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      let out = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && c !== '`') {
          const n = src[j + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };
          if (n === 'u') {
            out += String.fromCharCode(parseInt(src.slice(j + 2, j + 6), 16));
            j += 6;
            continue;
          }
          out += map[n] ?? n;
          j += 2;
          continue;
        }
        out += src[j++];
      }
      if (j >= src.length) throw new ExpressionError(`unterminated string starting at column ${i + 1} in ${JSON.stringify(src)}`);
      tokens.push({ kind: 'str', value: out, at: i });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      let j = i;
      while (j < src.length && wordChar.test(src[j])) j++;
      tokens.push({ kind: 'word', value: src.slice(i, j), at: i });
      i = j;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected character ${JSON.stringify(c)} at column ${i + 1} in ${JSON.stringify(src)}`);
    tokens.push({ kind: 'op', value: op, at: i });
    i += op.length;
  }
  tokens.push({ kind: 'end', at: src.length });
  return tokens;
}

export type Ast =
  | { t: 'lit'; value: unknown }
  | { t: 'name'; name: string }
  | { t: 'member'; object: Ast; property: Ast }
  | { t: 'call'; fn: string; args: Ast[] }
  | { t: 'unary'; op: string; arg: Ast }
  | { t: 'binary'; op: string; left: Ast; right: Ast }
  | { t: 'ternary'; test: Ast; yes: Ast; no: Ast }
  | { t: 'array'; items: Ast[] };

// Binding powers: higher binds tighter (expr-lang's order; govaluate's is the same for these operators).
const INFIX: Record<string, number> = {
  '??': 1,
  '||': 2,
  or: 2,
  '&&': 3,
  and: 3,
  '==': 4,
  '!=': 4,
  '=~': 4,
  '!~': 4,
  matches: 4,
  in: 4,
  '<': 5,
  '<=': 5,
  '>': 5,
  '>=': 5,
  '+': 6,
  '-': 6,
  '*': 7,
  '/': 7,
  '%': 7,
};

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly src: string,
    private readonly mode: ExprMode,
  ) {}

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private fail(message: string, tok = this.peek()): never {
    throw new ExpressionError(`${message} at column ${tok.at + 1} in ${JSON.stringify(this.src)}`);
  }

  private isOp(value: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === value;
  }

  private expect(value: string): void {
    if (!this.isOp(value)) this.fail(`expected "${value}"`);
    this.pos++;
  }

  parseAll(): Ast {
    const ast = this.parse(0);
    if (this.peek().kind !== 'end') this.fail('unexpected token');
    return ast;
  }

  private infixOp(): string | undefined {
    const t = this.peek();
    if (t.kind === 'op' && t.value in INFIX) return t.value;
    if (this.mode === 'expr' && t.kind === 'word' && ['and', 'or', 'in', 'matches'].includes(t.value)) return t.value;
    return undefined;
  }

  private parse(minPower: number): Ast {
    let left = this.prefix();
    for (;;) {
      if (this.isOp('?') && minPower === 0) {
        this.pos++;
        const yes = this.parse(0);
        this.expect(':');
        const no = this.parse(0);
        left = { t: 'ternary', test: left, yes, no };
        continue;
      }
      const op = this.infixOp();
      if (!op || INFIX[op] <= minPower) return left;
      this.pos++;
      left = { t: 'binary', op, left, right: this.parse(INFIX[op]) };
    }
  }

  private prefix(): Ast {
    const t = this.peek();
    if (t.kind === 'op' && (t.value === '!' || t.value === '-' || t.value === '+')) {
      this.pos++;
      return { t: 'unary', op: t.value, arg: this.prefix() };
    }
    if (this.mode === 'expr' && t.kind === 'word' && t.value === 'not') {
      this.pos++;
      return { t: 'unary', op: '!', arg: this.prefix() };
    }
    return this.postfix(this.primary());
  }

  private primary(): Ast {
    const t = this.peek();
    this.pos++;
    switch (t.kind) {
      case 'num':
      case 'str':
        return { t: 'lit', value: t.value };
      case 'word': {
        if (t.value === 'true' || t.value === 'false') return { t: 'lit', value: t.value === 'true' };
        if (this.mode === 'when') return { t: 'lit', value: t.value };
        if (t.value === 'nil') return { t: 'lit', value: null };
        if (this.isOp('(')) return this.primaryCall(t.value);
        return { t: 'name', name: t.value };
      }
      case 'op':
        if (t.value === '(') {
          const inner = this.parse(0);
          this.expect(')');
          return inner;
        }
        if (t.value === '[' && this.mode === 'expr') {
          const items: Ast[] = [];
          while (!this.isOp(']')) {
            items.push(this.parse(0));
            if (!this.isOp(']')) this.expect(',');
          }
          this.pos++;
          return { t: 'array', items };
        }
        return this.fail(`unexpected "${t.value}"`, t);
      default:
        return this.fail('unexpected end of expression', t);
    }
  }

  private primaryCall(fn: string): Ast {
    this.expect('(');
    const args: Ast[] = [];
    while (!this.isOp(')')) {
      args.push(this.parse(0));
      if (!this.isOp(')')) this.expect(',');
    }
    this.pos++;
    return { t: 'call', fn, args };
  }

  private postfix(node: Ast): Ast {
    if (this.mode !== 'expr') return node;
    for (;;) {
      if (this.isOp('.')) {
        this.pos++;
        const t = this.peek();
        if (t.kind !== 'word') this.fail('expected a field name after "."');
        this.pos++;
        if (this.isOp('(') && node.t === 'name') {
          // A namespaced function such as sprig.upper(...): a call of "sprig.upper".
          const call = this.primaryCall(`${node.name}.${t.value}`);
          node = call;
          continue;
        }
        node = { t: 'member', object: node, property: { t: 'lit', value: t.value } };
      } else if (this.isOp('[')) {
        this.pos++;
        const property = this.parse(0);
        this.expect(']');
        node = { t: 'member', object: node, property };
      } else return node;
    }
  }
}

export function parseExpression(src: string, mode: ExprMode): Ast {
  return new Parser(tokenize(src, mode), src, mode).parseAll();
}

type Fn = (args: unknown[]) => unknown;

function toNumber(v: unknown, fn: string, integer: boolean): number {
  if (typeof v === 'number') return integer ? Math.trunc(v) : v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) {
    const n = Number(v);
    if (integer && !Number.isInteger(n)) throw new ExpressionError(`${fn}(${JSON.stringify(v)}): not an integer`);
    return n;
  }
  throw new ExpressionError(`${fn}(${JSON.stringify(v)}): not a number`);
}

/** The functions of Argo's expression environment that the executor implements. */
export const FUNCTIONS: Record<string, Fn> = {
  asInt: ([v]) => toNumber(v, 'asInt', true),
  asFloat: ([v]) => toNumber(v, 'asFloat', false),
  int: ([v]) => toNumber(v, 'int', true),
  float: ([v]) => toNumber(v, 'float', false),
  string: ([v]) => stringify(v),
  len: ([v]) => (typeof v === 'string' || Array.isArray(v) ? v.length : Object.keys(v as object).length),
  lower: ([v]) => String(v).toLowerCase(),
  upper: ([v]) => String(v).toUpperCase(),
  trim: ([v]) => String(v).trim(),
  toJson: ([v]) => JSON.stringify(v),
  toJSON: ([v]) => JSON.stringify(v),
};

/** Names of the functions an expression calls (for the validation pass). */
export function calledFunctions(ast: Ast): string[] {
  switch (ast.t) {
    case 'call':
      return [ast.fn, ...ast.args.flatMap(calledFunctions)];
    case 'member':
      return [...calledFunctions(ast.object), ...calledFunctions(ast.property)];
    case 'unary':
      return calledFunctions(ast.arg);
    case 'binary':
      return [...calledFunctions(ast.left), ...calledFunctions(ast.right)];
    case 'ternary':
      return [...calledFunctions(ast.test), ...calledFunctions(ast.yes), ...calledFunctions(ast.no)];
    case 'array':
      return ast.items.flatMap(calledFunctions);
    default:
      return [];
  }
}

/** How Argo prints an expression's value into a template string. */
export function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function truthy(v: unknown, op: string): boolean {
  if (typeof v !== 'boolean') throw new ExpressionError(`"${op}" needs booleans, got ${JSON.stringify(v)}`);
  return v;
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (typeof a !== typeof b) return false;
  if (a === null || typeof a !== 'object') return a === b;
  return JSON.stringify(a) === JSON.stringify(b);
}

function compare(op: string, a: unknown, b: unknown): boolean {
  const same = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!same) throw new ExpressionError(`cannot compare ${JSON.stringify(a)} ${op} ${JSON.stringify(b)}`);
  const x = a as number | string;
  const y = b as number | string;
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

function regex(pattern: unknown): RegExp {
  if (typeof pattern !== 'string') throw new ExpressionError(`a regular expression must be a string, got ${JSON.stringify(pattern)}`);
  try {
    return new RegExp(pattern);
  } catch (e) {
    throw new ExpressionError(`invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
}

function arithmetic(op: string, a: unknown, b: unknown): unknown {
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (typeof a !== 'number' || typeof b !== 'number')
    throw new ExpressionError(`"${op}" needs numbers, got ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    default:
      return a % b;
  }
}

function evaluate(ast: Ast, env: Record<string, unknown>): unknown {
  switch (ast.t) {
    case 'lit':
      return ast.value;
    case 'name':
      if (!(ast.name in env)) throw new ExpressionError(`unknown name "${ast.name}"`);
      return env[ast.name];
    case 'member': {
      const obj = evaluate(ast.object, env);
      const key = evaluate(ast.property, env);
      if (obj === null || typeof obj !== 'object')
        throw new ExpressionError(`cannot read field ${JSON.stringify(key)} of ${JSON.stringify(obj)}`);
      const value = (obj as Record<string, unknown>)[String(key)];
      if (value === undefined && !Array.isArray(obj)) throw new ExpressionError(`unknown field ${JSON.stringify(key)}`);
      return value;
    }
    case 'call': {
      const fn = FUNCTIONS[ast.fn];
      if (!fn) throw new ExpressionError(`unknown function "${ast.fn}"`);
      return fn(ast.args.map((a) => evaluate(a, env)));
    }
    case 'unary': {
      const v = evaluate(ast.arg, env);
      if (ast.op === '!') return !truthy(v, '!');
      if (typeof v !== 'number') throw new ExpressionError(`unary "${ast.op}" needs a number, got ${JSON.stringify(v)}`);
      return ast.op === '-' ? -v : v;
    }
    case 'ternary':
      return truthy(evaluate(ast.test, env), '?') ? evaluate(ast.yes, env) : evaluate(ast.no, env);
    case 'array':
      return ast.items.map((i) => evaluate(i, env));
    case 'binary': {
      const { op } = ast;
      if (op === '&&' || op === 'and') return truthy(evaluate(ast.left, env), op) && truthy(evaluate(ast.right, env), op);
      if (op === '||' || op === 'or') return truthy(evaluate(ast.left, env), op) || truthy(evaluate(ast.right, env), op);
      if (op === '??') {
        const l = evaluate(ast.left, env);
        return l === null || l === undefined ? evaluate(ast.right, env) : l;
      }
      const a = evaluate(ast.left, env);
      const b = evaluate(ast.right, env);
      switch (op) {
        case '==':
          return equal(a, b);
        case '!=':
          return !equal(a, b);
        case '=~':
        case 'matches':
          return regex(b).test(String(a));
        case '!~':
          return !regex(b).test(String(a));
        case 'in':
          if (Array.isArray(b)) return b.some((x) => equal(x, a));
          if (b !== null && typeof b === 'object') return String(a) in b;
          throw new ExpressionError(`"in" needs a list or a map, got ${JSON.stringify(b)}`);
        case '<':
        case '<=':
        case '>':
        case '>=':
          return compare(op, a, b);
        default:
          return arithmetic(op, a, b);
      }
    }
  }
}

/** Evaluates an expr-lang expression (`{{= ...}}`, retryStrategy.expression) against an environment. */
export function evalExpr(src: string, env: Record<string, unknown>): unknown {
  return evaluate(parseExpression(src, 'expr'), env);
}

/** Evaluates a substituted `when` condition as Argo does (govaluate; bare words are strings); must be boolean. */
export function evalWhen(src: string): boolean {
  const value = evaluate(parseExpression(src, 'when'), {});
  if (typeof value !== 'boolean')
    throw new ExpressionError(`when ${JSON.stringify(src)} did not evaluate to a boolean (got ${JSON.stringify(value)})`);
  return value;
}

/** Nests flat dotted names (`inputs.parameters.x`) into objects, the shape expr-lang reads with member access. */
export function nestScope(flat: Record<string, unknown>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  // Shorter keys first so that `item` (a value) is replaced by `item.*` fields only when it is not an object.
  for (const key of Object.keys(flat).sort((a, b) => a.length - b.length)) {
    const parts = key.split('.');
    let cur = root;
    for (const part of parts.slice(0, -1)) {
      const next = cur[part];
      if (next === null || typeof next !== 'object') cur[part] = {};
      cur = cur[part] as Record<string, unknown>;
    }
    const last = parts[parts.length - 1];
    if (!(last in cur) || typeof cur[last] !== 'object') cur[last] = flat[key];
  }
  return root;
}
