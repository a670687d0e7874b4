import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../generators/config/load.js';
import { estimateTargets, exceedsWorkflowDeadline, HOURS_PER_MONTH } from '../../estimate/estimate.js';
import { formatEstimate, summaryLine } from '../../estimate/format.js';
import type { PlanTarget } from '../../steps/split/plan.js';

// Round numbers: every pod start 0, no dispatch, align 1 s per residue, split and collect 36 s each.
const MODEL = {
  dispatchSeconds: 0,
  podStartSeconds: { align: 0, predict: 0, long: 0, light: 0 },
  split: { fixedSeconds: 36, secondsPerTarget: 0 },
  collect: { fixedSeconds: 36, secondsPerTarget: 0 },
  align: { full_dbs: { groupSeconds: 0, targetSeconds: 0, secondsPerResidue: 1 } },
  predict: { modelLoadSeconds: 0, targetSeconds: 0, inferenceScale: { standard: 1, long: 1 } },
};
const config = (extra: Record<string, unknown> = {}) =>
  resolveConfig({ cost: { timeModel: MODEL }, inference: { residuesPerBatch: 4000, maxConcurrentGpus: 1 }, ...extra });
const TARGETS: PlanTarget[] = [
  { tag: 'a', length: 360 },
  { tag: 'b', length: 720 },
  { tag: 'c', length: 360, duplicateOf: 'a' },
];

test('the estimate simulates the plan and prices every pod-hour at its share of the node', () => {
  const c = config();
  const e = estimateTargets(TARGETS, { config: c });
  // Two align groups (360 s and 720 s) in parallel after a 36 s split; one chunk on a g5.4xlarge (A10G: the
  // V100 series, 360 aa between 256 -> 36 s and 384 -> 66 s), then collect.
  const inference = 36 + ((360 - 256) / 128) * 30 + 66 + ((720 - 384) / 2116) * 7494;
  assert.ok(Math.abs(e.stages.predict.makespanHours * 3600 - inference) < 1e-6);
  assert.ok(Math.abs(e.makespanHours * 3600 - (36 + 720 + inference + 36)) < 1e-6);
  assert.is(e.targets, 3);
  assert.is(e.uniqueTargets, 2);
  assert.is(e.alignGroups, 2);
  assert.equal(e.chunks, { standard: 1, long: 0 });
  // Align: 1 080 pod-seconds x 10 CPUs; a third of an r6i.8xlarge each.
  assert.ok(Math.abs(e.stages.align.cpuHours - (1080 * 10) / 3600) < 1e-9);
  assert.ok(Math.abs(e.stages.align.costUsd.onDemand - (1080 / 3600 / 3) * 2.016) < 1e-9);
  assert.ok(Math.abs(e.gpuHours - inference / 3600) < 1e-9);
  assert.ok(Math.abs(e.stages.predict.costUsd.spot - (inference / 3600) * 0.65) < 1e-9);
  assert.ok(Math.abs(e.fsxUsd - (4800 * 0.145 * e.makespanHours) / HOURS_PER_MONTH) < 1e-9);
  const compute = ['split', 'align', 'predict', 'collect'].reduce((s, k) => s + e.stages[k as 'align'].costUsd.onDemand, 0);
  assert.ok(Math.abs(e.costUsd.onDemand - compute - e.fsxUsd) < 1e-9);
  // Per structure: every FASTA record gets one, the duplicate included.
  assert.ok(Math.abs(e.perStructureUsd.onDemand - e.costUsd.onDemand / 3) < 1e-12);
  assert.equal(Object.keys(e.nodeHours).sort(), ['align', 'light', 'long', 'predict']);
  assert.is(e.nodeClasses.align.podsPerNode, 3);
  assert.is(e.nodeClasses.align.concurrentPods, 32);
  assert.is(e.nodeClasses.light.concurrentPods, null);
  assert.equal(e.warnings, []);
});

test('mode, no inference and a global pod limit change the schedule as they should', () => {
  const c = config();
  const serial = estimateTargets(TARGETS, { config: c, maxParallel: 1, inference: 'none' });
  // One pod at a time, predict pods only start: 36 + 360 + 720 + 0 + 36.
  assert.ok(Math.abs(serial.makespanHours * 3600 - 1152) < 1e-6);
  assert.is(serial.inference, 'none');
  assert.is(serial.gpuHours, 0);
  const mm = resolveConfig({
    cost: { timeModel: { ...MODEL, align: { mmseqs: { groupSeconds: 100, targetSeconds: 0, secondsPerResidue: 0 } } } },
  });
  const e = estimateTargets(TARGETS, { config: mm, mode: 'mmseqs', inference: 'none' });
  assert.is(e.alignMode, 'mmseqs');
  assert.ok(Math.abs(e.stages.align.makespanHours * 3600 - 100) < 1e-6);
});

test('deadlines: a run longer than the workflow deadline, and a pod longer than its own, are warned about', () => {
  const c = config({ deadlines: { workflow: '10m', align: '5m' } });
  const e = estimateTargets(TARGETS, { config: c });
  assert.ok(exceedsWorkflowDeadline(e));
  const w = e.warnings.join('\n');
  assert.match(w, 'exceeds deadlines.workflow (10m): the workflow would be stopped');
  assert.match(w, 'the longest align pod (0.2 h) exceeds deadlines.align (5m): it would be killed');
  assert.not.ok(exceedsWorkflowDeadline(estimateTargets(TARGETS, { config: config() })));
});

test('the table and the one-line summary show the same figures as the JSON', () => {
  const e = estimateTargets(TARGETS, { config: config() });
  const line = summaryLine(e);
  assert.match(line, /^estimate: 3 targets, full_dbs: makespan 35\.1 min \(align 12\.0 min, predict 21\.9 min\)/);
  assert.match(line, `$${e.costUsd.onDemand.toFixed(2)} on-demand`);
  const table = formatEstimate(e, true);
  assert.match(
    table,
    '3 targets (2 unique, 1,440 residues), align mode full_dbs: 2 align groups, 1 prediction chunks (0 on the long class)',
  );
  assert.match(table, /align\s+r6i\.8xlarge\s+3\s+32/);
  assert.match(table, 'time model: calibrated (cost.timeModel)');
  // JSON is plain data: it survives a round trip.
  assert.equal(JSON.parse(JSON.stringify(e)).stages.align.pods, 2);
});

test.run();
