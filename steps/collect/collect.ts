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
  files: { unrelaxed?: string; relaxed?: string; model?: string; confidences?: string };
  /** This target's share of its align group's and chunk's pods (null: not measured, or a duplicate). */
  costUsd: Money | null;
  /** Scores against the reference structure (the evaluate step); null when not evaluated. A duplicate has its own. */
  accuracy: TargetAccuracy | null;
  /** OpenFold3 runs only: the query's tokens, chains and the ranked sample's scores (null: not predicted). */
  openfold3?: Openfold3Columns;
}

export interface Openfold3Columns {
  tokens: number | null;
  chains: number | null;
  ptm: number | null;
  iptm: number | null;
  rankingScore: number | null;
  hasClash: boolean | null;
  chainPtm: Record<string, number> | null;
  chainPairIptm: Record<string, number> | null;
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
  /** Present for OpenFold3 runs (the split manifest says so); AF2-class reports are unchanged. */
  model?: 'openfold3';
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

type SplitTarget = ManifestTarget & { tokens?: number; chains?: { ids: string[]; key?: string }[]; pairKey?: string };

/** Alignment manifests of an OpenFold3 run by chain key, each read once (chains are shared by queries). */
type KeyManifests = Map<string, Promise<Read<AlignManifest>>>;

/**
 * An OpenFold3 query's alignment: its chains' (and pair's) done-manifests as one record. MSA depths are named
 * by chain ids ("A,B uniref90_hits.sto"); a query with nothing to align counts as aligned.
 */
async function queryAlignment(run: string, t: SplitTarget, keys: KeyManifests): Promise<Read<AlignManifest>> {
  const parts = [
    ...(t.chains ?? []).flatMap((c) => (c.key ? [{ key: c.key, label: c.ids.join(',') }] : [])),
    ...(t.pairKey ? [{ key: t.pairKey, label: 'paired' }] : []),
  ];
  const reads = await Promise.all(
    parts.map(async (p) => {
      if (!keys.has(p.key)) keys.set(p.key, readJson<AlignManifest>(join(run, 'alignments', p.key, 'manifest.json')));
      return { ...p, read: await keys.get(p.key)! };
    }),
  );
  const bad = reads.find((r) => r.read.kind === 'bad');
  if (bad && bad.read.kind === 'bad') return { kind: 'bad', error: `alignments/${bad.key}/manifest.json: ${bad.read.error}` };
  if (reads.some((r) => r.read.kind === 'missing')) return { kind: 'missing' };
  const ok = reads.map((r) => ({ label: r.label, m: (r.read as { value: AlignManifest }).value }));
  const depth: Record<string, number> = {};
  for (const { label, m } of ok) for (const [file, n] of Object.entries(m.msaDepth ?? {})) depth[`${label} ${file}`] = n;
  const seconds = ok.map(({ m }) => finite(m.wallSeconds));
  const times = ok.map(({ m }) => m.completedAt).filter((x): x is string => typeof x === 'string');
  return {
    kind: 'ok',
    value: {
      msaDepth: depth,
      wallSeconds: seconds.length ? (seconds.includes(null) ? null : Math.round(seconds.reduce((a, b) => a! + b!, 0)! * 100) / 100) : null,
      cached: ok.length > 0 && ok.every(({ m }) => m.cached === true),
      completedAt: times.sort().at(-1),
    } as unknown as AlignManifest,
  };
}

async function readSplitManifest(run: string): Promise<{ targets: SplitTarget[]; model?: 'openfold3' }> {
  const file = join(run, 'split', 'manifest.json');
  const read = await readJson<SplitManifest>(file);
  if (read.kind === 'missing') throw new UserError(`${file}: not found; is ${run} a run directory (split has run)?`, 2);
  if (read.kind === 'bad') throw new UserError(`${file}: ${read.error}`, 1);
  const targets = read.value?.targets;
  if (!Array.isArray(targets)) throw new UserError(`${file}: expected { targets: [...] }`, 1);
  targets.forEach((t, i) => {
    if (!isSafeTag(String(t?.tag))) throw new UserError(`${file}: targets[${i}].tag: not a safe tag: ${JSON.stringify(t?.tag)}`, 1);
  });
  return { targets, ...((read.value as { model?: unknown }).model === 'openfold3' ? { model: 'openfold3' as const } : {}) };
}

/** OpenFold3 columns of a query: from the split manifest (tokens, chains) and its result (scores). */
function openfold3Columns(t: SplitTarget, r: TargetResult | undefined): Openfold3Columns {
  const s = r?.status === 'predicted' ? r.openfold3 : undefined;
  const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    tokens: count(t.tokens),
    chains: Array.isArray(t.chains) ? t.chains.reduce((n, c) => n + (Array.isArray(c.ids) ? c.ids.length : 0), 0) : null,
    ptm: count(s?.ptm),
    iptm: count(s?.iptm),
    rankingScore: count(s?.rankingScore),
    hasClash: typeof s?.hasClash === 'boolean' ? s.hasClash : null,
    chainPtm: s?.chainPtm && typeof s.chainPtm === 'object' ? s.chainPtm : null,
    chainPairIptm: s?.chainPairIptm && typeof s.chainPairIptm === 'object' ? s.chainPairIptm : null,
  };
}

/** Resolves a file named in result.json: absolute as is, relative to the run directory otherwise. */
const inRun = (run: string, p: string): string => (isAbsolute(p) ? p : join(run, p));

async function plddtOf(run: string, result: TargetResult): Promise<number[] | null> {
  if (Array.isArray(result.plddt) && result.plddt.length && result.plddt.every((v) => finite(v) !== null)) return result.plddt;
  // Older or partial results: read the structure the result points to, when it is here.
  const file = result.files?.unrelaxed ?? result.files?.relaxed ?? result.files?.model;
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

async function measure(run: string, t: SplitTarget, keys: KeyManifests | undefined, final: boolean): Promise<Measured> {
  const openfold3 = keys !== undefined;
  const align = keys ? await queryAlignment(run, t, keys) : await readJson<AlignManifest>(join(run, 'alignments', t.tag, 'manifest.json'));
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
    if (openfold3) target.msaDepth = a.msaDepth && typeof a.msaDepth === 'object' ? a.msaDepth : null;
    else {
      // AF2-class: the depths only while the files still hold what the done-manifest recorded.
      const { depth, problem } = await verifiedDepth(join(run, 'alignments', t.tag), t.tag, a);
      target.msaDepth = depth;
      if (problem) reasons.push(problem);
    }
    target.alignSeconds = a.wallSeconds === null ? null : finite(a.wallSeconds);
    target.alignCached = typeof a.cached === 'boolean' ? a.cached : null;
    if (typeof a.completedAt === 'string') completedAt.push(a.completedAt);
  } else if (align.kind === 'bad') {
    reasons.push(openfold3 ? align.error : `alignments/${t.tag}/manifest.json: ${align.error}`);
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
      ...(r.files?.model ? { model: r.files.model } : {}),
      ...(r.files?.confidences ? { confidences: r.files.confidences } : {}),
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
  if (openfold3) target.openfold3 = openfold3Columns(t, result.kind === 'ok' ? result.value : undefined);
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
  const split = await readSplitManifest(run);
  const manifest = split.targets;
  const originals = manifest.filter((t) => !t.duplicateOf);
  const keys: KeyManifests | undefined = split.model === 'openfold3' ? new Map() : undefined;
  const measured = await mapLimited(originals, 16, (t) => measure(run, t, keys, final));
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
    const duplicate: ReportTarget = { ...asDuplicate(t, original.target), accuracy: duplicateAccuracy.get(t.tag) ?? null };
    if (duplicate.openfold3) duplicate.openfold3 = { ...duplicate.openfold3, tokens: t.tokens ?? duplicate.openfold3.tokens };
    return duplicate;
  });
  const summary = summarize(
    targets,
    measured.flatMap((m) => m.completedAt),
  );
  // OpenFold3: chains are aligned once for every query that has them; count each alignment once.
  if (keys) {
    const unique = (await Promise.all([...keys.values()])).flatMap((r) => (r.kind === 'ok' ? [finite(r.value.wallSeconds)] : []));
    const total = sumOrNull(unique);
    summary.alignSeconds = total === null ? null : Math.round(total * 100) / 100;
  }
  summary.maxTemplateDates = [...new Set(measured.map((m) => m.maxTemplateDate).filter((d): d is string => d !== null))].sort();
  const models = [...new Set(measured.map((m) => m.model).filter((m): m is string => m !== null))].sort();
  const accuracy = summarizeAccuracy(
    targets.map((t) => t.accuracy),
    models,
  );
  const cost = opts.config ? await runCost(run, opts.config, targets) : null;
  return {
    report: {
      version: 1,
      run,
      final,
      ...(split.model ? { model: split.model } : {}),
      targets,
      summary,
      cost,
      ...(accuracy ? { accuracy } : {}),
    },
    plddt,
  };
}
