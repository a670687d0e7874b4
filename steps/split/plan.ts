// The run plan (split/plan.json): align groups and prediction chunks, as steps/README.md specifies.
// A pure function of the targets and limits, so it is tested and benchmarked without files.
//
// Targets (duplicates excluded) are sorted longest first: the longest work starts first, which shortens the
// run when pods wait for a semaphore (longest-processing-time-first), and long-class chunks come before
// standard ones. Standard targets are packed next-fit into batches of at most residuesPerBatch residues, so a
// batch holds targets of similar length; a target longer than longThreshold is alone on the "long" GPU class.
// Consecutive batches of one GPU class form a chunk; each chunk owns a contiguous range of align groups.

import type { Config } from '../../generators/config/types.js';

export const PLAN_VERSION = 1;
export const DEFAULT_MAX_CHUNKS = 500;
export const DEFAULT_MAX_ALIGN_GROUPS = 5000;

export type GpuKind = 'standard' | 'long';

export interface PlanTarget {
  tag: string;
  length: number;
  /** Tag of an earlier target with the same sequence: neither aligned nor predicted again. */
  duplicateOf?: string;
}

export interface PlanLimits {
  residuesPerBatch: number;
  longThreshold: number;
  /** Targets one align pod handles; raised by the plan when needed to respect maxAlignGroups. */
  targetsPerAlignGroup: number;
  maxChunks: number;
  maxAlignGroups: number;
}

export interface Batch {
  tags: string[];
  residues: number;
}

export interface AlignGroup {
  id: number;
  tags: string[];
}

export interface Chunk {
  id: string;
  gpu: GpuKind;
  /** First and last align group (inclusive) whose alignments this chunk needs. */
  first: number;
  last: number;
  batches: Batch[];
}

export interface Plan {
  version: typeof PLAN_VERSION;
  /** The limits in effect: targetsPerAlignGroup is the raised value when the plan had to raise it. */
  limits: PlanLimits;
  alignGroups: AlignGroup[];
  chunks: Chunk[];
}

/** One item of split/chunks.json, the list the pipeline fans out over. */
export interface ChunkItem {
  id: string;
  gpu: GpuKind;
  /** The chunk has align groups of its own (first..last); always true in an AF2-class plan. */
  align: boolean;
  first: number;
  last: number;
}

export type LimitsInput = Omit<PlanLimits, 'maxChunks' | 'maxAlignGroups'> & Partial<Pick<PlanLimits, 'maxChunks' | 'maxAlignGroups'>>;

/** The plan's limits from a config (the split step and the estimator plan the same way). */
export function limitsFromConfig(c: Config): LimitsInput {
  return {
    residuesPerBatch: c.inference.residuesPerBatch,
    longThreshold: c.inference.longSequence.threshold,
    targetsPerAlignGroup: c.alignment.targetsPerPod,
  };
}

function checkLimits(limits: PlanLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`plan limits.${name}: must be an integer >= 1, got ${String(value)}`);
  }
}

function checkTargets(targets: PlanTarget[]): void {
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.tag)) throw new RangeError(`plan: duplicate tag ${JSON.stringify(t.tag)}`);
    seen.add(t.tag);
    if (!Number.isInteger(t.length) || t.length < 1) throw new RangeError(`plan: target ${t.tag}: length must be >= 1, got ${t.length}`);
  }
}

/** Longest first; equal lengths keep input order (Array.prototype.sort is stable). */
export function sortForPlan(targets: PlanTarget[]): PlanTarget[] {
  return targets.filter((t) => !t.duplicateOf).sort((a, b) => b.length - a.length);
}

/** Long targets one per batch, the rest packed next-fit (in the given order) up to residuesPerBatch. */
export function packBatches(sorted: PlanTarget[], residuesPerBatch: number, longThreshold: number): { long: Batch[]; standard: Batch[] } {
  const long: Batch[] = [];
  const standard: Batch[] = [];
  let open: Batch | undefined;
  for (const t of sorted) {
    if (t.length > longThreshold) {
      long.push({ tags: [t.tag], residues: t.length });
      continue;
    }
    if (!open || open.residues + t.length > residuesPerBatch) {
      open = { tags: [], residues: 0 };
      standard.push(open);
    }
    open.tags.push(t.tag);
    open.residues += t.length;
  }
  return { long, standard };
}

const chunkCount = (batches: number, perChunk: number): number => Math.ceil(batches / perChunk);

/** Smallest batches-per-chunk that keeps the chunk count (long and standard chunked apart) <= maxChunks. */
export function batchesPerChunkFor(longBatches: number, standardBatches: number, maxChunks: number): number {
  const classes = (longBatches > 0 ? 1 : 0) + (standardBatches > 0 ? 1 : 0);
  if (classes > maxChunks) throw new RangeError(`plan: maxChunks ${maxChunks} is below the ${classes} GPU classes in use`);
  let per = Math.max(1, Math.ceil((longBatches + standardBatches) / maxChunks));
  while (chunkCount(longBatches, per) + chunkCount(standardBatches, per) > maxChunks) per++;
  return per;
}

/** Smallest targets-per-group >= wanted that keeps the group count (groups never span chunks) <= maxGroups. */
export function targetsPerGroupFor(targetsPerChunk: number[], wanted: number, maxGroups: number): number {
  if (targetsPerChunk.length > maxGroups)
    throw new RangeError(`plan: maxAlignGroups ${maxGroups} is below the ${targetsPerChunk.length} chunks`);
  const total = targetsPerChunk.reduce((a, b) => a + b, 0);
  let per = Math.max(wanted, Math.ceil(total / maxGroups));
  const groups = (p: number) => targetsPerChunk.reduce((n, c) => n + Math.ceil(c / p), 0);
  while (groups(per) > maxGroups) per++;
  return per;
}

/** Deals a chunk's targets round-robin over its groups so each group gets a mix of long and short targets. */
function dealIntoGroups(tags: string[], perGroup: number, firstId: number): AlignGroup[] {
  const count = Math.ceil(tags.length / perGroup);
  const groups: AlignGroup[] = Array.from({ length: count }, (_, i) => ({ id: firstId + i, tags: [] }));
  tags.forEach((tag, i) => groups[i % count].tags.push(tag));
  return groups;
}

const chunkId = (n: number): string => `c${String(n).padStart(4, '0')}`;

/** Plans a run: which targets align together and which batches each prediction pod runs. */
export function planRun(targets: PlanTarget[], input: LimitsInput): Plan {
  const limits: PlanLimits = {
    residuesPerBatch: input.residuesPerBatch,
    longThreshold: input.longThreshold,
    targetsPerAlignGroup: input.targetsPerAlignGroup,
    maxChunks: input.maxChunks ?? DEFAULT_MAX_CHUNKS,
    maxAlignGroups: input.maxAlignGroups ?? DEFAULT_MAX_ALIGN_GROUPS,
  };
  checkLimits(limits);
  checkTargets(targets);
  const { long, standard } = packBatches(sortForPlan(targets), limits.residuesPerBatch, limits.longThreshold);
  const perChunk = batchesPerChunkFor(long.length, standard.length, limits.maxChunks);

  const chunkBatches: { gpu: GpuKind; batches: Batch[] }[] = [];
  for (const [gpu, batches] of [
    ['long', long],
    ['standard', standard],
  ] as const) {
    for (let i = 0; i < batches.length; i += perChunk) chunkBatches.push({ gpu, batches: batches.slice(i, i + perChunk) });
  }
  const chunkTags = chunkBatches.map((c) => c.batches.flatMap((b) => b.tags));
  const perGroup = targetsPerGroupFor(
    chunkTags.map((t) => t.length),
    limits.targetsPerAlignGroup,
    limits.maxAlignGroups,
  );

  const alignGroups: AlignGroup[] = [];
  const chunks: Chunk[] = chunkBatches.map((c, i) => {
    const groups = dealIntoGroups(chunkTags[i], perGroup, alignGroups.length);
    alignGroups.push(...groups);
    return { id: chunkId(i), gpu: c.gpu, first: groups[0].id, last: groups[groups.length - 1].id, batches: c.batches };
  });
  return { version: PLAN_VERSION, limits: { ...limits, targetsPerAlignGroup: perGroup }, alignGroups, chunks };
}

/** split/chunks.json: only what the fan-out needs, so the list stays far below Argo's 256 KB output limit. */
export function chunkItems(plan: { chunks: (Pick<Chunk, 'id' | 'gpu' | 'first' | 'last'> & { align?: boolean })[] }): ChunkItem[] {
  return plan.chunks.map(({ id, gpu, align, first, last }) => ({ id, gpu, align: align ?? true, first, last }));
}
