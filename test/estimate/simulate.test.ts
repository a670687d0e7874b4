import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simulate, type SimInput, type SimLimits, type SimPod } from '../../estimate/simulate.js';

const pod = (stage: SimPod['stage'], seconds: number, nodeClass: SimPod['nodeClass'] = stage === 'align' ? 'align' : 'light'): SimPod => ({
  stage,
  nodeClass,
  seconds,
});

/** split 10 s; groups 20, 30, 40 s; chunk 0 needs groups 0-1 (predict 5 s), chunk 1 group 2 (predict 7 s); collect 1 s. */
const INPUT: SimInput = {
  split: pod('split', 10),
  groups: [pod('align', 20), pod('align', 30), pod('align', 40)],
  chunks: [
    { first: 0, last: 1, predict: pod('predict', 5, 'predict') },
    { first: 2, last: 2, predict: pod('predict', 7, 'predict') },
  ],
  collect: pod('collect', 1),
};
const LIMITS: SimLimits = { align: 2, gpu: 1, dispatchSeconds: 0 };
const spans = (r: ReturnType<typeof simulate>) => r.pods.map((p) => [p.stage, p.start, p.end]);

test('align groups share the align semaphore; a chunk predicts when all its groups are done', () => {
  const r = simulate(INPUT, LIMITS);
  assert.equal(spans(r), [
    ['split', 0, 10],
    ['align', 10, 30],
    ['align', 10, 40],
    ['align', 30, 70],
    ['predict', 40, 45],
    ['predict', 70, 77],
    ['collect', 77, 78],
  ]);
  assert.is(r.makespanSeconds, 78);
});

test('dispatch latency is paid once per dependency edge', () => {
  const r = simulate(INPUT, { ...LIMITS, dispatchSeconds: 1 });
  assert.equal(spans(r), [
    ['split', 0, 10],
    ['align', 11, 31],
    ['align', 11, 41],
    ['align', 31, 71],
    ['predict', 42, 47],
    ['predict', 72, 79],
    ['collect', 80, 81],
  ]);
});

test('one pod at a time runs them in node order: a chunk predicts before the next chunk aligns', () => {
  const r = simulate(INPUT, { ...LIMITS, global: 1 });
  assert.equal(spans(r), [
    ['split', 0, 10],
    ['align', 10, 30],
    ['align', 30, 60],
    ['align', 65, 105],
    ['predict', 60, 65],
    ['predict', 105, 112],
    ['collect', 112, 113],
  ]);
});

test('the GPU semaphore is held while a pod waits for a node of its class', () => {
  // Two long chunks and one standard chunk, GPU semaphore 2, one long node: the second long chunk holds a
  // semaphore slot while it waits, so the standard chunk queued behind it waits too.
  const input: SimInput = {
    split: pod('split', 0),
    groups: [pod('align', 1), pod('align', 1), pod('align', 2)],
    chunks: [
      { first: 0, last: 0, predict: pod('predict', 10, 'long') },
      { first: 1, last: 1, predict: pod('predict', 10, 'long') },
      { first: 2, last: 2, predict: pod('predict', 10, 'predict') },
    ],
    collect: pod('collect', 0),
  };
  const r = simulate(input, { align: 3, gpu: 2, classCapacity: { long: 1 }, dispatchSeconds: 0 });
  const predicts = r.pods.filter((p) => p.stage === 'predict').map((p) => [p.nodeClass, p.start]);
  assert.equal(predicts, [
    ['long', 1],
    ['long', 11],
    ['predict', 11],
  ]);
  assert.is(r.makespanSeconds, 21);
});

test('an empty plan runs split then collect', () => {
  const r = simulate({ split: pod('split', 3), groups: [], chunks: [], collect: pod('collect', 2) }, { ...LIMITS, dispatchSeconds: 1 });
  assert.is(r.makespanSeconds, 6);
});

test('100 000 groups: the align stage is bounded below by its work over its slots', () => {
  const groups = Array.from({ length: 100_000 }, (_, i) => pod('align', 1 + (i % 7)));
  const chunks = Array.from({ length: 500 }, (_, i) => ({ first: i * 200, last: i * 200 + 199, predict: pod('predict', 30, 'predict') }));
  const r = simulate({ split: pod('split', 1), groups, chunks, collect: pod('collect', 1) }, { align: 32, gpu: 4, dispatchSeconds: 1 });
  // 400 000 align-seconds over 32 slots is the floor; the last chunk's predict, dispatches and collect come on top.
  assert.ok(r.makespanSeconds > 400_000 / 32 && r.makespanSeconds < 400_000 / 32 + 100, String(r.makespanSeconds));
  assert.ok(r.pods.every((p) => p.end >= p.start && Number.isFinite(p.start)));
});

test.run();
