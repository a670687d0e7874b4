// The collect step: reads what the run has produced so far (split manifest, align done-manifests, predict
// results) and builds the report data. Nothing is estimated: a number that was not measured is null, a
// target without a result says why, and a duplicate sequence shows its original's numbers and says so.
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { UserError } from '../../common/errors.js';
import type { ManifestTarget, SplitManifest } from '../split/split.js';
import { isSafeTag } from '../split/tags.js';
import { meanPlddt, parsePlddt } from './plddt.js';
import type { Config } from '../../generators/config/types.js';
import type { Money } from '../../estimate/estimate.js';
import { runCost, type ReportCost } from './cost.js';
import { readAccuracy, summarizeAccuracy, type AccuracySummary, type TargetAccuracy } from './accuracy.js';
// The files this step reads are declared by the steps that write them (one contract, one place).
import type { AlignManifest } from '../align/manifest.js';
import { fileProblem, type FileRecord } from '../align/files.js';
import type { PredictResult as TargetResult, PredictStatus as ResultStatus } from '../predict/result.js';

export type { AlignManifest, TargetResult, ResultStatus };

export type ReportStatus = ResultStatus | 'pending' | 'unknown';
export const STATUS_ORDER: ReportStatus[] = ['predicted', 'failed', 'not_run', 'pending', 'unknown'];

export interface ReportTarget {
  tag: string;
  length: number;
  status: ReportStatus;
  reason?: string;
  /** The numbers below are this original target's (same sequence, not aligned or predicted again). */
  duplicateOf?: string;
  msaDepth: Record<string, number> | null;
  alignSeconds: number | null;
  alignCached: boolean | null;
  predictSeconds: number | null;
  meanPlddt: number | null;
  files: { unrelaxed?: string; relaxed?: string };
  /** This target's share of its align group's and chunk's pods (null: not measured, or a duplicate). */
  costUsd: Money | null;
  /** Scores against the reference structure (the evaluate step); null when not evaluated. A duplicate has its own. */
  accuracy: TargetAccuracy | null;
}

export interface ReportSummary {
  targets: number;
  duplicates: number;
  residues: number;
  byStatus: Record<ReportStatus, number>;
  /** Targets (duplicates excluded) with an align done-manifest. */
  aligned: number;
  /** Sum of the align steps' wall seconds on CPU nodes (duplicates excluded); null when none measured. */
  alignSeconds: number | null;
  /** Sum of predictSeconds on GPU nodes (duplicates excluded); null when none measured. */
  gpuSeconds: number | null;
  firstCompletedAt: string | null;
  lastCompletedAt: string | null;
  /** Seconds from the earliest to the latest completedAt of any alignment or result. */
  wallSeconds: number | null;
  /** Mean of the per-target mean pLDDT over predicted targets (duplicates excluded). */
  meanPlddt: number | null;
  /** The max_template_date values the predictions used, as their results recorded them. */
  maxTemplateDates: string[];
}

export interface Report {
  version: 1;
  run: string;
  /**
   * Collected after every align and predict step of the run ended (the workflow's collect step): a target
   * without a result is then `not_run`, never `pending`.
   */
  final: boolean;
  targets: ReportTarget[];
  summary: ReportSummary;
  /** Measured cost beside the split step's estimate; null when collected without a config. */
  cost: ReportCost | null;
  /** Present when the run was evaluated against reference structures. */
  accuracy?: AccuracySummary;
}

export interface Collected {
  report: Report;
  /** Per-residue pLDDT of predicted targets (duplicates share their original's array). */
  plddt: Map<string, number[]>;
}

type Read<T> = { kind: 'missing' } | { kind: 'ok'; value: T } | { kind: 'bad'; error: string };

async function readJson<T>(file: string): Promise<Read<T>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { kind: 'missing' } : { kind: 'bad', error: `cannot read (${code ?? String(e)})` };
  }
  try {
    return { kind: 'ok', value: JSON.parse(text) as T };
  } catch (e) {
    return { kind: 'bad', error: `not valid JSON (${(e as Error).message})` };
  }
}

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const sumOrNull = (values: (number | null)[]): number | null => {
  const measured = values.filter((v): v is number => v !== null);
  return measured.length ? measured.reduce((a, b) => a + b, 0) : null;
};

async function readSplitManifest(run: string): Promise<ManifestTarget[]> {
  const file = join(run, 'split', 'manifest.json');
  const read = await readJson<SplitManifest>(file);
  if (read.kind === 'missing') throw new UserError(`${file}: not found; is ${run} a run directory (split has run)?`, 2);
  if (read.kind === 'bad') throw new UserError(`${file}: ${read.error}`, 1);
  const targets = read.value?.targets;
  if (!Array.isArray(targets)) throw new UserError(`${file}: expected { targets: [...] }`, 1);
  targets.forEach((t, i) => {
    if (!isSafeTag(String(t?.tag))) throw new UserError(`${file}: targets[${i}].tag: not a safe tag: ${JSON.stringify(t?.tag)}`, 1);
  });
  return targets;
}

/** Resolves a file named in result.json: absolute as is, relative to the run directory otherwise. */
const inRun = (run: string, p: string): string => (isAbsolute(p) ? p : join(run, p));

async function plddtOf(run: string, result: TargetResult): Promise<number[] | null> {
  if (Array.isArray(result.plddt) && result.plddt.length && result.plddt.every((v) => finite(v) !== null)) return result.plddt;
  // Older or partial results: read the structure the result points to, when it is here.
  const file = result.files?.unrelaxed ?? result.files?.relaxed;
  if (!file) return null;
  try {
    const values = parsePlddt(file, await readFile(inRun(run, file), 'utf8'));
    return values.length ? values : null;
  } catch {
    return null;
  }
}

const isRecord = (v: unknown): v is FileRecord & { output: string } =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Record<string, unknown>).output === 'string' &&
  typeof (v as Record<string, unknown>).size === 'number' &&
  typeof (v as Record<string, unknown>).sha256 === 'string' &&
  typeof (v as Record<string, unknown>).mtime === 'string';

/**
 * The MSA depths of an alignment manifest, shown only for files that still hold what the align step recorded
 * (size; sha256 when the mtime moved): a depth is never claimed for an MSA that changed. Else why not.
 */
async function verifiedDepth(
  dir: string,
  tag: string,
  a: AlignManifest,
): Promise<{ depth: Record<string, number> | null; problem?: string }> {
  if (!a.msaDepth || typeof a.msaDepth !== 'object') return { depth: null };
  const records = new Map((Array.isArray(a.searches) ? a.searches : []).filter(isRecord).map((s) => [s.output, s]));
  for (const file of Object.keys(a.msaDepth)) {
    const rec = records.get(file);
    const problem = rec ? await fileProblem(join(dir, file), rec) : 'no size and sha256 recorded (an older manifest)';
    if (problem) return { depth: null, problem: `alignments/${tag}/${file}: ${problem}: its MSA depth is not shown (align it again)` };
  }
  return { depth: a.msaDepth };
}

interface Measured {
  target: ReportTarget;
  plddt: number[] | null;
  completedAt: string[];
  /** Weights and preset the prediction ran with, as its result recorded them. */
  model: string | null;
  maxTemplateDate: string | null;
}

async function measure(run: string, t: ManifestTarget, final: boolean): Promise<Measured> {
  const align = await readJson<AlignManifest>(join(run, 'alignments', t.tag, 'manifest.json'));
  const result = await readJson<TargetResult>(join(run, 'results', t.tag, 'result.json'));
  const completedAt: string[] = [];
  const target: ReportTarget = {
    tag: t.tag,
    length: t.length,
    status: 'pending',
    msaDepth: null,
    alignSeconds: null,
    alignCached: null,
    predictSeconds: null,
    meanPlddt: null,
    files: {},
    costUsd: null,
    accuracy: await readAccuracy(run, t.tag),
  };
  let model: string | null = null;
  let maxTemplateDate: string | null = null;
  const reasons: string[] = [];
  if (align.kind === 'ok') {
    const a = align.value;
    const { depth, problem } = await verifiedDepth(join(run, 'alignments', t.tag), t.tag, a);
    target.msaDepth = depth;
    if (problem) reasons.push(problem);
    target.alignSeconds = finite(a.wallSeconds);
    target.alignCached = typeof a.cached === 'boolean' ? a.cached : null;
    if (typeof a.completedAt === 'string') completedAt.push(a.completedAt);
  } else if (align.kind === 'bad') {
    reasons.push(`alignments/${t.tag}/manifest.json: ${align.error}`);
  }
  let plddt: number[] | null = null;
  if (result.kind === 'missing' && final) {
    // Every step of the run has ended: nothing will write this result any more.
    target.status = 'not_run';
    reasons.unshift(
      align.kind === 'ok'
        ? 'aligned, never predicted: the predict step of its chunk ended without a result (see its log)'
        : 'never aligned: the align step of its group ended without an alignment (see its log)',
    );
  } else if (result.kind === 'missing') {
    target.status = 'pending';
    reasons.unshift(align.kind === 'ok' ? 'aligned, not predicted yet' : 'not aligned yet');
  } else if (result.kind === 'bad') {
    target.status = 'unknown';
    reasons.unshift(`results/${t.tag}/result.json: ${result.error}`);
  } else if (result.value?.tag !== t.tag || !['predicted', 'failed', 'not_run'].includes(result.value?.status)) {
    target.status = 'unknown';
    reasons.unshift(`results/${t.tag}/result.json: expected tag ${t.tag} and a status predicted|failed|not_run`);
  } else {
    const r = result.value;
    target.status = r.status;
    if (r.reason) reasons.unshift(r.reason);
    target.predictSeconds = finite(r.predictSeconds);
    target.files = {
      ...(r.files?.unrelaxed ? { unrelaxed: r.files.unrelaxed } : {}),
      ...(r.files?.relaxed ? { relaxed: r.files.relaxed } : {}),
    };
    if (typeof r.completedAt === 'string') completedAt.push(r.completedAt);
    if (typeof r.maxTemplateDate === 'string') maxTemplateDate = r.maxTemplateDate;
    if (r.status === 'predicted') {
      model = [r.checkpoint, r.configPreset].filter((x) => typeof x === 'string' && x).join(' ') || null;
      plddt = await plddtOf(run, r);
      target.meanPlddt = finite(r.meanPlddt) ?? (plddt ? meanPlddt(plddt) : null);
    }
  }
  if (reasons.length) target.reason = reasons.join('; ');
  return { target, plddt, completedAt, model, maxTemplateDate };
}

/** Runs `fn` over the items with at most `limit` in flight (a shared volume answers many small reads slowly). */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A duplicate shows its original's outcome and numbers, and says whose they are. */
function asDuplicate(t: ManifestTarget, original: ReportTarget): ReportTarget {
  const note = `same sequence as ${original.tag}: not aligned or predicted again, numbers are ${original.tag}'s`;
  return {
    ...original,
    tag: t.tag,
    length: t.length,
    duplicateOf: original.tag,
    reason: original.reason ? `${note}; ${original.reason}` : note,
  };
}

export function summarize(targets: ReportTarget[], completedAt: string[]): ReportSummary {
  const unique = targets.filter((t) => !t.duplicateOf);
  const byStatus = Object.fromEntries(STATUS_ORDER.map((s) => [s, targets.filter((t) => t.status === s).length])) as Record<
    ReportStatus,
    number
  >;
  const times = completedAt.map((s) => ({ s, ms: Date.parse(s) })).filter((x) => Number.isFinite(x.ms));
  times.sort((a, b) => a.ms - b.ms);
  const first = times[0];
  const last = times[times.length - 1];
  const predicted = unique.filter((t) => t.status === 'predicted' && t.meanPlddt !== null).map((t) => t.meanPlddt as number);
  return {
    targets: targets.length,
    duplicates: targets.length - unique.length,
    residues: targets.reduce((n, t) => n + t.length, 0),
    byStatus,
    aligned: unique.filter((t) => t.msaDepth !== null || t.alignSeconds !== null).length,
    alignSeconds: sumOrNull(unique.map((t) => t.alignSeconds)),
    gpuSeconds: sumOrNull(unique.map((t) => t.predictSeconds)),
    firstCompletedAt: first?.s ?? null,
    lastCompletedAt: last?.s ?? null,
    wallSeconds: first && last ? (last.ms - first.ms) / 1000 : null,
    meanPlddt: meanPlddt(predicted),
    maxTemplateDates: [],
  };
}

export interface CollectOptions {
  /** Every align and predict step of the run has ended (see Report.final). @default false */
  final?: boolean;
  /** Prices for the report's measured cost; without it the cost is null. */
  config?: Config;
}

/** Reads a run directory and builds the report (targets in the split manifest's order); with a config, its cost. */
export async function collectRun(run: string, opts: CollectOptions = {}): Promise<Collected> {
  const final = opts.final ?? false;
  const manifest = await readSplitManifest(run);
  const originals = manifest.filter((t) => !t.duplicateOf);
  const measured = await mapLimited(originals, 16, (t) => measure(run, t, final));
  const byTag = new Map(measured.map((m) => [m.target.tag, m]));
  const plddt = new Map<string, number[]>();
  const duplicateAccuracy = new Map<string, TargetAccuracy | null>();
  for (const t of manifest.filter((m) => m.duplicateOf)) duplicateAccuracy.set(t.tag, await readAccuracy(run, t.tag));
  const targets = manifest.map((t): ReportTarget => {
    const own = byTag.get(t.tag);
    if (own) {
      if (own.plddt) plddt.set(t.tag, own.plddt);
      return own.target;
    }
    const original = byTag.get(t.duplicateOf ?? '');
    if (!original)
      throw new UserError(
        `${join(run, 'split', 'manifest.json')}: ${t.tag}: duplicateOf ${JSON.stringify(t.duplicateOf)} is not a target`,
        1,
      );
    if (original.plddt) plddt.set(t.tag, original.plddt);
    return { ...asDuplicate(t, original.target), accuracy: duplicateAccuracy.get(t.tag) ?? null };
  });
  const summary = summarize(
    targets,
    measured.flatMap((m) => m.completedAt),
  );
  summary.maxTemplateDates = [...new Set(measured.map((m) => m.maxTemplateDate).filter((d): d is string => d !== null))].sort();
  const models = [...new Set(measured.map((m) => m.model).filter((m): m is string => m !== null))].sort();
  const accuracy = summarizeAccuracy(
    targets.map((t) => t.accuracy),
    models,
  );
  const cost = opts.config ? await runCost(run, opts.config, targets) : null;
  return { report: { version: 1, run, final, targets, summary, cost, ...(accuracy ? { accuracy } : {}) }, plddt };
}
