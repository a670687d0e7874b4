// The plan of an OpenFold3 run: the same shape as the AF2-class plan (steps/README.md), with tokens as the
// cost unit and align groups over unique chains instead of targets. A chain used by queries of one chunk is
// aligned by that chunk (its own groups, so it predicts as soon as they exist); a chain used by several chunks
// is aligned once, in the shared groups that every chunk waits for (the pipeline's `align-shared` fan-out).
// A chunk whose chains are all shared (or have no MSA to compute) has `align: false` and no groups of its own.
import {
  batchesPerChunkFor,
  DEFAULT_MAX_ALIGN_GROUPS,
  DEFAULT_MAX_CHUNKS,
  packBatches,
  PLAN_VERSION,
  sortForPlan,
  targetsPerGroupFor,
  type AlignGroup,
  type Batch,
  type GpuKind,
} from './plan.js';

export interface QueryPlanTarget {
  tag: string;
  tokens: number;
  /** Chain keys (split/fasta/<key>.fasta) whose MSAs this query needs. */
  chains: string[];
  duplicateOf?: string;
}

export interface QueryPlanLimits {
  tokensPerBatch: number;
  longThreshold: number;
  chainsPerAlignGroup: number;
  maxChunks: number;
  maxAlignGroups: number;
}

export interface QueryBatch {
  tags: string[];
  tokens: number;
}

export interface QueryChunk {
  id: string;
  gpu: GpuKind;
  /** Whether the chunk has align groups of its own (first..last); false: only shared or no alignments. */
  align: boolean;
  first: number;
  last: number;
  batches: QueryBatch[];
}

export interface QueryPlan {
  version: typeof PLAN_VERSION;
  model: 'openfold3';
  limits: QueryPlanLimits;
  /** Align groups 0..shared.last (when shared.align) hold chains used by several chunks. */
  shared: SharedGroups;
  alignGroups: AlignGroup[];
  chunks: QueryChunk[];
}

export interface SharedGroups {
  align: boolean;
  first: number;
  last: number;
}

export type QueryLimitsInput = Omit<QueryPlanLimits, 'maxChunks' | 'maxAlignGroups'> &
  Partial<Pick<QueryPlanLimits, 'maxChunks' | 'maxAlignGroups'>>;

const chunkId = (n: number): string => `c${String(n).padStart(4, '0')}`;

function deal(keys: string[], perGroup: number, firstId: number): AlignGroup[] {
  const count = Math.ceil(keys.length / perGroup);
  const groups: AlignGroup[] = Array.from({ length: count }, (_, i) => ({ id: firstId + i, tags: [] }));
  keys.forEach((key, i) => groups[i % count].tags.push(key));
  return groups;
}

function check(targets: QueryPlanTarget[], limits: QueryPlanLimits): void {
  for (const [name, value] of Object.entries(limits))
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`plan limits.${name}: must be an integer >= 1, got ${String(value)}`);
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.tag)) throw new RangeError(`plan: duplicate query ${JSON.stringify(t.tag)}`);
    seen.add(t.tag);
    if (!Number.isInteger(t.tokens) || t.tokens < 1) throw new RangeError(`plan: query ${t.tag}: tokens must be >= 1, got ${t.tokens}`);
  }
}

/** Plans an OpenFold3 run: token-packed batches, chunks, and the align groups of their unique chains. */
export function planQueries(targets: QueryPlanTarget[], input: QueryLimitsInput): QueryPlan {
  const limits: QueryPlanLimits = {
    ...input,
    maxChunks: input.maxChunks ?? DEFAULT_MAX_CHUNKS,
    maxAlignGroups: input.maxAlignGroups ?? DEFAULT_MAX_ALIGN_GROUPS,
  };
  check(targets, limits);
  const byTag = new Map(targets.map((t) => [t.tag, t]));
  const sorted = sortForPlan(targets.map((t) => ({ tag: t.tag, length: t.tokens, duplicateOf: t.duplicateOf })));
  const { long, standard } = packBatches(sorted, limits.tokensPerBatch, limits.longThreshold);
  const perChunk = batchesPerChunkFor(long.length, standard.length, limits.maxChunks);
  const chunkBatches: { gpu: GpuKind; batches: QueryBatch[] }[] = [];
  for (const [gpu, batches] of [
    ['long', long],
    ['standard', standard],
  ] as const) {
    for (let i = 0; i < batches.length; i += perChunk)
      chunkBatches.push({ gpu, batches: batches.slice(i, i + perChunk).map((b: Batch) => ({ tags: b.tags, tokens: b.residues })) });
  }

  // Which chunks need each chain, in first-use order.
  const users = new Map<string, Set<number>>();
  chunkBatches.forEach((c, i) =>
    c.batches.forEach((b) =>
      b.tags.forEach((tag) => byTag.get(tag)!.chains.forEach((key) => (users.get(key) ?? users.set(key, new Set()).get(key)!).add(i))),
    ),
  );
  const shared = [...users].filter(([, chunks]) => chunks.size > 1).map(([key]) => key);
  const own = chunkBatches.map((_, i) => [...users].filter(([, chunks]) => chunks.size === 1 && chunks.has(i)).map(([key]) => key));
  const counts = [shared.length, ...own.map((o) => o.length)].filter((n) => n > 0);
  const perGroup = counts.length
    ? targetsPerGroupFor(counts, limits.chainsPerAlignGroup, limits.maxAlignGroups)
    : limits.chainsPerAlignGroup;

  const alignGroups: AlignGroup[] = deal(shared, perGroup, 0);
  const sharedGroups: SharedGroups = alignGroups.length
    ? { align: true, first: 0, last: alignGroups.length - 1 }
    : { align: false, first: 0, last: 0 };
  const chunks: QueryChunk[] = chunkBatches.map((c, i) => {
    if (own[i].length === 0) return { id: chunkId(i), gpu: c.gpu, align: false, first: 0, last: 0, batches: c.batches };
    const groups = deal(own[i], perGroup, alignGroups.length);
    alignGroups.push(...groups);
    return { id: chunkId(i), gpu: c.gpu, align: true, first: groups[0].id, last: groups[groups.length - 1].id, batches: c.batches };
  });
  return {
    version: PLAN_VERSION,
    model: 'openfold3',
    limits: { ...limits, chainsPerAlignGroup: perGroup },
    shared: sharedGroups,
    alignGroups,
    chunks,
  };
}
