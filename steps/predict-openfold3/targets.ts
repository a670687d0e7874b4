// The queries of one OpenFold3 prediction run: a chunk of RUN/split/plan.json (the query of a tag in
// RUN/split/queries/<tag>.json, the chains the run aligned in RUN/split/manifest.json), or a query JSON given
// directly (standalone use), checked by the same rules as the split step.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { GpuClassName } from '../predict/command.js';
import { findPlanChunk, readJson } from '../predict/targets.js';
import { assertOpenfoldSafeTag, duplicateTag } from '../predict/tags.js';
import { alignedChainKeys, queryPairKey } from '../split/chains.js';
import { checkQuerySet, parseQuerySet, type Query } from '../split/query.js';
import type { QueryManifest } from '../split/split-queries.js';
import { queryTokens } from '../split/tokens.js';

export interface QueryTarget {
  readonly tag: string;
  readonly query: Query;
  readonly tokens: number;
}

export interface QueryChunkTargets {
  readonly chunk: string;
  readonly gpu: GpuClassName;
  readonly batches: QueryTarget[][];
  /** Chain (and pair) keys the run aligned: their MSAs are expected under the alignments directory. */
  readonly alignedKeys: Set<string>;
}

/** RUN/split/queries/<tag>.json: one query named after its tag. */
export function readTagQuery(queriesDir: string, tag: string): Query {
  const file = join(queriesDir, `${tag}.json`);
  const doc = readJson(file);
  const { set } = checkQuerySet(doc, { source: file, baseDir: queriesDir });
  const names = Object.keys(set.queries);
  if (names.length !== 1 || names[0] !== tag)
    throw new Error(`${file}: expected exactly the query ${JSON.stringify(tag)}, got ${names.join(', ')}`);
  return set.queries[tag];
}

export function queryChunkFromPlan(planFile: string, chunkId: string): QueryChunkTargets {
  const plan = readJson(planFile) as { model?: unknown };
  if (plan?.model !== 'openfold3') throw new Error(`${planFile}: not an OpenFold3 plan (split with --model openfold3)`);
  const chunk = findPlanChunk(plan, chunkId, planFile);
  const split = dirname(planFile);
  const manifest = readJson(join(split, 'manifest.json')) as Partial<QueryManifest>;
  if (!Array.isArray(manifest.aligned)) throw new Error(`${join(split, 'manifest.json')}: "aligned" must be a list`);
  const tokens = new Map((manifest.targets ?? []).map((t) => [t.tag, t.tokens]));
  const batches = chunk.batches.map((b, i) =>
    b.tags.map((tag) => {
      assertOpenfoldSafeTag(tag, `${planFile}: chunk ${chunkId}: batches[${i}]`);
      const query = readTagQuery(join(split, 'queries'), tag);
      return { tag, query, tokens: tokens.get(tag) ?? queryTokens(query).tokens };
    }),
  );
  const dup = duplicateTag(batches.flat().map((t) => t.tag));
  if (dup) throw new Error(`${planFile}: chunk ${chunkId}: query ${dup} appears twice`);
  return { chunk: chunkId, gpu: chunk.gpu, batches, alignedKeys: new Set(manifest.aligned.map((a) => a.key)) };
}

/**
 * Queries of a query JSON given directly. With an alignments directory, a chain (or pair) whose key has a
 * folder there reads it; other chains run without MSAs (OpenFold3 uses the query sequence alone).
 */
export function queriesFromJson(file: string, alignmentsDir?: string): { targets: QueryTarget[]; alignedKeys: Set<string> } {
  const path = resolve(file);
  const { set } = parseQuerySet(readFileSync(path, 'utf8'), { source: path, baseDir: dirname(path) });
  const targets = Object.entries(set.queries).map(([tag, query]) => {
    assertOpenfoldSafeTag(tag, `${path}: query`);
    return { tag, query, tokens: queryTokens(query).tokens };
  });
  const present = new Set(alignmentsDir && existsSync(alignmentsDir) ? readdirSync(alignmentsDir) : []);
  const alignedKeys = new Set(
    targets.flatMap((t) => [...alignedChainKeys(t.query, true), queryPairKey(t.query) ?? '']).filter((k) => k && present.has(k)),
  );
  return { targets, alignedKeys };
}
