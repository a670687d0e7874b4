// retryStrategy.backoff.maxDuration as Argo applies it (workflow/controller/operator.go processNodeRetries,
// argo-workflows#13044): a window over ALL attempts, counted from the first attempt's start, that is also the
// deadline (ARGO_DEADLINE) of every retry pod. And the generators' retry strategy, which must not use it as the
// longest delay: a step that fails after running longer than the delay is still retried.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { resolveConfig } from '../../generators/config/load.js';
import { stepRetry } from '../../generators/templates/common.js';
import { STEP_DEADLINE_MESSAGE } from '../../executor/retry.js';
import { tempDir } from '../helpers/env.js';
import { runDocs } from './helpers.js';

const NODE = process.execPath;

/** Counts its attempts in a file; attempt n sleeps ms[n-1] (the last entry repeats), then exits with codes[n-1]. */
const TIMED = `const fs=require('fs');const [f,ms,codes]=process.argv.slice(1);const n=(fs.existsSync(f)?Number(fs.readFileSync(f,'utf8')):0)+1;fs.writeFileSync(f,String(n));const pick=(s)=>{const a=s.split(',').map(Number);return a[Math.min(n,a.length)-1]};setTimeout(()=>process.exit(pick(codes)),pick(ms))`;

function timedWorkflow(dir: string, ms: string, codes: string, retryStrategy: unknown) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: 'window-' },
    spec: {
      entrypoint: 'main',
      templates: [
        { name: 'main', dag: { tasks: [{ name: 'step', template: 'step' }] } },
        { name: 'step', container: { image: 'node', command: [NODE, '-e', TIMED, '--', join(dir, 'count'), ms, codes] }, retryStrategy },
      ],
    },
  };
}

test('Argo semantics: a step that fails after running longer than backoff.maxDuration is not retried', async () => {
  const dir = tempDir();
  const rs = { limit: 3, retryPolicy: 'Always', backoff: { duration: '0', factor: 2, maxDuration: '1s' } };
  const run = await runDocs([timedWorkflow(dir, '1500', '1', rs)]);
  const node = run.state.nodes['wf.step'];
  assert.is(node.phase, 'Failed');
  assert.is(node.attempts!.length, 1, 'the window had closed when the first attempt failed');
  assert.match(node.message!, /Max duration limit exceeded/);
});

test('Argo semantics: a retry is killed when the window ends (maxDuration is the retry pod deadline)', async () => {
  const dir = tempDir();
  // The first attempt fails at once; the retry would need 30 s but the window (2 s from the first start) ends first.
  const rs = { limit: 3, retryPolicy: 'Always', backoff: { duration: '0', factor: 2, maxDuration: '2s' } };
  const started = Date.now();
  const run = await runDocs([timedWorkflow(dir, '0,30000', '1,0', rs)], { killGraceMs: 300 });
  const node = run.state.nodes['wf.step'];
  assert.ok(Date.now() - started < 15_000, `ended near the window's end, took ${Date.now() - started} ms`);
  assert.is(node.phase, 'Failed');
  assert.is(node.attempts!.length, 2);
  assert.is(node.attempts![1].message, STEP_DEADLINE_MESSAGE);
  assert.match(node.message!, /Max duration limit exceeded/, 'no third attempt: the window is over');
});

test("the generators' retry strategy retries a step that failed after running longer than the longest delay", async () => {
  const dir = tempDir();
  // The longest delay is 1 s; the first attempt fails after 1.5 s. With maxDuration: 1s (what the generators used
  // to emit for "longest delay") Argo, and the local executor, would not retry it.
  const c = resolveConfig({ retries: { limit: 2, backoff: { duration: '1s', factor: 2, maxDelay: '1s' } } });
  const rs = stepRetry(c);
  assert.is((rs.backoff as Record<string, unknown>).maxDuration, undefined, 'no window over the attempts');
  assert.is(rs.backoff!.cap, '1s', 'the longest delay is backoff.cap on Argo >= 3.7');
  const run = await runDocs([timedWorkflow(dir, '1500,0', '1,0', rs)]);
  const node = run.state.nodes['wf.step'];
  assert.is(node.phase, 'Succeeded', node.message);
  assert.equal(
    node.attempts!.map((a) => a.exitCode),
    [1, 0],
  );
});

test('on Argo 3.6 there is no backoff.cap: the generators emit neither cap nor maxDuration', () => {
  const rs = stepRetry(resolveConfig({ argoVersion: 'v3.6.5' }));
  assert.equal(rs.backoff, { duration: '30s', factor: 2 });
});

test.run();
