// A run directory written from a known "true" time model, as the pipeline's steps would have left it: split/
// (manifest, plan, the estimate split makes), align done-manifests, predict results and usage records whose
// times come from simulating the true model. Calibration must find the true model back.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlignMode, Config } from '../../generators/config/types.js';
import type { TimeModelOverrides } from '../../generators/config/cost.js';
import { estimatePlan, podDurations } from '../../estimate/estimate.js';
import { classPrices, requestsFor } from '../../estimate/resources.js';
import { simulate } from '../../estimate/simulate.js';
import { alignTargetSeconds, inferenceSeconds, resolveTimeModel } from '../../estimate/time-model.js';
import type { UsageRecord } from '../../estimate/usage.js';
import { limitsFromConfig, planRun, type PlanTarget } from '../../steps/split/plan.js';

export interface SyntheticRun {
  dir: string;
  makespanSeconds: number;
}

const json = (file: string, value: unknown) => {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
};

export function writeSyntheticRun(
  dir: string,
  targets: PlanTarget[],
  config: Config,
  truth: TimeModelOverrides,
  o: { mode?: AlignMode; inference?: 'run' | 'none'; t0?: number } = {},
): SyntheticRun {
  const mode = o.mode ?? 'full_dbs';
  const inference = o.inference ?? 'run';
  const t0 = o.t0 ?? Date.parse('2026-01-01T00:00:00Z');
  const model = resolveTimeModel(truth);
  const plan = planRun(targets, limitsFromConfig(config));
  const prices = classPrices(config);
  const length = new Map(targets.map((t) => [t.tag, t.length]));
  const gpuModel = { standard: prices.predict.gpuModel, long: prices.long.gpuModel };
  const sim = podDurations(plan, (t) => length.get(t) ?? 0, targets.length, model, { mode, inference, gpuModel });
  const result = simulate(sim, {
    align: config.alignment.maxParallelPods,
    gpu: config.inference.maxConcurrentGpus,
    dispatchSeconds: model.dispatchSeconds,
  });

  json(join(dir, 'split', 'manifest.json'), { targets: targets.map((t) => ({ ...t, header: t.tag, sha256: t.tag })) });
  json(join(dir, 'split', 'plan.json'), plan);
  json(join(dir, 'split', 'estimate.json'), estimatePlan(plan, targets, { config, mode }));
  const iso = (s: number) => new Date(t0 + Math.round(s * 1000)).toISOString();
  const usage = (step: UsageRecord['step'], id: string, nodeClass: UsageRecord['nodeClass'], start: number, end: number) =>
    json(join(dir, 'usage', `${step}-${id || 'run'}.json`), {
      version: 1,
      step,
      id,
      nodeClass,
      requests: requestsFor(config, nodeClass),
      startedAt: iso(start),
      finishedAt: iso(end),
      exitCode: 0,
      host: 'synthetic',
      pid: 1,
    } satisfies UsageRecord);
  const [split, ...rest] = result.pods;
  const collect = rest.pop()!;
  usage('split', '', 'light', split.start, split.end);
  usage('collect', '', 'light', collect.start, collect.end);
  plan.alignGroups.forEach((g, i) => {
    const p = rest[i];
    usage('align', String(g.id), 'align', p.start, p.end);
    for (const tag of g.tags)
      json(join(dir, 'alignments', tag, 'manifest.json'), {
        version: 1,
        tag,
        mode,
        wallSeconds: alignTargetSeconds(model, mode, length.get(tag) ?? 0),
        cached: false,
        searches: [],
        msaDepth: {},
        completedAt: iso(p.end),
      });
  });
  plan.chunks.forEach((c, i) => {
    const p = rest[plan.alignGroups.length + i];
    usage('predict', c.id, c.gpu === 'long' ? 'long' : 'predict', p.start, p.end);
    for (const tag of c.batches.flatMap((b) => b.tags))
      json(join(dir, 'results', tag, 'result.json'), {
        version: 1,
        tag,
        chunk: c.id,
        files: {},
        configPreset: 'model_1_ptm',
        gpuClass: c.gpu,
        completedAt: iso(p.end),
        ...(inference === 'run'
          ? { status: 'predicted', predictSeconds: inferenceSeconds(model, c.gpu, gpuModel[c.gpu], length.get(tag) ?? 0) }
          : { status: 'not_run', reason: 'not run: no OpenFold runtime' }),
      });
  });
  return { dir, makespanSeconds: result.makespanSeconds };
}

/** Targets of varied lengths (deterministic). */
export function targetsOf(count: number, seed = 7): PlanTarget[] {
  return Array.from({ length: count }, (_, i) => ({ tag: `t${i}`, length: 40 + ((i * 97 + seed * 31) % 900) }));
}
