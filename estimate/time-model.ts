// How long each step takes: the defaults, each with its source, and the functions the simulation calls.
// Published figures where they exist; where this project measured something (bench:align) the default is
// derived from it and the arithmetic is written out; everything else is an assumption, named as one.
// `openfold-argo estimate --calibrate` replaces any of them with a fit to earlier runs (cost.timeModel).
import type { AlignMode } from '../generators/config/types.js';
import type { NodeClassName, TimeModelOverrides } from '../generators/config/cost.js';

export type GpuClass = 'standard' | 'long';

export interface LinearAlign {
  /** Once per align pod. */
  groupSeconds: number;
  targetSeconds: number;
  secondsPerResidue: number;
}

export interface TimeModel {
  dispatchSeconds: number;
  podStartSeconds: Record<NodeClassName, number>;
  split: { fixedSeconds: number; secondsPerTarget: number };
  collect: { fixedSeconds: number; secondsPerTarget: number };
  align: Record<AlignMode, LinearAlign>;
  predict: { modelLoadSeconds: number; targetSeconds: number; inferenceScale: Record<GpuClass, number> };
}

/** [residues, seconds] points of a published inference-time series, ascending. */
export type Curve = readonly (readonly [number, number])[];

// NVIDIA NIM for OpenFold2 1.1.0, "Performance" (docs.nvidia.com/nim/bionemo/openfold2/1.1.0/performance.html):
// seconds per chain in sequential execution on one NVIDIA H100 80GB HBM3: 7WBN_A 98 aa 4.33 s, 7ONG_A 304 aa
// 7.73 s, 7ZHT_A 562 aa 19.36 s, 7Y4I_A 914 aa 41.19 s (TensorRT; 5.31 / 10.2 / 19.6 / 41.2 s in 1.0.0).
export const H100_OPENFOLD2_NIM: Curve = [
  [98, 4.33],
  [304, 7.73],
  [562, 19.36],
  [914, 41.19],
];

// Jumper et al. 2021, "Highly accurate protein structure prediction with AlphaFold", Nature 596:583, Methods,
// "Inference regimen": one model without ensembling on a V100 GPU takes 0.6 min with 256 residues, 1.1 min
// with 384 residues and 2.1 h with 2,500 residues.
export const V100_ALPHAFOLD2: Curve = [
  [256, 36],
  [384, 66],
  [2500, 7560],
];

/**
 * Inference curve per GPU model (cost.prices.<type>.gpuModel). No published per-length OpenFold or AlphaFold2
 * time on an A100 or an A10G was found in the sources searched for this project: those two are ASSUMPTIONS
 * relative to the V100 series (A100 twice as fast, A10G as fast), to be replaced by a calibration.
 */
export const GPU_CURVES: Record<string, { curve: Curve; factor: number; source: string }> = {
  H100: { curve: H100_OPENFOLD2_NIM, factor: 1, source: 'NVIDIA NIM OpenFold2 1.1.0 on H100 80GB' },
  V100: { curve: V100_ALPHAFOLD2, factor: 1, source: 'AlphaFold2 paper, V100, no ensembling' },
  A100: { curve: V100_ALPHAFOLD2, factor: 0.5, source: 'assumption: half the V100 time' },
  A10G: { curve: V100_ALPHAFOLD2, factor: 1, source: 'assumption: the V100 time' },
};
export const FALLBACK_GPU = 'V100';

/**
 * Seconds at `residues` on a curve: linear between published points, the first point's time below it (short
 * chains are dominated by fixed costs), and the last segment's power law above the last point.
 */
export function curveSeconds(curve: Curve, residues: number): number {
  const [first] = curve;
  if (residues <= first[0]) return first[1];
  for (let i = 1; i < curve.length; i++) {
    const [l0, t0] = curve[i - 1];
    const [l1, t1] = curve[i];
    if (residues <= l1) return t0 + ((residues - l0) / (l1 - l0)) * (t1 - t0);
  }
  const [l0, t0] = curve[curve.length - 2];
  const [l1, t1] = curve[curve.length - 1];
  const exponent = Math.log(t1 / t0) / Math.log(l1 / l0);
  return t1 * (residues / l1) ** exponent;
}

/** Published (or assumed) inference seconds of one target on a GPU model, before the calibrated scale. */
export function baseInferenceSeconds(gpuModel: string | undefined, residues: number): number {
  const g = GPU_CURVES[gpuModel ?? ''] ?? GPU_CURVES[FALLBACK_GPU];
  return g.factor * curveSeconds(g.curve, residues);
}

// full_dbs alignment, DERIVED from this project's `npm run bench:align` (README, Benchmarks): median seconds per
// search at --cpu 2 on generated 3.7 GB FASTA databases (16 M decoys), queries of 75.2 residues on average:
// jackhmmer uniref90 33.2 s, mgnify 31.5 s. jackhmmer's scan is linear in query length x database size; the real
// databases per AlphaFold's README: uniref90 ~58 GB, mgnify ~64 GB (2018_12; the 2022_05 release is larger).
// uniref90 33.2 x 58/3.7 = 520 s, mgnify 31.5 x 64/3.7 = 545 s at 75.2 residues. The searches of a target run
// concurrently in its pod, so the longest sets the wall: 545 / 75.2 = 7.25 s per residue. Not covered: hhblits
// on the real 1.7 TB BFD (the benchmark's HH-suite databases are small stand-ins), so this understates.
const FULL_DBS: LinearAlign = { groupSeconds: 0, targetSeconds: 0, secondsPerResidue: 7.25 };
// mmseqs: ColabFold (Mirdita et al. 2022, Nature Methods 19:679) reports a "40-60-fold faster search": 7.25 / 40 =
// 0.18 s per residue. groupSeconds (loading the MMseqs2 index once per pod, bench:align: 18.0 s for one query
// vs 23.2 s for ten on a 8 GB index) is an ASSUMPTION for a full-size index on FSx: 120 s.
const MMSEQS: LinearAlign = { groupSeconds: 120, targetSeconds: 0, secondsPerResidue: 0.18 };
// colabfold_server: the search runs on the MSA server, the pod submits a ticket and polls. ASSUMPTION (nothing
// measured against a real server here): the server's MMseqs2 search as above plus a minute of queueing and
// polling per ticket (one ticket per target). Calibrate with --calibrate on real runs.
const COLABFOLD_SERVER: LinearAlign = { groupSeconds: 10, targetSeconds: 60, secondsPerResidue: 0.18 };

export const DEFAULT_TIME_MODEL: TimeModel = {
  // ASSUMPTIONS (calibrate them): Argo's controller picks up a runnable step within seconds; a pod on a node
  // that is already up starts in about a minute (image pull from ECR), a GPU pod in two (a ~10 GB image).
  dispatchSeconds: 5,
  podStartSeconds: { align: 60, predict: 120, long: 120, light: 10 },
  // split: bench:plan plans 100 000 targets in 0.48 s; writing one FASTA per target dominates: ASSUMPTION 1 ms each.
  split: { fixedSeconds: 5, secondsPerTarget: 0.001 },
  // collect reads two small JSON files per target: ASSUMPTION 5 ms per target on FSx.
  collect: { fixedSeconds: 5, secondsPerTarget: 0.005 },
  align: { full_dbs: FULL_DBS, mmseqs: MMSEQS, colabfold_server: COLABFOLD_SERVER },
  // ASSUMPTIONS: one OpenFold process loads the weights and initialises CUDA in about a minute; per target,
  // features (MSA parsing, template realignment with kalign) take about 15 s besides inference.
  predict: { modelLoadSeconds: 60, targetSeconds: 15, inferenceScale: { standard: 1, long: 1 } },
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge<T>(base: T, over: unknown): T {
  if (!isObject(base) || !isObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge((base as Record<string, unknown>)[k], v);
  return out as T;
}

/** The defaults with a config's cost.timeModel (calibrated coefficients) laid over them. */
export function resolveTimeModel(overrides: TimeModelOverrides = {}): TimeModel {
  return merge(structuredClone(DEFAULT_TIME_MODEL), overrides);
}

/** Overrides laid over other overrides, field by field (a calibration over an earlier one). */
export function mergeOverrides(base: TimeModelOverrides, over: TimeModelOverrides): TimeModelOverrides {
  return merge(structuredClone(base), over);
}

export function alignTargetSeconds(m: TimeModel, mode: AlignMode, residues: number): number {
  const a = m.align[mode];
  return a.targetSeconds + a.secondsPerResidue * residues;
}

export function inferenceSeconds(m: TimeModel, gpuClass: GpuClass, gpuModel: string | undefined, residues: number): number {
  return m.predict.inferenceScale[gpuClass] * baseInferenceSeconds(gpuModel, residues);
}
