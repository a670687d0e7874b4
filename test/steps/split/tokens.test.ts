// Token counts of OpenFold3 queries: the rules (pure), then agreement with OpenFold3 itself (its query parser
// and tokenizer, and its CCD) from the pinned venv.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LIGAND_HEAVY_ATOMS, MODIFIED_RESIDUE_ATOMS } from '../../../steps/split/ccd-atoms.js';
import type { Query } from '../../../steps/split/query.js';
import { queryTokens, UNKNOWN_LIGAND_TOKENS } from '../../../steps/split/tokens.js';
import { tempDir } from '../../helpers/env.js';
import { requires } from '../../helpers/gate.js';
import { openfold3Missing, openfold3Runtime, runVenvPython } from '../../helpers/openfold3.js';

const QUERIES: Record<string, Query> = {
  monomer: { chains: [{ molecule_type: 'protein', chain_ids: ['A'], sequence: 'MKTAYIAKQRQISFVKSHFSRQ' }] },
  homodimer_atp: {
    chains: [
      { molecule_type: 'protein', chain_ids: ['A', 'B'], sequence: 'MQIFVKTLTGKTITLEV' },
      { molecule_type: 'ligand', chain_ids: ['C'], ccd_codes: ['ATP'] },
      { molecule_type: 'ligand', chain_ids: ['D', 'E'], ccd_codes: ['MG'] },
    ],
  },
  smiles: {
    chains: [
      { molecule_type: 'protein', chain_ids: ['A'], sequence: 'GSHMXLE' },
      { molecule_type: 'ligand', chain_ids: ['L'], smiles: 'CC(=O)Oc1ccccc1C(=O)O' },
    ],
  },
  nucleic: {
    chains: [
      { molecule_type: 'rna', chain_ids: ['R'], sequence: 'ACGUNACGU' },
      { molecule_type: 'dna', chain_ids: ['D'], sequence: 'ACGTN' },
    ],
  },
  modified: {
    chains: [{ molecule_type: 'protein', chain_ids: ['A'], sequence: 'MKTSYA', non_canonical_residues: { '1': 'MSE', '4': 'SEP' } }],
  },
};

test('standard residues are one token each, ligand heavy atoms one each, copies multiply', () => {
  assert.is(queryTokens(QUERIES.monomer).tokens, 22);
  assert.is(queryTokens(QUERIES.homodimer_atp).tokens, 17 * 2 + 31 + 2 * 1);
  assert.is(queryTokens(QUERIES.smiles).tokens, 7 + 13);
  assert.is(queryTokens(QUERIES.nucleic).tokens, 9 + 5);
  // MSE keeps 8 heavy atoms in a chain, SEP 10: each replaces one residue token.
  assert.is(queryTokens(QUERIES.modified).tokens, 6 - 2 + 8 + 10);
});

test('a CCD code outside the table is estimated and named', () => {
  const t = queryTokens({ chains: [{ molecule_type: 'ligand', chain_ids: ['L'], ccd_codes: ['ZZ9'] }] });
  assert.equal(t, { tokens: UNKNOWN_LIGAND_TOKENS, estimated: ['ZZ9'] });
});

const withOpenfold3 = requires(openfold3Missing());

withOpenfold3("the counts equal OpenFold3's own tokenizer on the same queries", async () => {
  const rt = openfold3Runtime();
  const file = join(tempDir('ofa-tokens-'), 'queries.json');
  writeFileSync(file, JSON.stringify({ queries: QUERIES }));
  const theirs = JSON.parse(await runVenvPython(rt, 'count_tokens.py', [file])) as Record<string, number>;
  for (const [name, q] of Object.entries(QUERIES)) assert.is(queryTokens(q).tokens, theirs[name], name);
});

withOpenfold3('the CCD table equals what OpenFold3 builds from its CCD, code by code', async () => {
  const rt = openfold3Runtime();
  const codes = { ligand: Object.keys(LIGAND_HEAVY_ATOMS), modified: Object.keys(MODIFIED_RESIDUE_ATOMS) };
  const theirs = JSON.parse(await runVenvPython(rt, 'ccd_atoms.py', [], JSON.stringify(codes))) as typeof codes & {
    ligand: Record<string, number>;
    modified: Record<string, number>;
  };
  assert.equal({ ...LIGAND_HEAVY_ATOMS }, theirs.ligand);
  assert.equal({ ...MODIFIED_RESIDUE_ATOMS }, theirs.modified);
});

test.run();
