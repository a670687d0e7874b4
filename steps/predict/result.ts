// RUN/results/<tag>/result.json: the per-target outcome the report step reads. Written atomically.
// Paths in `files` are relative to the directory that holds the results directory (RUN in the pipeline), so a
// run stays readable when the volume is mounted elsewhere.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { GpuClassName } from './command.js';

export type PredictStatus = 'predicted' | 'failed' | 'not_run';

export interface PredictResult {
  version: 1;
  tag: string;
  chunk: string;
  /** Which model predicted it. @default 'openfold' (results written before OpenFold3 existed here have none) */
  model?: 'openfold' | 'openfold3';
  status: PredictStatus;
  reason?: string;
  meanPlddt?: number;
  /** pLDDT per residue. */
  plddt?: number[];
  /** OpenFold's measured inference time (timings.json); OpenFold3's runtime_s summed over seeds. */
  predictSeconds?: number;
  /**
   * OpenFold: unrelaxed/relaxed models. OpenFold3: `model` is the ranked sample's structure (mmCIF or PDB),
   * `confidences` its aggregated confidences JSON.
   */
  files: { unrelaxed?: string; relaxed?: string; model?: string; confidences?: string };
  /** OpenFold: --config_preset. OpenFold3: its model presets, "predict" or "predict+low_mem". */
  configPreset: string;
  /** inference.checkpoint of the config the prediction ran with (absent in results written before it was recorded). */
  checkpoint?: string;
  /** The max_template_date OpenFold was given (YYYY-MM-DD, "today" resolved). */
  maxTemplateDate?: string;
  gpuClass: GpuClassName;
  /** ISO 8601 time the outcome was recorded. */
  completedAt: string;
  /** OpenFold3 only: scores of the ranked sample (the best sample_ranking_score) and the samples' scores. */
  openfold3?: Openfold3Scores;
}

export interface Openfold3SampleScore {
  seed: number;
  sample: number;
  rankingScore: number;
  ptm: number;
  iptm: number;
  avgPlddt: number;
  hasClash: boolean;
}

export interface Openfold3Scores {
  tokens: number;
  ptm: number;
  iptm: number;
  rankingScore: number;
  hasClash: boolean;
  /** pTM per chain id. */
  chainPtm: Record<string, number>;
  /** ipTM per chain pair, keyed "(A, B)" as OpenFold3 writes it. */
  chainPairIptm: Record<string, number>;
  ranked: { seed: number; sample: number };
  samples: Openfold3SampleScore[];
  /** Chains in the query (ids of every copy). */
  chains: number;
}

export const NO_RUNTIME_REASON = 'not run: no OpenFold runtime';

export function resultFile(resultsDir: string, tag: string): string {
  return join(resultsDir, tag, 'result.json');
}

/** The base `files` paths are relative to: the parent of the results directory (RUN). */
export function filesBase(resultsDir: string): string {
  return dirname(resolve(resultsDir));
}

export function relativeToBase(resultsDir: string, file: string): string {
  return relative(filesBase(resultsDir), resolve(file));
}

export function resolveFromBase(resultsDir: string, file: string): string {
  return isAbsolute(file) ? file : join(filesBase(resultsDir), file);
}

/** Writes result.json via a temporary file and a rename, so a reader never sees half a file. */
export function writeResult(resultsDir: string, result: PredictResult): string {
  const file = resultFile(resultsDir, result.tag);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(result, null, 2)}\n`);
  renameSync(tmp, file);
  return file;
}

export function readResult(resultsDir: string, tag: string): PredictResult | undefined {
  try {
    return JSON.parse(readFileSync(resultFile(resultsDir, tag), 'utf8')) as PredictResult;
  } catch {
    return undefined;
  }
}

/** Resume rule: a target already predicted (its result says so and its model file still exists) is skipped. */
export function alreadyPredicted(resultsDir: string, tag: string): boolean {
  const r = readResult(resultsDir, tag);
  const model = r?.files?.unrelaxed ?? r?.files?.model;
  return r?.status === 'predicted' && typeof model === 'string' && existsSync(resolveFromBase(resultsDir, model));
}
