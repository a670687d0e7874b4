// The split step for OpenFold3 (model: openfold3): an OpenFold3 query JSON, or a FASTA in the complex
// convention (complexes.ts), becomes one query file per query, one FASTA per unique chain to align, the
// manifest and a token-based plan. Built in a hidden sibling directory and renamed into place like the
// AF2-class split (split.ts), so reruns are idempotent and a failure leaves nothing that looks like output.
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { AlignMode, Config } from '../../generators/config/types.js';
import { UserError } from '../../common/errors.js';
import { alignedChainKeys, chainKey, queryPairKey } from './chains.js';
import { queriesFromFasta } from './complexes.js';
import { decodeFastaBytes, FastaError, parseFasta } from './fasta.js';
import { chunkItems } from './plan.js';
import { planQueries, type QueryPlan } from './plan-queries.js';
import { parseQuerySet, QueryError, type MoleculeType, type Query, type QuerySet } from './query.js';
import { buildDir, install, json, readInput, type ManifestTarget, type SplitSummary } from './split.js';
import { sanitizeTag, MAX_TAG_LENGTH } from './tags.js';
import { queryTokens } from './tokens.js';

export interface QueryChainSummary {
  ids: string[];
  molecule: MoleculeType;
  /** Residues (polymers) or heavy atoms (ligands) of one copy. */
  length: number;
  /** The alignment this chain reads (RUN/alignments/<key>/), when the run computes its MSA. */
  key?: string;
}

export interface QueryManifestTarget extends ManifestTarget {
  /** OpenFold3 tokens of the whole query (the plan's cost unit). */
  tokens: number;
  /** CCD codes whose atoms were estimated (not in steps/split/ccd-atoms.ts). */
  tokensEstimated?: string[];
  chains: QueryChainSummary[];
  /** The paired MSA it reads (RUN/alignments/<pair key>/), when the run computes one. */
  pairKey?: string;
}

export interface AlignedChain {
  key: string;
  molecule: MoleculeType | 'pair';
  length: number;
}

export interface QueryManifest {
  model: 'openfold3';
  targets: QueryManifestTarget[];
  /** Every unique chain (and pair) the align step computes, by key. */
  aligned: AlignedChain[];
}

export interface QuerySplitOptions {
  input: string;
  out: string;
  config: Config;
  /** The run's alignment mode: colabfold_server adds paired MSAs for complexes. */
  alignMode: AlignMode;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Query names as tags: [A-Za-z0-9_], at most 64 characters, unique without regard to case. */
export function queryTags(names: string[]): string[] {
  const used = new Set<string>();
  return names.map((name, i) => {
    const base = sanitizeTag(name) || `query_${i + 1}`;
    let tag = base;
    for (let n = 2; used.has(tag.toLowerCase()); n++) tag = `${base.slice(0, MAX_TAG_LENGTH - String(n).length - 1)}_${n}`;
    used.add(tag.toLowerCase());
    return tag;
  });
}

/** Reads the input as a query set: JSON when it starts with "{", else FASTA in the complex convention. */
export function readQueries(bytes: Uint8Array, source: string): { set: QuerySet; notes: string[] } {
  const text = decodeFastaBytes(bytes, source);
  if (text.trimStart().startsWith('{')) return parseQuerySet(text, { source, baseDir: dirname(resolve(source)) });
  const records = parseFasta(text, source);
  const notes = records.filter((r) => r.mappedToX).map((r) => `record ${r.index}: ${r.mappedToX} residue(s) B/J/O/U/Z written as X`);
  return { set: queriesFromFasta(records), notes };
}

function summarizeChains(q: Query, pairing: boolean): { chains: QueryChainSummary[]; pairKey?: string } {
  const aligned = new Set(alignedChainKeys(q, false));
  const chains = q.chains.map((c): QueryChainSummary => {
    const key = c.sequence && c.molecule_type !== 'ligand' && c.molecule_type !== 'dna' ? chainKey(c.molecule_type, c.sequence) : undefined;
    return {
      ids: c.chain_ids,
      molecule: c.molecule_type,
      length: c.sequence?.length ?? 0,
      ...(key && aligned.has(key) ? { key } : {}),
    };
  });
  const pair = pairing ? queryPairKey(q) : undefined;
  return { chains, ...(pair ? { pairKey: pair } : {}) };
}

export interface QuerySplit {
  manifest: QueryManifest;
  plan: QueryPlan;
  queries: Map<string, Query>;
  /** FASTA text of each aligned key. */
  fasta: Map<string, string>;
  notes: string[];
}

/** Everything the split writes, computed from a query set (pure apart from the SMILES/CCD tables). */
export function splitQueries(set: QuerySet, config: Config, alignMode: AlignMode): QuerySplit {
  const pairing = alignMode === 'colabfold_server' && config.alignment.msaServer.pairing;
  const names = Object.keys(set.queries);
  const tags = queryTags(names);
  const queries = new Map<string, Query>();
  const fasta = new Map<string, string>();
  const aligned = new Map<string, AlignedChain>();
  const notes: string[] = [];
  const firstBySha = new Map<string, string>();
  const targets = names.map((name, i): QueryManifestTarget => {
    const q = set.queries[name];
    const tag = tags[i];
    queries.set(tag, q);
    const tokens = queryTokens(q);
    if (tokens.estimated.length)
      notes.push(`${tag}: tokens of CCD ${tokens.estimated.join(', ')} estimated (not in the table of steps/split/ccd-atoms.ts)`);
    const { chains, pairKey } = summarizeChains(q, pairing);
    for (const c of q.chains) {
      if (!c.sequence || c.molecule_type === 'ligand' || c.molecule_type === 'dna') continue;
      const key = chainKey(c.molecule_type, c.sequence);
      if (!chains.some((s) => s.key === key) || aligned.has(key)) continue;
      aligned.set(key, { key, molecule: c.molecule_type, length: c.sequence.length });
      fasta.set(key, `>${key}\n${c.sequence}\n`);
    }
    if (pairKey && !aligned.has(pairKey)) {
      const proteins = [
        ...new Map(q.chains.filter((c) => c.molecule_type === 'protein').map((c) => [chainKey('protein', c.sequence!), c.sequence!])),
      ];
      aligned.set(pairKey, { key: pairKey, molecule: 'pair', length: proteins.reduce((n, [, s]) => n + s.length, 0) });
      fasta.set(pairKey, proteins.map(([key, seq]) => `>${key}\n${seq}\n`).join(''));
    }
    const sha = sha256(JSON.stringify(q));
    const original = firstBySha.get(sha);
    if (original === undefined) firstBySha.set(sha, tag);
    return {
      tag,
      header: name,
      length: q.chains.reduce((n, c) => n + (c.sequence?.length ?? 0) * c.chain_ids.length, 0),
      sha256: sha,
      tokens: tokens.tokens,
      ...(tokens.estimated.length ? { tokensEstimated: tokens.estimated } : {}),
      chains,
      ...(pairKey ? { pairKey } : {}),
      ...(original ? { duplicateOf: original } : {}),
    };
  });
  const plan = planQueries(
    targets.map((t) => ({
      tag: t.tag,
      tokens: t.tokens,
      chains: [...t.chains.flatMap((c) => (c.key ? [c.key] : [])), ...(t.pairKey ? [t.pairKey] : [])],
      duplicateOf: t.duplicateOf,
    })),
    {
      tokensPerBatch: config.openfold3.tokensPerBatch,
      longThreshold: config.openfold3.longThreshold,
      chainsPerAlignGroup: config.alignment.targetsPerPod,
    },
  );
  return { manifest: { model: 'openfold3', targets, aligned: [...aligned.values()] }, plan, queries, fasta, notes };
}

async function writeQuerySplit(dir: string, s: QuerySplit): Promise<void> {
  await mkdir(join(dir, 'queries'), { recursive: true });
  await mkdir(join(dir, 'fasta'), { recursive: true });
  for (const [tag, q] of s.queries) await writeFile(join(dir, 'queries', `${tag}.json`), json({ queries: { [tag]: q } }));
  for (const [key, text] of s.fasta) await writeFile(join(dir, 'fasta', `${key}.fasta`), text);
  await writeFile(join(dir, 'manifest.json'), json(s.manifest));
  await writeFile(join(dir, 'plan.json'), json(s.plan));
  await writeFile(join(dir, 'chunks.json'), json(chunkItems(s.plan), false));
  await writeFile(
    join(dir, 'shared.json'),
    json(s.plan.shared.align ? [{ first: s.plan.shared.first, last: s.plan.shared.last }] : [], false),
  );
}

/** Runs the OpenFold3 split; bad input is a UserError (exit 2) naming the query and field. */
export async function runQuerySplit(opts: QuerySplitOptions): Promise<SplitSummary & { notes: string[]; tokens: number }> {
  const out = resolve(opts.out);
  const bytes = await readInput(opts.input, opts.config);
  let split: QuerySplit;
  let notes: string[];
  try {
    const read = readQueries(bytes, opts.input);
    split = splitQueries(read.set, opts.config, opts.alignMode);
    notes = [...read.notes, ...split.notes];
  } catch (e) {
    if (e instanceof QueryError || e instanceof FastaError) throw new UserError(e.message, 2);
    throw e;
  }
  await mkdir(dirname(out), { recursive: true });
  const built = buildDir(out);
  let installed: SplitSummary['installed'];
  try {
    await writeQuerySplit(built, split);
    installed = await install(built, out);
  } finally {
    await rm(built, { recursive: true, force: true });
  }
  const targets = split.manifest.targets;
  return {
    out,
    targets: targets.length,
    duplicates: targets.filter((t) => t.duplicateOf).length,
    residues: targets.reduce((n, t) => n + t.length, 0),
    tokens: targets.filter((t) => !t.duplicateOf).reduce((n, t) => n + t.tokens, 0),
    // The time model's inference curves are OpenFold's (AF2-class): an OpenFold3 run is not estimated.
    estimate: null,
    estimateError: 'OpenFold3 runs are not estimated yet (the time model covers AF2-class OpenFold)',
    chunks: split.plan.chunks.length,
    alignGroups: split.plan.alignGroups.length,
    targetsPerAlignGroup: split.plan.limits.chainsPerAlignGroup,
    mappedToX: [],
    installed,
    notes,
  };
}
