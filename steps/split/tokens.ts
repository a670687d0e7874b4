// OpenFold3's cost unit: tokens. Its tokenizer (openfold3/core/data/primitives/structure/tokenization.py,
// AF3 SI 2.6) gives a standard residue of a protein, RNA or DNA chain one token (unknown letters become UNK / N /
// DN, standard too), and every heavy atom of anything else its own token: ligands (SMILES or CCD) and
// non-canonical residues inside a chain. A chain listed with several chain_ids is built once per id. Memory
// and time grow with the token count (the pair representation is tokens x tokens), so the plan packs batches
// and picks the GPU class by tokens, not residues.
import { LIGAND_HEAVY_ATOMS, MODIFIED_RESIDUE_ATOMS } from './ccd-atoms.js';
import type { Query, QueryChain } from './query.js';
import { parseSmiles } from './smiles.js';

/** Tokens assumed for a CCD component missing from the table (larger than most cofactors, on purpose). */
export const UNKNOWN_LIGAND_TOKENS = 60;
/** Tokens assumed for a modified residue missing from the table (a large amino acid). */
export const UNKNOWN_RESIDUE_TOKENS = 15;

export interface TokenCount {
  tokens: number;
  /** CCD codes counted with an estimate (not in the table). */
  estimated: string[];
}

/** Tokens of one copy of a chain. */
export function chainTokens(chain: QueryChain): TokenCount {
  const estimated: string[] = [];
  if (chain.molecule_type === 'ligand') {
    if (chain.smiles !== undefined) return { tokens: parseSmiles(chain.smiles).heavyAtoms, estimated };
    const tokens = (chain.ccd_codes ?? []).reduce((n, code) => {
      const known = LIGAND_HEAVY_ATOMS[code];
      if (known === undefined) estimated.push(code);
      return n + (known ?? UNKNOWN_LIGAND_TOKENS);
    }, 0);
    return { tokens, estimated };
  }
  let tokens = chain.sequence?.length ?? 0;
  for (const code of Object.values(chain.non_canonical_residues ?? {})) {
    const known = MODIFIED_RESIDUE_ATOMS[code];
    if (known === undefined) estimated.push(code);
    tokens += (known ?? UNKNOWN_RESIDUE_TOKENS) - 1;
  }
  return { tokens, estimated };
}

/** Tokens of a whole query: every chain times its number of copies. */
export function queryTokens(query: Query): TokenCount {
  let tokens = 0;
  const estimated = new Set<string>();
  for (const chain of query.chains) {
    const one = chainTokens(chain);
    tokens += one.tokens * chain.chain_ids.length;
    one.estimated.forEach((c) => estimated.add(c));
  }
  return { tokens, estimated: [...estimated].sort() };
}
