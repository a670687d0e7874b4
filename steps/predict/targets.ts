// The targets of one prediction run: from a chunk of RUN/split/plan.json (FASTA of a tag at
// RUN/split/fasta/<tag>.fasta next to plan.json), or from a directory of FASTA files.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Chunk } from '../split/plan.js';
import type { GpuClassName } from './command.js';
import { parseFasta } from './fasta.js';
import { assertOpenfoldSafeTag, duplicateTag } from './tags.js';

export interface Target {
  readonly tag: string;
  readonly sequence: string;
}

export interface ChunkTargets {
  readonly chunk: string;
  readonly gpu: GpuClassName;
  /** One model load per batch. */
  readonly batches: Target[][];
}

/** The fields of a plan chunk (steps/split/plan.ts Chunk) that predict reads. */
type PlanChunk = Pick<Chunk, 'id' | 'gpu' | 'batches'>;

/** A JSON file, or an Error naming it (cannot read / not JSON). */
export function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
}

/** The chunk `id` of a plan, checked for the fields predict uses. */
export function findPlanChunk(plan: unknown, id: string, source: string): PlanChunk {
  const chunks = (plan as { chunks?: unknown })?.chunks;
  if (!Array.isArray(chunks)) throw new Error(`${source}: "chunks" must be a list`);
  const chunk = chunks.find((c) => (c as { id?: unknown })?.id === id) as Record<string, unknown> | undefined;
  if (!chunk) throw new Error(`${source}: no chunk with id ${JSON.stringify(id)}`);
  if (chunk.gpu !== 'standard' && chunk.gpu !== 'long')
    throw new Error(`${source}: chunk ${id}: gpu must be "standard" or "long", got ${JSON.stringify(chunk.gpu)}`);
  if (!Array.isArray(chunk.batches) || chunk.batches.length === 0)
    throw new Error(`${source}: chunk ${id}: "batches" must be a non-empty list`);
  chunk.batches.forEach((b: unknown, i: number) => {
    const tags = (b as { tags?: unknown })?.tags;
    if (!Array.isArray(tags) || tags.length === 0 || !tags.every((t) => typeof t === 'string'))
      throw new Error(`${source}: chunk ${id}: batches[${i}].tags must be a non-empty list of strings`);
  });
  return chunk as unknown as PlanChunk;
}

/** The single record of RUN/split/fasta/<tag>.fasta, whose header must be the tag itself. */
export function readTagFasta(fastaDir: string, tag: string): Target {
  const file = join(fastaDir, `${tag}.fasta`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read the FASTA of target ${tag} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const records = parseFasta(text, file);
  if (records.length !== 1) throw new Error(`${file}: expected one record for target ${tag}, found ${records.length}`);
  if (records[0].header !== tag) throw new Error(`${file}: header must be exactly ">${tag}", got ">${records[0].header}"`);
  return { tag, sequence: records[0].sequence };
}

export function chunkTargetsFromPlan(planFile: string, chunkId: string): ChunkTargets {
  const chunk = findPlanChunk(readJson(planFile), chunkId, planFile);
  const fastaDir = join(dirname(planFile), 'fasta');
  const batches = chunk.batches.map((b, i) => {
    b.tags.forEach((tag) => assertOpenfoldSafeTag(tag, `${planFile}: chunk ${chunkId}: batches[${i}]`));
    return b.tags.map((tag) => readTagFasta(fastaDir, tag));
  });
  const dup = duplicateTag(batches.flat().map((t) => t.tag));
  if (dup) throw new Error(`${planFile}: chunk ${chunkId}: target ${dup} appears twice`);
  return { chunk: chunkId, gpu: chunk.gpu, batches };
}

/**
 * Targets of a directory of FASTA files (.fasta, .fa, as OpenFold lists them). Each record is a target named
 * by the first word of its header, which must be OpenFold-safe and name its alignment directory.
 */
export function targetsFromFastaDir(dir: string): Target[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.fasta') || n.endsWith('.fa'));
  } catch (e) {
    throw new Error(`${dir}: cannot list the FASTA directory (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (names.length === 0) throw new Error(`${dir}: no .fasta or .fa files`);
  const targets = names.sort().flatMap((name) => {
    const file = join(dir, name);
    return parseFasta(readFileSync(file, 'utf8'), file).map((r) => {
      const tag = r.header.split(/\s+/)[0];
      assertOpenfoldSafeTag(tag, `${file}: header ">${r.header}"`);
      return { tag, sequence: r.sequence };
    });
  });
  const dup = duplicateTag(targets.map((t) => t.tag));
  if (dup) throw new Error(`${dir}: target ${dup} appears twice`);
  return targets;
}
