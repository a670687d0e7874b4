// OpenFold3 query sets: what is accepted and normalised, and the one-line error naming query and field for
// each kind of bad input.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkQuerySet, QueryError } from '../../../steps/split/query.js';
import { tempDir } from '../../helpers/env.js';

const dir = tempDir('ofa-query-');
const o = { source: 'q.json', baseDir: dir };
const protein = (extra: Record<string, unknown> = {}) => ({ molecule_type: 'protein', chain_ids: ['A'], sequence: 'MKTAY', ...extra });
const one = (chains: unknown[], extra: Record<string, unknown> = {}) => ({ queries: { q1: { chains, ...extra } } });

function refused(doc: unknown, message: RegExp): void {
  try {
    checkQuerySet(doc, o);
  } catch (e) {
    assert.instance(e, QueryError);
    assert.not.match((e as Error).message, /\n/, 'one line');
    assert.match((e as Error).message, message);
    return;
  }
  assert.unreachable(`accepted ${JSON.stringify(doc)}`);
}

test('a valid set is normalised: molecule types lower case, one chain id becomes a list, sequences upper case', () => {
  const { set, notes } = checkQuerySet(
    one([
      { molecule_type: 'PROTEIN', chain_ids: 'A', sequence: 'mktay' },
      { molecule_type: 'Ligand', chain_ids: ['L'], ccd_codes: 'ATP' },
    ]),
    o,
  );
  assert.equal(set.queries.q1.chains, [
    { molecule_type: 'protein', chain_ids: ['A'], sequence: 'MKTAY' },
    { molecule_type: 'ligand', chain_ids: ['L'], ccd_codes: ['ATP'] },
  ]);
  assert.match(notes.join('\n'), /lower-case residues/);
});

test('unknown molecule type names the query and field', () =>
  refused(
    one([{ molecule_type: 'peptide', chain_ids: ['A'], sequence: 'MK' }]),
    /query "q1": chains\[0\]\.molecule_type: unknown molecule type "peptide"/,
  ));
test('empty sequence', () => refused(one([protein({ sequence: '' })]), /query "q1": chains\[0\]\.sequence: empty sequence/));
test('a polymer without a sequence', () =>
  refused(one([{ molecule_type: 'rna', chain_ids: ['R'] }]), /chains\[0\]\.sequence: a rna chain needs a sequence/));
test('a residue outside the alphabet names its position', () =>
  refused(
    one([{ molecule_type: 'rna', chain_ids: ['R'], sequence: 'ACGT' }]),
    /chains\[0\]\.sequence: residue 4 is "T"; a rna sequence has A, C, G, U or N/,
  ));
test('duplicate chain ids across chains', () =>
  refused(
    one([protein(), { molecule_type: 'ligand', chain_ids: ['A'], smiles: 'CCO' }]),
    /query "q1": chains\[1\]\.chain_ids: duplicate chain id "A" \(also in chains\[0\]\)/,
  ));
test('duplicate chain ids within one chain', () => refused(one([protein({ chain_ids: ['A', 'A'] })]), /duplicate chain id "A"/));
test('bad SMILES', () =>
  refused(
    one([protein(), { molecule_type: 'ligand', chain_ids: ['L'], smiles: 'C1CC' }]),
    /query "q1": chains\[1\]\.smiles: invalid SMILES "C1CC": ring bond 1/,
  ));
test('a ligand with two definitions', () =>
  refused(
    one([{ molecule_type: 'ligand', chain_ids: ['L'], smiles: 'C', ccd_codes: ['ATP'] }]),
    /exactly one of smiles, ccd_codes or sdf_file_path, got smiles and ccd_codes/,
  ));
test('SDF ligands: OpenFold3 0.5.0 raises NotImplementedError, refused up front', () =>
  refused(
    one([{ molecule_type: 'ligand', chain_ids: ['L'], sdf_file_path: 'x.sdf' }]),
    /sdf_file_path: OpenFold3 0\.5\.0 does not read SDF/,
  ));
test('several CCD codes in one ligand chain (NotImplementedError in 0.5.0)', () =>
  refused(one([{ molecule_type: 'ligand', chain_ids: ['L'], ccd_codes: ['ATP', 'MG'] }]), /one CCD code per ligand chain/));
test('an unknown chain field (OpenFold3 forbids it)', () =>
  refused(one([protein({ sequense: 'MK' })]), /chains\[0\]\.sequense: unknown field/));
test('an unknown query field (a typo OpenFold3 would ignore)', () =>
  refused(one([protein()], { use_msa: false }), /query "q1": use_msa: unknown field/));
test('a bad chain id', () =>
  refused(one([protein({ chain_ids: ['A B'] })]), /chain_ids\[0\]: chain id "A B" must be 1-4 letters or digits/));
test('no queries', () => refused({ queries: {} }, /queries: must be a non-empty object/));
test('MSA paths must exist, relative to the query file', () => {
  refused(one([protein({ main_msa_file_paths: ['msas/A'] })]), /main_msa_file_paths\[0\]: .*msas\/A: not found/);
  mkdirSync(join(dir, 'msas', 'A'), { recursive: true });
  writeFileSync(join(dir, 'msas', 'A', 'colabfold_main.a3m'), '>q\nMKTAY\n');
  const { set } = checkQuerySet(one([protein({ main_msa_file_paths: 'msas/A' })]), o);
  assert.equal(set.queries.q1.chains[0].main_msa_file_paths, [join(dir, 'msas', 'A')]);
});
test('a pocket constraint must name a ligand chain of the query', () =>
  refused(
    one([protein()], { pocket_constraint: { ligand_chain_id: 'A', pocket_residues: [['A', 1]] } }),
    /pocket_constraint\.ligand_chain_id: "A" is not a ligand chain/,
  ));
test('"seeds" at the top is noted as ignored (OpenFold3 takes seeds from its runner yaml)', () => {
  const { notes } = checkQuerySet({ seeds: [1, 2], ...one([protein()]) }, o);
  assert.match(notes.join('\n'), /"seeds" is ignored/);
});

test.run();
