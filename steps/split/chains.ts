// Names of the unique chains an OpenFold3 run aligns, shared by split (which writes split/fasta/<key>.fasta
// and plans align groups over them) and predict (which finds RUN/alignments/<key>/ for a query's chain).
// A key is derived from the molecule type and the sequence only, so identical chains of different queries
// share one alignment; it is a valid target tag for the align step ([A-Za-z0-9_], at most 64 characters).
import { createHash } from 'node:crypto';
import type { MoleculeType, Query } from './query.js';

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 40);

/** The alignment key of a polymer chain: protein_<sha256[:40]> or rna_<...>. */
export function chainKey(molecule: Exclude<MoleculeType, 'ligand' | 'dna'>, sequence: string): string {
  return `${molecule}_${digest(sequence)}`;
}

/** The key of the paired MSA of a set of protein chains (order-free): pair_<sha256[:40]>. */
export function pairKey(proteinKeys: string[]): string {
  return `pair_${digest([...new Set(proteinKeys)].sort().join('\n'))}`;
}

export const isPairKey = (tag: string): boolean => tag.startsWith('pair_');

/** Whether OpenFold3 reads MSAs of this query at all (use_msas), and which kinds. */
export function msaUse(q: Query): { main: boolean; paired: boolean } {
  const any = q.use_msas !== false;
  return { main: any && q.use_main_msas !== false, paired: any && q.use_paired_msas !== false };
}

/**
 * The chains of a query whose MSAs the run computes: protein chains without user-given MSA files (and RNA
 * chains when `rna` is true: RNA searches are configured). Keys in chain order, unique.
 */
export function alignedChainKeys(q: Query, rna: boolean): string[] {
  if (!msaUse(q).main) return [];
  const keys: string[] = [];
  for (const c of q.chains) {
    if (c.main_msa_file_paths || !c.sequence) continue;
    if (c.molecule_type === 'protein' || (rna && c.molecule_type === 'rna')) keys.push(chainKey(c.molecule_type, c.sequence));
  }
  return [...new Set(keys)];
}

/** The paired-MSA key of a query with two or more distinct protein chains (and no user paired MSAs), if any. */
export function queryPairKey(q: Query): string | undefined {
  if (!msaUse(q).paired) return undefined;
  const proteins = q.chains.filter((c) => c.molecule_type === 'protein' && c.sequence && !c.paired_msa_file_paths);
  const keys = [...new Set(proteins.map((c) => chainKey('protein', c.sequence!)))];
  return keys.length >= 2 ? pairKey(keys) : undefined;
}
