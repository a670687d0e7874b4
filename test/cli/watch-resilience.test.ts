// watch survives what a long watch meets on a real cluster: a connection reset before or during the stream,
// a request that never answers, 429 with Retry-After, 5xx, a stream cut mid-event; it resumes from the last
// resourceVersion it saw and gives up only after --give-up-after, with one line naming the cause.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, waitFor, withDouble } from '../helpers/cluster-cli.js';
import { alignRetry, splitDone, workflow } from '../helpers/workflow-fixtures.js';
import { openSession } from '../../cli/cluster/session.js';
import { followWorkflow } from '../../cli/cluster/follow.js';
import { backoffDelay, parseDuration } from '../../cli/cluster/backoff.js';

const isWatch = (r: { query: Record<string, string> }) => r.query.watch === 'true';

test('backoff: doubles per failure up to the cap, upper half jittered; durations as kubectl writes them', () => {
  const policy = { initialMs: 500, capMs: 30_000, giveUpAfterMs: 600_000 };
  assert.equal(
    [0, 1, 2, 3, 10].map((a) => backoffDelay(a, policy, () => 0)),
    [250, 500, 1000, 2000, 15_000],
  );
  assert.equal(
    [0, 10].map((a) => backoffDelay(a, policy, () => 1)),
    [500, 30_000],
  );
  assert.equal(
    ['90s', '10m', '1h30m', '500ms', '2'].map((t) => parseDuration(t, '--x')),
    [90_000, 600_000, 5_400_000, 500, 2000],
  );
  assert.throws(() => parseDuration('10 minutes', '--give-up-after'), /--give-up-after "10 minutes": expected a duration/);
});

test('follow: reset, 503, 429 (Retry-After), a cut stream and a half event; resumes from the last resourceVersion', async () => {
  await withDouble({}, async (d, env) => {
    const first = d.put('workflows', workflow('run-1', 'Running', [splitDone, alignRetry(0, 'Running', ['a0'])]));
    d.fail({ when: isWatch, kind: 'reset' });
    d.fail({ when: isWatch, kind: { status: 503, reason: 'ServiceUnavailable' } });
    d.fail({ when: isWatch, kind: { status: 429, reason: 'TooManyRequests', retryAfter: 1 } });
    const s = openSession({}, env);
    const lines: string[] = [];
    const warnings: string[] = [];
    const delays: number[] = [];
    const done = followWorkflow(s, 'run-1', {
      print: (l) => lines.push(l),
      warn: (l) => warnings.push(l),
      retryHooks: { sleep: (ms) => (delays.push(ms), new Promise((r) => setTimeout(r, 5))) },
    });
    await waitFor(() => d.requests.filter(isWatch).length >= 4, 'the watch after three failures');
    const second = d.put('workflows', workflow('run-1', 'Running', [splitDone, alignRetry(0, 'Succeeded', ['a0'])]));
    await waitFor(() => lines.some((l) => l.includes('align 1 done')), 'the update through the stream');
    d.resetWatches(); // the connection breaks between chunks
    await waitFor(() => d.requests.filter(isWatch).length >= 5, 'a watch after the reset');
    d.truncateWatches(); // half an event, then the end of the answer
    await waitFor(() => d.requests.filter(isWatch).length >= 6, 'a watch after the cut event');
    d.put('workflows', workflow('run-1', 'Succeeded', [splitDone, alignRetry(0, 'Succeeded', ['a0'])]));
    const wf = await done;
    assert.is(wf.status?.phase, 'Succeeded');
    const watches = d.requests.filter(isWatch).map((r) => r.query.resourceVersion);
    assert.equal(
      watches.slice(0, 4),
      Array(4).fill(first.metadata.resourceVersion),
      'failed requests retried from the same resourceVersion',
    );
    assert.equal(watches.slice(4), [second.metadata.resourceVersion, second.metadata.resourceVersion], 'resumed after the last event seen');
    assert.is(d.requests.filter((r) => r.method === 'GET' && !isWatch(r)).length, 1, 'no relist: only 410 Gone relists');
    assert.match(warnings.join('\n'), /ECONNRESET; retrying in \S+ from resourceVersion/);
    assert.match(warnings.join('\n'), '503 ServiceUnavailable');
    assert.match(warnings.join('\n'), '429 TooManyRequests');
    assert.match(warnings.join('\n'), 'watch stream ended mid-event');
    assert.ok(delays[2] >= 1000, `the 429's Retry-After: 1 is honoured (waited ${delays[2]} ms)`);
    assert.ok(delays.every((ms) => ms <= 30_000));
  });
});

test('watch --give-up-after: keeps trying while the API server fails, then one line naming the cause; exit 1', async () => {
  await withDouble({}, async (d, env) => {
    d.put('workflows', workflow('run-2', 'Running', [splitDone]));
    d.fail({ when: isWatch, kind: { status: 503, reason: 'ServiceUnavailable' }, times: 1000 });
    const started = Date.now();
    const r = await cli(['watch', 'run-2', '--give-up-after', '1500ms'], env);
    const seconds = (Date.now() - started) / 1000;
    assert.is(r.code, 1);
    const last = r.stderr.trim().split('\n').pop()!;
    assert.match(
      last,
      /^openfold-argo watch: gave up watching workflow run-2 after \S+ of failing API requests \(\d+ in a row, limit --give-up-after 1.5s\); last error: 503 ServiceUnavailable$/,
    );
    assert.ok(d.requests.filter(isWatch).length >= 3, 'it retried before giving up');
    assert.ok(seconds < 5, `gave up within the budget (${seconds} s)`);
  });
});

test('a request that never answers times out (--request-timeout) and is retried; a 403 is not retried', async () => {
  await withDouble({ forbid: (m, p) => m === 'GET' && p.endsWith('/workflows') }, async (d, env) => {
    d.put('workflows', workflow('run-3', 'Succeeded', [splitDone]));
    d.fail({ when: (r) => r.method === 'GET', kind: 'hang' });
    const r = await cli(['watch', 'run-3', '--request-timeout', '300ms'], env);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, /watch run-3: ETIMEDOUT; retrying in/);
    d.put('workflows', workflow('run-4', 'Running', [splitDone]));
    const forbidden = await cli(['watch', 'run-4'], env);
    assert.is(forbidden.code, 1);
    assert.match(forbidden.stderr, /^openfold-argo watch: forbidden: workflows.argoproj.io is forbidden/);
    assert.is(d.requests.filter(isWatch).length, 1, 'a 403 is not retried');
  });
});

test.run();
