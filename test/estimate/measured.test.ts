import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../generators/config/load.js';
import { measureCost, podSeconds, targetCosts } from '../../estimate/measured.js';
import { readUsage, startUsage, withUsage, type UsageRecord } from '../../estimate/usage.js';
import { writeReport } from '../../steps/collect/report.js';
import type { Plan } from '../../steps/split/plan.js';
import { tempDir } from '../helpers/env.js';
import { targetsOf, writeSyntheticRun } from './synthetic-run.js';

const rec = (
  step: UsageRecord['step'],
  id: string,
  start: number,
  end?: number,
  nodeClass: UsageRecord['nodeClass'] = 'align',
): UsageRecord => ({
  version: 1,
  step,
  id,
  nodeClass,
  requests: nodeClass === 'align' ? { cpu: 8, memoryGiB: 32, gpu: 0 } : { cpu: 1, memoryGiB: 2, gpu: 0 },
  startedAt: new Date(start * 1000).toISOString(),
  ...(end === undefined ? {} : { finishedAt: new Date(end * 1000).toISOString(), exitCode: 0 }),
  host: 'h',
  pid: 1,
});

test('usage records: written at the start, completed with the exit code, read back in start order', async () => {
  const run = tempDir('ofa-usage-');
  const u = startUsage(run, { step: 'align', id: '3', nodeClass: 'align', requests: { cpu: 8, memoryGiB: 32, gpu: 0 } }, () => {});
  assert.is(readUsage(run).records[0].finishedAt, undefined);
  const failed = await withUsage(u, async () => {
    throw Object.assign(new Error('tool failed'), { exitCode: 137 });
  }).catch((e: Error) => e.message);
  assert.is(failed, 'tool failed');
  const [r] = readUsage(run).records;
  assert.is(r.exitCode, 137);
  assert.ok(Date.parse(r.finishedAt!) >= Date.parse(r.startedAt));
  // The start is the process's start: loading the program is pod time too.
  assert.ok(Date.parse(r.startedAt) <= Date.now() - process.uptime() * 1000 + 5);
  const ok = startUsage(run, { step: 'split', id: '', nodeClass: 'light', requests: { cpu: 1, memoryGiB: 2, gpu: 0 } }, () => {});
  assert.is(await withUsage(ok, async () => 0), 0);
  writeFileSync(join(run, 'usage', 'junk.json'), '{"version": 2}');
  const read = readUsage(run);
  assert.is(read.records.length, 2);
  assert.equal(read.bad, ['junk.json']);
});

test('a killed attempt counts until the next attempt of the same pod started; with none it is unknown', () => {
  const timed = podSeconds([rec('align', '0', 0), rec('align', '0', 100, 160), rec('align', '1', 0), rec('collect', '', 200)], 230_000);
  assert.equal(
    timed.map((t) => t.seconds),
    [100, 60, null, 30],
  );
  // At most the step's deadline: a local run resumed a day later does not count the pause.
  const resumed = podSeconds([rec('align', '0', 0), rec('align', '0', 86_400, 86_460)], 0, () => 43_200);
  assert.equal(
    resumed.map((t) => t.seconds),
    [43_200, 60],
  );
});

test('measured cost: pod time x node price x the share its requests keep; FSx for the run; per structure', () => {
  const c = resolveConfig({});
  const records = [
    rec('split', '', 0, 36, 'light'),
    rec('align', '0', 36, 3636),
    rec('align', '1', 36, 1836),
    rec('collect', '', 3636, 3672, 'light'),
  ];
  const m = measureCost(records, c, 4, 0);
  // r6i.8xlarge $2.016/h; an align pod is a third of it, a light pod (1 CPU, 2Gi) a 31st.
  assert.ok(Math.abs(m.stages.align.costUsd.onDemand - (1.5 * 2.016) / 3) < 1e-9);
  assert.ok(Math.abs(m.stages.split.costUsd.spot - (0.01 * 0.8) / 31) < 1e-12);
  assert.is(m.makespanSeconds, 3672);
  assert.ok(Math.abs(m.fsxUsd - (((4800 * 0.145) / 730) * 3672) / 3600) < 1e-9);
  assert.ok(Math.abs(m.cpuHours - (1.5 * 8 + 0.02)) < 1e-9);
  assert.ok(Math.abs(m.perStructureUsd.onDemand - m.costUsd.onDemand / 4) < 1e-12);
  assert.is(m.unknownPods, 0);
  assert.is(m.nodeHours.align, 0.5);
  // Per target: a group's cost shared by align seconds, a chunk's by inference seconds.
  const plan = {
    alignGroups: [
      { id: 0, tags: ['a', 'b'] },
      { id: 1, tags: ['c'] },
    ],
    chunks: [],
  } as unknown as Plan;
  const costs = targetCosts(
    records,
    c,
    plan,
    {
      align: new Map([
        ['a', 3],
        ['b', 1],
      ]),
      predict: new Map(),
    },
    0,
  );
  assert.ok(Math.abs(costs.get('a')!.onDemand - 0.75 * m.stages.align.costUsd.onDemand * (3600 / 5400)) < 1e-9);
  assert.ok(Math.abs(costs.get('c')!.onDemand - m.stages.align.costUsd.onDemand * (1800 / 5400)) < 1e-9);
});

test('the report shows the measured cost beside the estimate split made, with the error in percent', async () => {
  const config = resolveConfig({});
  const run = join(tempDir('ofa-report-cost-'), 'run');
  const truth = { podStartSeconds: { align: 30, predict: 60, long: 60, light: 5 }, dispatchSeconds: 3 };
  writeSyntheticRun(run, targetsOf(6), config, truth);
  const { report, markdown } = await writeReport(run, { config });
  const cost = report.cost!;
  assert.ok(cost.measured && cost.estimate);
  const plan = JSON.parse(readFileSync(join(run, 'split', 'plan.json'), 'utf8')) as Plan;
  assert.is(cost.measured.pods, 2 + plan.alignGroups.length + plan.chunks.length);
  const measuredHours = cost.measured.makespanSeconds! / 3600;
  assert.ok(Math.abs(cost.errorPercent.makespanPercent! - ((cost.estimate.makespanHours - measuredHours) / measuredHours) * 100) < 1e-9);
  // The targets' shares add up to the align and predict stages.
  const shares = report.targets.reduce((s, t) => s + (t.costUsd?.onDemand ?? 0), 0);
  const stages = cost.measured.stages.align.costUsd.onDemand + cost.measured.stages.predict.costUsd.onDemand;
  assert.ok(Math.abs(shares - stages) < 1e-9, `${shares} vs ${stages}`);
  assert.match(markdown, /- cost: \$[\d.]+ \/ \$[\d.]+ on-demand \/ spot/);
  const html = readFileSync(join(run, 'report.html'), 'utf8');
  assert.match(html, 'Cost: measured and estimated');
  assert.match(html, 'Makespan (split start to collect end)');
});

test('without usage records or a config the report says nothing was measured', async () => {
  const run = join(tempDir('ofa-report-nocost-'), 'run');
  writeSyntheticRun(run, targetsOf(2), resolveConfig({}), {});
  rmSync(join(run, 'usage'), { recursive: true });
  const { report } = await writeReport(run, { config: resolveConfig({}) });
  assert.is(report.cost!.measured, null);
  assert.is(report.cost!.errorPercent.makespanPercent, null);
  assert.is((await writeReport(run)).report.cost, null);
});

test.run();
