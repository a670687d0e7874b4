// `estimate --calibrate RUN_DIR...`: fits the time model to what earlier runs measured, and says how well.
//   align:   per target, align seconds ~ targetSeconds + secondsPerResidue x length (per mode, done-manifests);
//            per pod, the rest of the pod's run time ~ podStartSeconds.align (+ groupSeconds in mmseqs mode)
//   predict: per target, OpenFold's inference seconds ~ inferenceScale x the GPU's published curve (results);
//            per pod, the rest ~ podStartSeconds + modelLoadSeconds x batches + targetSeconds x targets
//   split, collect: pod seconds ~ fixedSeconds + secondsPerTarget x targets
//   dispatchSeconds: the latency between a pod's dependencies ending and its start, chosen so that replaying
//            each run through the simulation gives its measured makespan (split start to collect end).
// Goodness of fit: R^2 and mean absolute percentage error per component, the replayed makespan of every run
// against its measured one, and with two runs or more each run replayed from a model fitted on the others.
import type { Config } from '../generators/config/types.js';
import type { NodeClassName, TimeModelOverrides } from '../generators/config/cost.js';
import { estimatePlan } from './estimate.js';
import { fitNonNegative, quality } from './fit.js';
import { classPrice } from './resources.js';
import type { RunData } from './runs.js';
import { baseInferenceSeconds, mergeOverrides, resolveTimeModel, type TimeModel } from './time-model.js';

export interface ComponentFit {
  component: string;
  n: number;
  r2: number | null;
  mapePercent: number | null;
  /** Fitted (true) or left at its default for lack of data (false). */
  fitted: boolean;
}

export interface RunReplay {
  dir: string;
  measuredHours: number;
  estimatedHours: number;
  errorPercent: number;
  inference: 'run' | 'none';
  maxParallel: number;
}

export interface Calibration {
  runs: number;
  /** What to put under cost.timeModel. */
  overrides: TimeModelOverrides;
  model: TimeModel;
  fits: ComponentFit[];
  replays: RunReplay[];
  leaveOneOut: RunReplay[] | null;
  notes: string[];
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const round = (x: number) => Number(x.toPrecision(4));

type Components = { overrides: TimeModelOverrides; fits: ComponentFit[]; notes: string[] };

function fitAlign(runs: RunData[], out: Components): void {
  out.overrides.align = {};
  for (const mode of ['full_dbs', 'mmseqs'] as const) {
    const obs = runs.flatMap((r) => [...r.observed.values()]).filter((o) => o.alignMode === mode && o.alignSeconds !== undefined);
    if (obs.length === 0) continue;
    const f = fitNonNegative(
      obs.map((o) => [1, o.length]),
      obs.map((o) => o.alignSeconds as number),
    );
    out.overrides.align[mode] = { targetSeconds: round(f.coefficients[0]), secondsPerResidue: round(f.coefficients[1]) };
    out.fits.push({ component: `align target (${mode})`, n: f.n, r2: f.r2, mapePercent: f.mapePercent, fitted: true });
  }
  // The pod's run time beyond its targets' own seconds: pod start, and the group-wide MMseqs2 index load.
  const rows: number[][] = [];
  const ys: number[] = [];
  for (const r of runs) {
    for (const p of r.pods.filter((x) => x.step === 'align' && !x.id.includes(':'))) {
      const group = r.plan.alignGroups[Number(p.id)];
      if (!group) continue;
      const own = sum(group.tags.map((t) => r.observed.get(t)?.alignSeconds ?? 0));
      rows.push([1, r.mode === 'mmseqs' ? 1 : 0]);
      ys.push(Math.max(0, p.seconds - own));
    }
  }
  if (rows.length) {
    const f = fitNonNegative(rows, ys);
    out.overrides.podStartSeconds = { ...out.overrides.podStartSeconds, align: round(f.coefficients[0]) };
    if (rows.some((x) => x[1] === 1))
      out.overrides.align.mmseqs = { ...out.overrides.align.mmseqs, groupSeconds: round(f.coefficients[1]) };
    if (rows.some((x) => x[1] === 0)) out.overrides.align.full_dbs = { ...out.overrides.align.full_dbs, groupSeconds: 0 };
  }
}

function chunkOf(r: RunData, id: string) {
  return r.plan.chunks.find((c) => c.id === id);
}

function fitPredict(runs: RunData[], c: Config, out: Components): void {
  const gpuModel = (k: 'standard' | 'long') => classPrice(c, k === 'long' ? 'long' : 'predict').gpuModel;
  const scale: Record<string, number> = {};
  for (const k of ['standard', 'long'] as const) {
    const obs = runs.flatMap((r) =>
      r.plan.chunks
        .filter((ch) => ch.gpu === k)
        .flatMap((ch) => ch.batches.flatMap((b) => b.tags))
        .map((t) => r.observed.get(t))
        .filter((o) => o?.status === 'predicted' && o.predictSeconds !== undefined),
    );
    if (obs.length === 0) continue;
    const f = fitNonNegative(
      obs.map((o) => [baseInferenceSeconds(gpuModel(k), o!.length)]),
      obs.map((o) => o!.predictSeconds as number),
    );
    scale[k] = round(f.coefficients[0]);
    out.fits.push({ component: `inference (${k})`, n: f.n, r2: f.r2, mapePercent: f.mapePercent, fitted: true });
  }
  if (Object.keys(scale).length) out.overrides.predict = { ...out.overrides.predict, inferenceScale: scale };
  // Pod time beyond inference: pod start per class, model loads per batch, the other per-target work.
  const rows: number[][] = [];
  const ys: number[] = [];
  let inferencePods = 0;
  for (const r of runs) {
    for (const p of r.pods.filter((x) => x.step === 'predict')) {
      const ch = chunkOf(r, p.id);
      if (!ch) continue;
      const predicted = ch.batches.flatMap((b) => b.tags).filter((t) => r.observed.get(t)?.status === 'predicted');
      const batches = ch.batches.filter((b) => b.tags.some((t) => predicted.includes(t))).length;
      if (predicted.length) inferencePods++;
      rows.push([ch.gpu === 'standard' ? 1 : 0, ch.gpu === 'long' ? 1 : 0, batches, predicted.length]);
      ys.push(Math.max(0, p.seconds - sum(predicted.map((t) => r.observed.get(t)?.predictSeconds ?? 0))));
    }
  }
  if (rows.length === 0) return;
  // With one batch per chunk (every chunk of a plan under 500 batches) a model load cannot be told apart from
  // the pod start: it keeps its current value and the pod start is what remains.
  const oneBatchEach = rows.every((x) => x[2] === 0 || x[2] === 1);
  const keptLoad = resolveTimeModel(c.cost.timeModel).predict.modelLoadSeconds;
  const f = fitNonNegative(
    oneBatchEach ? rows.map(([s, l, , n]) => [s, l, 0, n]) : rows,
    oneBatchEach ? ys.map((y, i) => y - rows[i][2] * keptLoad) : ys,
  );
  const [standard, long, fittedLoad, perTarget] = f.coefficients;
  const modelLoad = oneBatchEach ? keptLoad : fittedLoad;
  if (oneBatchEach && inferencePods)
    out.notes.push(`every chunk ran one batch: modelLoadSeconds cannot be told from the pod start and stays ${keptLoad} s`);
  const starts: Partial<Record<NodeClassName, number>> = {};
  if (rows.some((x) => x[0])) starts.predict = round(standard);
  if (rows.some((x) => x[1])) starts.long = round(long);
  // Both classes start the same image the same way: a class these runs never used starts like the other.
  if (starts.predict === undefined && starts.long !== undefined) starts.predict = starts.long;
  if (starts.long === undefined && starts.predict !== undefined) starts.long = starts.predict;
  out.overrides.podStartSeconds = { ...out.overrides.podStartSeconds, ...starts };
  if (inferencePods)
    out.overrides.predict = { ...out.overrides.predict, modelLoadSeconds: round(modelLoad), targetSeconds: round(perTarget) };
  else out.notes.push('no target was predicted in these runs (no OpenFold runtime): the inference model keeps its published defaults');
  out.fits.push({ component: 'predict pod overhead', n: f.n, r2: f.r2, mapePercent: f.mapePercent, fitted: true });
}

function fitLight(runs: RunData[], out: Components): void {
  for (const step of ['split', 'collect'] as const) {
    const obs = runs.flatMap((r) => r.pods.filter((p) => p.step === step).map((p) => [r.targets.length, p.seconds]));
    if (obs.length === 0) continue;
    const f = fitNonNegative(
      obs.map(([n]) => [1, n]),
      obs.map(([, s]) => s),
    );
    out.overrides[step] = { fixedSeconds: round(f.coefficients[0]), secondsPerTarget: round(f.coefficients[1]) };
    out.fits.push({ component: step, n: f.n, r2: f.r2, mapePercent: f.mapePercent, fitted: true });
  }
  out.overrides.podStartSeconds = { ...out.overrides.podStartSeconds, light: 0 };
}

/** The run replayed through the simulation with a model: the concurrency and inference it had. */
export function replay(r: RunData, c: Config, overrides: TimeModelOverrides): RunReplay {
  const config: Config = structuredClone(c);
  config.cost.timeModel = overrides;
  if (r.alignSlots) config.alignment.maxParallelPods = r.alignSlots;
  if (r.gpuSlots) config.inference.maxConcurrentGpus = r.gpuSlots;
  const inference = [...r.observed.values()].some((o) => o.status === 'predicted') ? 'run' : 'none';
  const e = estimatePlan(r.plan, r.targets, { config, mode: r.mode, inference, maxParallel: r.peakConcurrency });
  const measuredHours = r.makespanSeconds / 3600;
  return {
    dir: r.dir,
    measuredHours,
    estimatedHours: e.makespanHours,
    errorPercent: ((e.makespanHours - measuredHours) / measuredHours) * 100,
    inference,
    maxParallel: r.peakConcurrency,
  };
}

/** The dispatch latency that makes the replayed makespans closest to the measured ones (golden-section search). */
function fitDispatch(runs: RunData[], c: Config, overrides: TimeModelOverrides, maxSeconds = 120): number {
  const loss = (d: number) => sum(runs.map((r) => replay(r, c, { ...overrides, dispatchSeconds: d }).errorPercent ** 2));
  const g = (Math.sqrt(5) - 1) / 2;
  let [a, b] = [0, maxSeconds];
  let [x1, x2] = [b - g * (b - a), a + g * (b - a)];
  let [f1, f2] = [loss(x1), loss(x2)];
  while (b - a > 0.01) {
    if (f1 < f2) {
      [b, x2, f2] = [x2, x1, f1];
      x1 = b - g * (b - a);
      f1 = loss(x1);
    } else {
      [a, x1, f1] = [x1, x2, f2];
      x2 = a + g * (b - a);
      f2 = loss(x2);
    }
  }
  return round((a + b) / 2);
}

function fitAll(runs: RunData[], c: Config): Components {
  const out: Components = { overrides: {}, fits: [], notes: [] };
  fitAlign(runs, out);
  fitPredict(runs, c, out);
  fitLight(runs, out);
  out.overrides.dispatchSeconds = fitDispatch(runs, c, mergeOverrides(c.cost.timeModel, out.overrides));
  return out;
}

export function calibrate(runs: RunData[], c: Config): Calibration {
  const { overrides, fits, notes } = fitAll(runs, c);
  const merged = mergeOverrides(c.cost.timeModel, overrides);
  const replays = runs.map((r) => replay(r, c, merged));
  const makespan = quality(
    replays.map((x) => x.estimatedHours),
    replays.map((x) => x.measuredHours),
  );
  fits.push({ component: 'makespan (replayed runs)', n: runs.length, r2: makespan.r2, mapePercent: makespan.mapePercent, fitted: true });
  const leaveOneOut =
    runs.length >= 2
      ? runs.map((r, i) => {
          const others = runs.filter((_, j) => j !== i);
          return replay(r, c, mergeOverrides(c.cost.timeModel, fitAll(others, c).overrides));
        })
      : null;
  if (runs.some((r) => r.failedAttempts > 0))
    notes.push('failed attempts are left out of the fits (their pod time still counts in the makespan)');
  return { runs: runs.length, overrides, model: resolveTimeModel(merged), fits, replays, leaveOneOut, notes };
}
