// The server's bounded queue and metrics (pure, with plain async jobs): one job at a time, a full queue refuses at
// once, deadlines reject waiting and running jobs (the latter reported for a worker restart), drain refuses the
// waiting and waits for the running.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Metrics } from '../../../steps/serve/metrics.js';
import { BoundedQueue, QueueFull, QueueTimeout, ShuttingDown } from '../../../steps/serve/queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const settle = <T>(p: Promise<T>) =>
  p.then(
    (v) => ({ ok: v as unknown }),
    (e: Error) => ({ error: e }),
  );

test('one job runs at a time, capacity jobs wait, the next is refused at once, and every accepted job finishes in order', async () => {
  const q = new BoundedQueue(2);
  const order: number[] = [];
  let running = 0;
  let most = 0;
  const job = (n: number) => async () => {
    running++;
    most = Math.max(most, running);
    await sleep(20);
    order.push(n);
    running--;
    return n;
  };
  const results = await Promise.all([1, 2, 3, 4, 5].map((n) => settle(q.run(job(n), 5000))));
  assert.equal(results.slice(0, 3), [{ ok: 1 }, { ok: 2 }, { ok: 3 }]);
  assert.ok((results[3] as { error: Error }).error instanceof QueueFull);
  assert.ok((results[4] as { error: Error }).error instanceof QueueFull);
  assert.equal(order, [1, 2, 3]);
  assert.is(most, 1);
  assert.is(q.depth, 0);
});

test('deadlines: a waiting job leaves the queue, a running one is reported for a restart', async () => {
  let restarts = 0;
  const q = new BoundedQueue(4, () => restarts++);
  const slow = settle(q.run(() => sleep(200).then(() => 'late'), 50));
  const waiting = settle(q.run(async () => 'never', 30));
  const [a, b] = await Promise.all([slow, waiting]);
  assert.ok((a as { error: Error }).error instanceof QueueTimeout);
  assert.ok((b as { error: Error }).error instanceof QueueTimeout);
  assert.is(restarts, 1);
});

test('drain: waiting jobs are refused, the running one finishes, later ones are refused', async () => {
  const q = new BoundedQueue(4);
  const running = settle(q.run(() => sleep(50).then(() => 'done'), 5000));
  const waiting = settle(q.run(async () => 'never', 5000));
  await sleep(5);
  await q.drain();
  assert.equal(await running, { ok: 'done' });
  assert.ok(((await waiting) as { error: Error }).error instanceof ShuttingDown);
  assert.ok(((await settle(q.run(async () => 1, 100))) as { error: Error }).error instanceof ShuttingDown);
});

test('metrics: Prometheus text with queue depth, outcomes, the latency histogram, GPU memory only when reported', () => {
  const m = new Metrics();
  m.request('ok', 3);
  m.request('queue_full', 0.01);
  m.modelLoads = 1;
  const text = m.render(2, true, true);
  for (const line of [
    'openfold_argo_queue_depth 2',
    'openfold_argo_busy 1',
    'openfold_argo_ready 1',
    'openfold_argo_model_loads_total 1',
    'openfold_argo_requests_total{outcome="ok"} 1',
    'openfold_argo_requests_total{outcome="queue_full"} 1',
    'openfold_argo_request_seconds_bucket{le="0.5"} 1',
    'openfold_argo_request_seconds_bucket{le="5"} 2',
    'openfold_argo_request_seconds_bucket{le="+Inf"} 2',
    'openfold_argo_request_seconds_count 2',
  ])
    assert.ok(text.includes(`${line}\n`), line);
  assert.not.match(text, /gpu_memory/);
  m.gpuMemoryBytes = 1024;
  assert.match(m.render(0, false, true), /\nopenfold_argo_gpu_memory_bytes 1024\n/);
});

test.run();
