// One predict request end to end, below the HTTP layer: the request's folder in the server's private work
// directory (query.json, MSA files under names chosen here), the warm worker's run, and the NIM response built
// from what OpenFold3 wrote (read by the predict step's own reader, so server and batch read outputs alike).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readQueryOutputs, type SampleScores } from '../predict-openfold3/outputs.js';
import type { PredictInput } from './nim-request.js';
import type { Worker, WorkerReply } from './worker.js';

/** The query's name in OpenFold3's files: fixed, so no request text becomes a path. */
export const QUERY_NAME = 'q';

export interface StructureWithScores {
  format: 'cif' | 'pdb';
  structure: string;
  /** OpenFold3's sample_ranking_score. */
  confidence_score: number;
  /** avg_plddt (0-100). */
  complex_plddt_score: number;
  ptm_score: number;
  iptm_score: number;
  has_clash: boolean;
  seed: number;
  sample: number;
}

export interface NimResponse {
  request_id?: string;
  outputs: { input_id: string; structures_with_scores: StructureWithScores[]; runtime_metrics: { inference_seconds: number } }[];
}

export class PredictionFailed extends Error {
  override name = 'PredictionFailed';
}

/** Writes the request's files; returns the query.json path. */
export function writeRequestFiles(dir: string, input: PredictInput): string {
  for (const f of input.msaFiles) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.text);
  }
  const chains = input.chains.map((c) => ({
    ...c,
    ...(c.main_msa_file_paths ? { main_msa_file_paths: c.main_msa_file_paths.map((p) => join(dir, p)) } : {}),
    ...(c.paired_msa_file_paths ? { paired_msa_file_paths: c.paired_msa_file_paths.map((p) => join(dir, p)) } : {}),
  }));
  const queryJson = join(dir, 'query.json');
  writeFileSync(queryJson, JSON.stringify({ queries: { [QUERY_NAME]: { chains } } }, null, 2));
  return queryJson;
}

/** The NIM response of OpenFold3's outputs, best sample first. */
export function nimResponse(input: PredictInput, samples: SampleScores[], reply: Pick<WorkerReply, 'seconds'>): NimResponse {
  const ranked = [...samples].sort((a, b) => b.rankingScore - a.rankingScore);
  return {
    ...(input.requestId ? { request_id: input.requestId } : {}),
    outputs: [
      {
        input_id: input.inputId,
        structures_with_scores: ranked.map((s) => ({
          format: input.outputFormat,
          structure: readFileSync(s.model, 'utf8'),
          confidence_score: s.rankingScore,
          complex_plddt_score: s.avgPlddt,
          ptm_score: s.ptm,
          iptm_score: s.iptm,
          has_clash: s.hasClash,
          seed: s.seed,
          sample: s.sample,
        })),
        runtime_metrics: { inference_seconds: reply.seconds },
      },
    ],
  };
}

export interface JobOptions {
  readonly worker: Worker;
  /** This request's folder (removed afterwards unless keep). */
  readonly dir: string;
  readonly seeds: readonly number[];
  readonly keep?: boolean;
}

/** Runs one request on the warm worker; throws PredictionFailed when OpenFold3 wrote no complete result. */
export async function runPredictJob(input: PredictInput, o: JobOptions): Promise<{ response: NimResponse; reply: WorkerReply }> {
  mkdirSync(o.dir, { recursive: true });
  try {
    const queryJson = writeRequestFiles(o.dir, input);
    const outputDir = join(o.dir, 'output');
    const reply = await o.worker.predict({
      queryJson,
      outputDir,
      seeds: o.seeds,
      diffusionSamples: input.diffusionSamples,
      structureFormat: input.outputFormat,
    });
    const outputs = readQueryOutputs(outputDir, QUERY_NAME, o.seeds, input.diffusionSamples, input.outputFormat);
    if (typeof outputs === 'string') throw new PredictionFailed(`OpenFold3 could not predict this input (see the server log)`);
    return { response: nimResponse(input, outputs.samples, reply), reply };
  } finally {
    if (!o.keep) rmSync(o.dir, { recursive: true, force: true });
  }
}
