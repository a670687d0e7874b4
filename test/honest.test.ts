// The suite's own rules, read from the test sources with the TypeScript parser: no test body returns before it
// has asserted (an early `return` after a gate made a test that did nothing count as passed), every skip goes
// through requires() (helpers/gate.ts), and nothing reads the development material beside the checkout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { ROOT } from './helpers/env.js';

const TEST_DIR = join(ROOT, 'test');

function sources(dir: string, keep: (file: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'go' || name === 'fixtures' ? [] : sources(p, keep);
    return keep(p) ? [p] : [];
  });
}

/** Whether a call declares a test: test(...), it(...), with...(...), requires(...)(...), test.only/skip(...). */
function declaresTest(call: ts.CallExpression): boolean {
  const [name, body] = call.arguments;
  if (!name || !body || !(ts.isArrowFunction(body) || ts.isFunctionExpression(body))) return false;
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return /^(test|it|with[A-Z]\w*)$/.test(callee.text);
  if (ts.isCallExpression(callee)) return ts.isIdentifier(callee.expression) && callee.expression.text === 'requires';
  if (ts.isPropertyAccessExpression(callee))
    return ts.isIdentifier(callee.expression) && callee.expression.text === 'test' && ['only', 'skip'].includes(callee.name.text);
  return false;
}

/** `return` statements of a function body outside nested functions, except a last top-level statement. */
function earlyReturns(body: ts.ArrowFunction | ts.FunctionExpression): ts.ReturnStatement[] {
  if (!ts.isBlock(body.body)) return [];
  const last = body.body.statements[body.body.statements.length - 1];
  const found: ts.ReturnStatement[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node)) return;
    if (ts.isReturnStatement(node) && node !== last) found.push(node);
    ts.forEachChild(node, visit);
  };
  body.body.statements.forEach(visit);
  return found;
}

interface Scan {
  tests: number;
  problems: string[];
}

function scan(file: string, text: string): Scan {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Scan = { tests: 0, problems: [] };
  const where = (node: ts.Node) => `${file}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && declaresTest(node)) {
      out.tests++;
      for (const r of earlyReturns(node.arguments[1] as ts.ArrowFunction))
        out.problems.push(`${where(r)}: a test body returns before its end (gate it with requires(), helpers/gate.ts)`);
    }
    if (ts.isPropertyAccessExpression(node) && node.getText() === 'test.skip')
      out.problems.push(`${where(node)}: test.skip directly: skip through requires() so the reason is printed`);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

test('no test body returns before its end; every skip goes through requires()', () => {
  let tests = 0;
  const problems: string[] = [];
  for (const file of sources(TEST_DIR, (f) => f.endsWith('.test.ts'))) {
    const r = scan(relative(ROOT, file), readFileSync(file, 'utf8'));
    tests += r.tests;
    problems.push(...r.problems);
  }
  assert.equal(problems, []);
  assert.ok(tests > 250, `found ${tests} test declarations (the scan must see the suite)`);
  console.log(`${tests} test bodies checked`);
});

test('the check itself: it catches a gated early return, a bare test.skip, and passes a clean body', () => {
  const bad = scan(
    'sample.test.ts',
    [
      "test('gated', async () => {",
      '  if (skip) return;',
      '  assert.ok(true);',
      '});',
      "it('in a loop', () => {",
      '  for (const x of xs) if (!x) return;',
      '  assert.ok(xs);',
      '});',
      "test.skip('bare', () => {});",
    ].join('\n'),
  );
  assert.is(bad.tests, 3);
  assert.is(bad.problems.length, 3, bad.problems.join('\n'));
  const good = scan(
    'sample.test.ts',
    ["requires(null)('clean', () => {", '  const f = (x: number) => { if (x) return 1; return 2; };', '  assert.is(f(1), 1);', '});'].join(
      '\n',
    ),
  );
  assert.equal(good, { tests: 1, problems: [] });
});

test('nothing in the project reads the material beside the checkout (../shared, OPENFOLD_ARGO_SHARED)', () => {
  const code = (f: string) => /\.(ts|mts|go|sh|js)$/.test(f) || f.endsWith('/run');
  const dirs = ['bin', 'cli', 'common', 'demo', 'executor', 'generators', 'images', 'lint', 'steps', 'test', '.ci'];
  const readers: string[] = [];
  for (const dir of dirs)
    for (const file of sources(join(ROOT, dir), code).concat(dir === 'test' ? sources(join(ROOT, 'test', 'go'), code) : [])) {
      if (file === join(TEST_DIR, 'honest.test.ts')) continue;
      const text = readFileSync(file, 'utf8');
      if (/OPENFOLD_ARGO_SHARED|\.\.\/shared\b|['"]shared\/(argo|cameo|openfold)/.test(text)) readers.push(relative(ROOT, file));
    }
  assert.equal(readers, []);
});

test.run();
