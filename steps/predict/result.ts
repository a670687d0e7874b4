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
  status: PredictStatus;
  reason?: string;
  meanPlddt?: number;
  /** pLDDT per residue. */
  plddt?: number[];
  /** OpenFold's measured inference time (timings.json). */
  predictSeconds?: number;
  files: { unrelaxed?: string; relaxed?: string };
  configPreset: string;
  /** inference.checkpoint of the config the prediction ran with (absent in results written before it was recorded). */
  checkpoint?: string;
  /** The max_template_date OpenFold was given (YYYY-MM-DD, "today" resolved). */
  maxTemplateDate?: string;
  gpuClass: GpuClassName;
  /** ISO 8601 time the outcome was recorded. */
  completedAt: string;
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
  return r?.status === 'predicted' && typeof r.files?.unrelaxed === 'string' && existsSync(resolveFromBase(resultsDir, r.files.unrelaxed));
}
