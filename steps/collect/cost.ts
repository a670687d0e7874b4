// The report's cost section: what the run measurably cost (RUN/usage records x the config's prices, see
// estimate/measured.ts) beside the estimate the split step wrote (RUN/split/estimate.json), with the error
// of the estimate in percent. Per target: its share of its align group's and its chunk's pods.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../generators/config/types.js';
import type { Estimate, Money } from '../../estimate/estimate.js';
import { measureCost, targetCosts, type MeasuredCost } from '../../estimate/measured.js';
import { readUsage } from '../../estimate/usage.js';
import type { Plan } from '../split/plan.js';
import type { ReportTarget } from './collect.js';

/** What the report keeps of the estimate: the figures the run is compared on. */
export interface EstimateSummary {
  alignMode: string;
  inference: 'run' | 'none';
  makespanHours: number;
  cpuHours: number;
  gpuHours: number;
  costUsd: Money;
  perStructureUsd: Money;
  stages: Record<string, { makespanHours: number; costUsd: Money }>;
  prices: { region: string; asOf: string };
}

export interface ReportCost {
  measured: MeasuredCost | null;
  estimate: EstimateSummary | null;
  /** (estimate - measured) / measured x 100; null where either side is missing. */
  errorPercent: { makespanPercent: number | null; onDemandPercent: number | null };
  prices: { region: string; asOf: string; instanceTypes: Record<string, string> };
  /** Usage records that could not be read. */
  badUsageFiles: string[];
}

async function readJsonFile<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

function summarizeEstimate(e: Estimate): EstimateSummary {
  return {
    alignMode: e.alignMode,
    inference: e.inference,
    makespanHours: e.makespanHours,
    cpuHours: e.cpuHours,
    gpuHours: e.gpuHours,
    costUsd: e.costUsd,
    perStructureUsd: e.perStructureUsd,
    stages: Object.fromEntries(Object.entries(e.stages).map(([k, s]) => [k, { makespanHours: s.makespanHours, costUsd: s.costUsd }])),
    prices: e.prices,
  };
}

const percentError = (estimate: number | undefined, measured: number | null | undefined): number | null =>
  estimate === undefined || measured === null || measured === undefined || measured <= 0 ? null : ((estimate - measured) / measured) * 100;

/** The cost section of a run's report, and each target's cost (set on the targets in place). */
export async function runCost(run: string, c: Config, targets: ReportTarget[], nowMs = Date.now()): Promise<ReportCost> {
  const { records, bad } = readUsage(run);
  const estimateFile = await readJsonFile<Estimate>(join(run, 'split', 'estimate.json'));
  const estimate = estimateFile && typeof estimateFile.makespanHours === 'number' ? summarizeEstimate(estimateFile) : null;
  const measured = records.length ? measureCost(records, c, targets.length, nowMs) : null;
  const plan = await readJsonFile<Plan>(join(run, 'split', 'plan.json'));
  if (measured && plan && Array.isArray(plan.alignGroups) && Array.isArray(plan.chunks)) {
    const weights = {
      align: new Map(targets.filter((t) => t.alignSeconds !== null).map((t) => [t.tag, t.alignSeconds as number])),
      predict: new Map(targets.map((t) => [t.tag, t.predictSeconds ?? t.length])),
    };
    const costs = targetCosts(records, c, plan, weights, nowMs);
    // A duplicate was neither aligned nor predicted: its original carries the cost.
    for (const t of targets) t.costUsd = t.duplicateOf ? null : (costs.get(t.tag) ?? null);
  }
  const measuredHours = measured?.makespanSeconds === null || measured === null ? null : measured.makespanSeconds / 3600;
  return {
    measured,
    estimate,
    errorPercent: {
      makespanPercent: percentError(estimate?.makespanHours, measuredHours),
      onDemandPercent: percentError(estimate?.costUsd.onDemand, measured?.costUsd.onDemand),
    },
    prices: { region: c.cost.region, asOf: c.cost.pricesAsOf, instanceTypes: { ...c.cost.instanceTypes } },
    badUsageFiles: bad,
  };
}
