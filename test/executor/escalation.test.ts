// Escalation only on the failure that calls for it, with the rendered pipeline and the local executor: the step
// programs are replaced by stand-ins (TEST DOUBLES: they only exit with the code a test asks for, and record the
// GPU class they were given), everything else is what `render` produces: retryStrategy, podSpecPatch, the DAG.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../generators/config/load.js';
import { renderFiles } from '../../generators/render.js';
import { memoryLadder } from '../../generators/templates/align.js';
import { substitute } from '../../executor/template-string.js';
import { parseDocuments } from '../../executor/workflow.js';
import { tempDir } from '../helpers/env.js';
import { runDocs } from './helpers.js';

const NODE = process.execPath;

/**
 * Stand-ins for the step programs. predict appends its GPU class to DIR/predict.log and exits with the next code
 * of DIR/predict-codes (comma-separated, one per attempt; 0 when they run out).
 */
function standIns(dir: string): (command: string[]) => string[] {
  const predict = `const fs=require('fs');const d=process.argv[1];const cls=process.env.OPENFOLD_ARGO_GPU_CLASS;fs.appendFileSync(d+'/predict.log',cls+'\\n');const n=fs.readFileSync(d+'/predict.log','utf8').trim().split('\\n').length;const codes=fs.readFileSync(d+'/predict-codes','utf8').trim().split(',').map(Number);process.exit(codes[n-1]??0)`;
  const split = `const fs=require('fs');const out=process.argv[1];fs.mkdirSync(out,{recursive:true});fs.writeFileSync(out+'/chunks.json',JSON.stringify([{id:'c0000',gpu:'standard',align:'true',first:0,last:0}]));fs.writeFileSync(out+'/shared.json','[]')`;
  return (command) => {
    if (command[0] !== 'openfold-argo') return command;
    const step = command[1];
    if (step === 'split') return [NODE, '-e', split, command[command.indexOf('--out') + 1]];
    if (step === 'predict') return [NODE, '-e', predict, dir];
    return [NODE, '-e', 'process.exit(0)'];
  };
}

async function runPipeline(argoVersion: string, predictCodes: number[]) {
  const dir = tempDir('ofa-escalation-');
  const volume = join(dir, 'volume');
  mkdirSync(volume, { recursive: true });
  writeFileSync(join(dir, 'predict-codes'), predictCodes.join(','));
  const config = resolveConfig({
    argoVersion,
    volume: { mountPath: volume },
    retries: { limit: 2, backoff: { duration: '0s', factor: 2, maxDelay: '1s' } },
  });
  const docs = renderFiles(config, 'escalation').flatMap((f) => parseDocuments(f.text, f.file));
  const run = await runDocs(docs, {
    entry: 'openfold-pipeline',
    mapCommand: standIns(dir),
    parameters: { 'skip-databases': 'true' },
  });
  const classes = existsSync(join(dir, 'predict.log')) ? readFileSync(join(dir, 'predict.log'), 'utf8').trim().split('\n') : [];
  return { run, classes };
}

test('Argo >= 3.7: after a CUDA out-of-memory (exit 86) the retry runs on the long class', async () => {
  const { run, classes } = await runPipeline('v4.1.2', [86, 0]);
  assert.is(run.state.phase, 'Succeeded');
  assert.equal(classes, ['standard', 'long']);
});

test('Argo >= 3.7: a plain failure is retried on the same class; no escalation', async () => {
  const { run, classes } = await runPipeline('v4.1.2', [3, 0]);
  assert.is(run.state.phase, 'Succeeded');
  assert.equal(classes, ['standard', 'standard']);
});

test('a failure before any target (exit 1) is not retried', async () => {
  const { run, classes } = await runPipeline('v4.1.2', [1, 0]);
  assert.equal(classes, ['standard']);
  const predict = Object.values(run.state.nodes).find((n) => n.name.endsWith('.predict'))!;
  assert.is(predict.phase, 'Failed');
  assert.match(predict.message!, /retryStrategy.expression evaluated false/);
});

test('Argo 3.6: exit 86 is not retried on the standard class; the leftovers task runs the chunk on the long class', async () => {
  const { run, classes } = await runPipeline('v3.6.19', [86, 0]);
  assert.equal(classes, ['standard', 'long']);
  const byName = (suffix: string) => Object.values(run.state.nodes).find((n) => n.name.endsWith(suffix))!;
  assert.is(byName('.predict').phase, 'Failed');
  assert.is(byName('.predict-leftovers').phase, 'Succeeded');
  assert.is(run.state.phase, 'Succeeded', 'the chunk succeeded on the long class');
});

test('Argo 3.6: a plain failure does not reach the long class', async () => {
  const { run, classes } = await runPipeline('v3.6.19', [3, 0]);
  assert.equal(classes, ['standard', 'standard']);
  assert.is(run.state.phase, 'Succeeded');
  const leftovers = Object.values(run.state.nodes).find((n) => n.name.endsWith('.predict-leftovers'));
  assert.ok(!leftovers || leftovers.phase !== 'Succeeded', 'not run');
});

test("the memory ladder's patch, as Argo evaluates it per attempt: more memory only after an OOM kill", () => {
  const patch = memoryLadder(resolveConfig({}))!;
  const attempt = (retries: number, message: string, exitCode: string) =>
    substitute(
      patch,
      { retries: String(retries), 'lastRetry.message': message, 'lastRetry.exitCode': exitCode, 'lastRetry.status': 'Failed' },
      'test',
    );
  const memory = (text: string) => (text === '{}' ? 'base' : JSON.parse(text).containers[0].resources.limits.memory);
  assert.is(memory(attempt(0, '', '0')), 'base', 'first attempt');
  assert.is(memory(attempt(1, 'main: OOMKilled (exit code 137)', '137')), '131072Mi');
  assert.is(memory(attempt(2, 'main: OOMKilled (exit code 137)', '137')), '238530Mi', 'capped at the node class');
  assert.is(memory(attempt(1, 'main: Error (exit code 1)', '1')), 'base', 'a plain failure');
  assert.is(
    memory(attempt(1, 'Pod was active on the node longer than the specified deadline', '137')),
    'base',
    'a deadline kill (137 too)',
  );
  assert.is(memory(attempt(1, 'pod deleted', '-1')), 'base', 'a lost node');
});

test.run();
