import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evalExpr, evalWhen, nestScope, parseExpression, calledFunctions } from '../../executor/expression.js';
import { dependenciesToDepends, dependsTasks, evalDepends, parseDepends } from '../../executor/depends.js';
import { expandSequence, itemLabel, itemScope, parseWithParam } from '../../executor/items.js';
import { parseDuration } from '../../executor/duration.js';
import { substitute, SubstitutionError } from '../../executor/template-string.js';
import { patchByRetry } from '../../generators/argo/expression.js';

test('when: govaluate comparisons, regexes, booleans, bare words as strings', () => {
  assert.is(evalWhen("'standard' == 'standard'"), true);
  assert.is(evalWhen("'long' == 'standard'"), false);
  assert.is(evalWhen("'false' != 'true'"), true);
  assert.is(evalWhen("'uniref90' =~ '(^|,)uniref90(,|$)'"), true);
  assert.is(evalWhen("'mgnify,bfd' =~ '(^|,)uniref90(,|$)'"), false);
  assert.is(evalWhen("'all' == 'all' || 'x' =~ 'y'"), true);
  assert.is(evalWhen('heads == heads'), true, 'Argo turns govaluate variables into strings');
  assert.is(evalWhen('tails == heads'), false);
  assert.is(evalWhen('5 > 3 && !(2 >= 4)'), true);
  assert.is(evalWhen('1 == 1.0'), true);
  assert.is(evalWhen("'5' == 5"), false);
  assert.is(evalWhen('true'), true);
  assert.throws(() => evalWhen("'a'"), /did not evaluate to a boolean/);
  assert.throws(() => evalWhen("'a' == "), /unexpected end/);
});

test('expr: the podSpecPatch ternaries of the generators pick the patch by retry', () => {
  const text = patchByRetry([{ a: 0 }, { a: 1 }, { a: 2 }]);
  const body = text.slice(3, -2);
  for (const [retries, want] of [
    ['0', { a: 0 }],
    ['1', { a: 1 }],
    ['2', { a: 2 }],
    ['7', { a: 2 }],
  ] as const)
    assert.equal(JSON.parse(String(evalExpr(body, { retries }))), want);
  assert.equal(calledFunctions(parseExpression(body, 'expr')), ['asInt', 'asInt']);
});

test('expr: retry expressions with lastRetry, member access, functions, and/or/not', () => {
  const env = nestScope({ 'lastRetry.status': 'Failed', 'lastRetry.exitCode': '2', 'inputs.parameters.max-template-date': '2022-01-01' });
  const expr = 'lastRetry.status == "Error" || asInt(lastRetry.exitCode) != 2';
  assert.is(evalExpr(expr, env), false);
  assert.is(evalExpr(expr, nestScope({ 'lastRetry.status': 'Failed', 'lastRetry.exitCode': '137' })), true);
  assert.is(evalExpr(expr, nestScope({ 'lastRetry.status': 'Error', 'lastRetry.exitCode': '2' })), true);
  assert.is(evalExpr("inputs.parameters['max-template-date']", env), '2022-01-01');
  assert.is(evalExpr('not (1 > 2) and "ab" matches "^a"', {}), true);
  assert.is(evalExpr("'x' in ['x', 'y']", {}), true);
  assert.is(evalExpr('asFloat("1.5") * 2', {}), 3);
  assert.throws(() => evalExpr('sprig.upper("a")', {}), /unknown function "sprig.upper"/);
  assert.throws(() => evalExpr('nope(1)', {}), /unknown function "nope"/);
  assert.throws(() => evalExpr('asInt("x")', {}), /not a number/);
});

test('depends: parsing, task names with hyphens, results, AnySucceeded/AllFailed', () => {
  const ast = parseDepends('(full-dbs-uniref90.Succeeded || full-dbs-uniref90.Skipped) && !B.Failed || C');
  assert.equal(dependsTasks(ast), ['full-dbs-uniref90', 'B', 'C']);
  const phases: Record<string, { phase: string; itemPhases?: string[] }> = {
    'full-dbs-uniref90': { phase: 'Skipped' },
    B: { phase: 'Succeeded' },
    C: { phase: 'Failed' },
  };
  assert.is(
    evalDepends(ast, (t) => phases[t]),
    true,
  );
  phases.B.phase = 'Failed';
  assert.is(
    evalDepends(ast, (t) => phases[t]),
    false,
  );
  assert.is(
    evalDepends(parseDepends('A'), () => ({ phase: 'Skipped' })),
    true,
    'a bare name accepts Skipped',
  );
  assert.is(
    evalDepends(parseDepends('A'), () => ({ phase: 'Omitted' })),
    false,
  );
  assert.is(
    evalDepends(parseDepends('A.Omitted'), () => ({ phase: 'Omitted' })),
    true,
  );
  assert.is(
    evalDepends(parseDepends('A.Errored'), () => ({ phase: 'Error' })),
    true,
  );
  const group = { phase: 'Failed', itemPhases: ['Failed', 'Succeeded'] };
  assert.is(
    evalDepends(parseDepends('A.AnySucceeded'), () => group),
    true,
  );
  assert.is(
    evalDepends(parseDepends('A.AllFailed'), () => group),
    false,
  );
  assert.is(
    evalDepends(parseDepends('A.AllFailed'), () => ({ phase: 'Failed', itemPhases: ['Failed', 'Failed'] })),
    true,
  );
  assert.throws(() => parseDepends('A.Finished'), /unknown result "Finished"/);
  assert.throws(() => parseDepends('A && (B'), /missing "\)"/);
  assert.is(
    dependenciesToDepends(['A', 'B'], (d) => (d === 'B' ? { failed: true } : undefined)),
    '(A.Succeeded || A.Skipped || A.Daemoned) && (B.Succeeded || B.Skipped || B.Daemoned || B.Failed)',
  );
});

test('items: withSequence as Argo expands it, withParam lists, item scope and labels', () => {
  assert.equal(expandSequence({ start: '0', end: '3' }), ['0', '1', '2', '3']);
  assert.equal(expandSequence({ start: 5, end: 3 }), ['5', '4', '3']);
  assert.equal(expandSequence({ count: '3', format: 'n%02d' }), ['n00', 'n01', 'n02']);
  assert.equal(expandSequence({ count: 0 }), []);
  assert.throws(() => expandSequence({ start: 1 }), /neither end nor count/);
  assert.equal(parseWithParam('[{"id":"c0000","first":0}]'), [{ id: 'c0000', first: 0 }]);
  assert.throws(() => parseWithParam('{"a":1}'), /not a JSON list/);
  assert.throws(() => parseWithParam('nope'), /could not be parsed as a JSON list/);
  const scope = itemScope({ id: 'c0000', first: 0, gpu: 'standard' });
  assert.is(substitute('{{item.id}}/{{item.first}}', scope, 't'), 'c0000/0');
  assert.is(substitute('{{item}}', scope, 't'), '{"id":"c0000","first":0,"gpu":"standard"}');
  assert.is(substitute('{{= item.first + 1 }}', scope, 't'), '1');
  assert.is(itemLabel({ id: 'c0000', first: 0 }), 'first:0,id:c0000');
  assert.is(itemLabel(3), '3');
});

test('template strings: unresolved names are errors naming the field', () => {
  assert.is(substitute('{{ inputs.parameters.run }}/split', { 'inputs.parameters.run': '/r' }, 'x'), '/r/split');
  assert.throws(
    () => substitute('{{inputs.parameters.nope}}', {}, 'template "t": args'),
    (e: Error) => e instanceof SubstitutionError && /template "t": args: unresolved \{\{inputs.parameters.nope\}\}/.test(e.message),
  );
  assert.is(substitute('no tags', {}, 'x'), 'no tags');
});

test('durations: seconds by default, Go units', () => {
  assert.is(parseDuration('1', 'd'), 1000);
  assert.is(parseDuration('30s', 'd'), 30_000);
  assert.is(parseDuration('1h30m', 'd'), 5_400_000);
  assert.is(parseDuration('250ms', 'd'), 250);
  assert.throws(() => parseDuration('soon', 'backoff.duration'), /backoff.duration: must be a duration/);
});

test.run();
