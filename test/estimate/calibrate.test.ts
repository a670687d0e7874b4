import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { resolveConfig } from '../../generators/config/load.js';
import type { TimeModelOverrides } from '../../generators/config/cost.js';
import { calibrate } from '../../estimate/calibrate.js';
import { fitNonNegative, solve } from '../../estimate/fit.js';
import { readRun } from '../../estimate/runs.js';
import { tempDir } from '../helpers/env.js';
import { targetsOf, writeSyntheticRun } from './synthetic-run.js';

const TRUTH: TimeModelOverrides = {
  dispatchSeconds: 2.5,
  podStartSeconds: { align: 30, predict: 50, long: 50, light: 0 },
  split: { fixedSeconds: 4, secondsPerTarget: 0.5 },
  collect: { fixedSeconds: 3, secondsPerTarget: 0.25 },
  align: { full_dbs: { groupSeconds: 0, targetSeconds: 20, secondsPerResidue: 3 } },
  predict: { modelLoadSeconds: 40, targetSeconds: 12, inferenceScale: { standard: 0.7, long: 1.3 } },
};

test('least squares: exact data give back the coefficients; a negative one is dropped', () => {
  assert.equal(
    solve(
      [
        [2, 0],
        [0, 4],
      ],
      [2, 8],
    ),
    [1, 2],
  );
  assert.is(
    solve(
      [
        [1, 1],
        [1, 1],
      ],
      [1, 1],
    ),
    null,
  );
  const f = fitNonNegative(
    [
      [1, 1],
      [1, 2],
      [1, 3],
    ],
    [5, 7, 9],
  );
  assert.ok(Math.abs(f.coefficients[0] - 3) < 1e-9 && Math.abs(f.coefficients[1] - 2) < 1e-9);
  assert.is(f.r2, 1);
  const neg = fitNonNegative(
    [
      [1, 1],
      [1, 2],
      [1, 3],
    ],
    [9, 7, 5],
  );
  assert.equal(neg.dropped, [1]);
  assert.ok(neg.coefficients[1] === 0 && Math.abs(neg.coefficients[0] - 7) < 1e-9);
});

function runs() {
  const root = tempDir('ofa-calibrate-');
  // Different sizes, batching and concurrency so that every coefficient shows in the data.
  const a = resolveConfig({
    alignment: { maxParallelPods: 4 },
    inference: { maxConcurrentGpus: 2, residuesPerBatch: 1200, longSequence: { threshold: 800 } },
  });
  const b = resolveConfig({
    alignment: { maxParallelPods: 2, targetsPerPod: 3 },
    inference: { maxConcurrentGpus: 1, residuesPerBatch: 2000, longSequence: { threshold: 850 } },
  });
  const c = resolveConfig({
    alignment: { maxParallelPods: 8 },
    inference: { maxConcurrentGpus: 3, residuesPerBatch: 1000, longSequence: { threshold: 700 } },
  });
  return [
    writeSyntheticRun(join(root, 'a'), targetsOf(12, 1), a, TRUTH),
    writeSyntheticRun(join(root, 'b'), targetsOf(20, 2), b, TRUTH),
    writeSyntheticRun(join(root, 'c'), targetsOf(7, 3), c, TRUTH),
  ];
}

const near = (a: number | undefined, b: number, tol = 0.01) => a !== undefined && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

test('calibration finds the true model back from the runs it produced, and replays them to their makespans', () => {
  const synthetic = runs();
  const data = synthetic.map((s) => readRun(s.dir));
  data.forEach((d, i) => assert.ok(Math.abs(d.makespanSeconds - synthetic[i].makespanSeconds) < 0.01));
  const c = calibrate(data, resolveConfig({}));
  const o = c.overrides;
  assert.ok(near(o.align?.full_dbs?.targetSeconds, 20) && near(o.align?.full_dbs?.secondsPerResidue, 3), JSON.stringify(o.align));
  assert.ok(near(o.podStartSeconds?.align, 30), JSON.stringify(o.podStartSeconds));
  assert.ok(near(o.predict?.inferenceScale?.standard, 0.7) && near(o.predict?.inferenceScale?.long, 1.3), JSON.stringify(o.predict));
  // Every chunk of these plans runs one batch: the model load (true 40 s) cannot be told from the pod start (true
  // 50 s); it keeps its default 60 s and the pod start takes the rest, so a chunk still costs 90 s.
  assert.ok(near(o.predict?.modelLoadSeconds, 60) && near(o.predict?.targetSeconds, 12), JSON.stringify(o.predict));
  assert.ok(near(o.podStartSeconds?.predict, 30) && near(o.podStartSeconds?.long, 30), JSON.stringify(o.podStartSeconds));
  assert.match(c.notes.join('\n'), 'every chunk ran one batch');
  assert.ok(near(o.split?.fixedSeconds, 4) && near(o.split?.secondsPerTarget, 0.5), JSON.stringify(o.split));
  assert.ok(near(o.collect?.fixedSeconds, 3) && near(o.collect?.secondsPerTarget, 0.25), JSON.stringify(o.collect));
  assert.ok(near(o.dispatchSeconds, 2.5, 0.02), String(o.dispatchSeconds));
  for (const r of c.replays) assert.ok(Math.abs(r.errorPercent) < 0.5, `${r.dir}: ${r.errorPercent}`);
  for (const r of c.leaveOneOut ?? []) assert.ok(Math.abs(r.errorPercent) < 1, `leave-one-out ${r.dir}: ${r.errorPercent}`);
  assert.is(c.leaveOneOut?.length, 3);
  assert.ok(
    c.fits.every((f) => f.r2 === null || f.r2 > 0.999),
    JSON.stringify(c.fits),
  );
});

test('runs without predictions keep the published inference model and say so', () => {
  const root = tempDir('ofa-calibrate-none-');
  const config = resolveConfig({});
  const s = writeSyntheticRun(join(root, 'x'), targetsOf(5), config, TRUTH, { inference: 'none' });
  const c = calibrate([readRun(s.dir)], config);
  assert.is(c.overrides.predict?.inferenceScale, undefined);
  assert.is(c.overrides.predict?.modelLoadSeconds, undefined);
  assert.ok(near(c.overrides.podStartSeconds?.predict, 50));
  assert.match(c.notes.join('\n'), 'no target was predicted in these runs');
  assert.is(c.replays[0].inference, 'none');
  assert.ok(Math.abs(c.replays[0].errorPercent) < 0.5);
});

test('a directory that is not a run, or a run without usage records, is refused by name', () => {
  assert.throws(() => readRun(tempDir()), /not a run directory/);
});

test.run();
