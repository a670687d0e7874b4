// Reads what OpenFold3 0.5.0 wrote for a batch (names from core/runners/writer.py and core/utils/callbacks.py):
//   OUT/summary.txt                      processed / successful / failed counts and the failed query ids
//   OUT/<q>/seed_<s>/<q>_seed_<s>_sample_<k>_model.cif|pdb               (pLDDT in the B-factor column)
//   OUT/<q>/seed_<s>/<q>_seed_<s>_sample_<k>_confidences_aggregated.json (avg_plddt, ptm, iptm, has_clash,
//                                        sample_ranking_score, chain_ptm, chain_pair_iptm, ...)
//   OUT/<q>/seed_<s>/timing.json         {"runtime_s": seconds of that seed's forward pass}
// OpenFold3 exits 0 even when queries fail, so success is decided per query from these files: every seed and
// sample has its model and aggregated confidences, and summary.txt does not list the query as failed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Summary {
  processed: number;
  successful: number;
  failed: number;
  failedQueries: string[];
}

/** Parses summary.txt; undefined when it is missing or not OpenFold3's summary. */
export function readSummary(outputDir: string): Summary | undefined {
  let text: string;
  try {
    text = readFileSync(join(outputDir, 'summary.txt'), 'utf8');
  } catch {
    return undefined;
  }
  return parseSummary(text);
}

export function parseSummary(text: string): Summary | undefined {
  const num = (label: string) => {
    const m = new RegExp(`${label}:\\s*(\\d+)`).exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const processed = num('Total Queries Processed');
  const successful = num('Successful Queries');
  const failed = num('Failed Queries');
  if (processed === undefined || successful === undefined || failed === undefined) return undefined;
  const list = /\nFailed Queries: (.+)/.exec(text)?.[1];
  return {
    processed,
    successful,
    failed,
    failedQueries: list
      ? list
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  };
}

export interface SampleScores {
  seed: number;
  sample: number;
  model: string;
  confidences: string;
  avgPlddt: number;
  ptm: number;
  iptm: number;
  rankingScore: number;
  hasClash: boolean;
  chainPtm: Record<string, number>;
  chainPairIptm: Record<string, number>;
}

export interface QueryOutputs {
  /** Every seed x sample, in seed then sample order. */
  samples: SampleScores[];
  /** The best sample by sample_ranking_score (OpenFold3's ranking), ties to the earlier one. */
  ranked: SampleScores;
  /** Sum of the seeds' runtime_s (OpenFold3's own measurement). */
  seconds?: number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function numberMap(v: unknown): Record<string, number> {
  if (v === null || typeof v !== 'object') return {};
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => (num(x) === undefined ? [] : [[k, x as number]])),
  );
}

export function samplePrefix(outputDir: string, query: string, seed: number, sample: number): string {
  return join(outputDir, query, `seed_${seed}`, `${query}_seed_${seed}_sample_${sample}`);
}

/** One sample's files and scores, or a reason it is not complete. */
export function readSample(outputDir: string, query: string, seed: number, sample: number, format: 'cif' | 'pdb'): SampleScores | string {
  const prefix = samplePrefix(outputDir, query, seed, sample);
  const model = `${prefix}_model.${format}`;
  const confidences = `${prefix}_confidences_aggregated.json`;
  if (!existsSync(model)) return `no model ${model}`;
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(confidences, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    return `cannot read ${confidences}: ${(e as Error).message}`;
  }
  const avgPlddt = num(doc.avg_plddt);
  const ptm = num(doc.ptm);
  const iptm = num(doc.iptm);
  const rankingScore = num(doc.sample_ranking_score);
  const clash = num(doc.has_clash);
  if (avgPlddt === undefined || ptm === undefined || iptm === undefined || rankingScore === undefined || clash === undefined)
    return `${confidences}: avg_plddt, ptm, iptm, sample_ranking_score and has_clash must be numbers`;
  return {
    seed,
    sample,
    model,
    confidences,
    avgPlddt,
    ptm,
    iptm,
    rankingScore,
    hasClash: clash !== 0,
    chainPtm: numberMap(doc.chain_ptm),
    chainPairIptm: numberMap(doc.chain_pair_iptm),
  };
}

/** All samples of a query; a string names the first missing or unreadable one. */
export function readQueryOutputs(
  outputDir: string,
  query: string,
  seeds: readonly number[],
  samples: number,
  format: 'cif' | 'pdb',
): QueryOutputs | string {
  const all: SampleScores[] = [];
  let seconds: number | undefined;
  for (const seed of seeds) {
    for (let k = 1; k <= samples; k++) {
      const s = readSample(outputDir, query, seed, k, format);
      if (typeof s === 'string') return s;
      all.push(s);
    }
    try {
      const t = num(
        (JSON.parse(readFileSync(join(outputDir, query, `seed_${seed}`, 'timing.json'), 'utf8')) as { runtime_s?: unknown }).runtime_s,
      );
      if (t !== undefined) seconds = (seconds ?? 0) + t;
    } catch {
      // no timing: none reported
    }
  }
  const ranked = all.reduce((best, s) => (s.rankingScore > best.rankingScore ? s : best));
  return { samples: all, ranked, ...(seconds === undefined ? {} : { seconds }) };
}
