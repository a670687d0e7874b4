import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { meanPlddt, parseCifPlddt, parsePdbPlddt, parsePlddt } from '../../../steps/collect/plddt.js';
import { OPENFOLD_MONOMER as EXAMPLE } from '../../helpers/fixtures.js';

const pdb = (kind: string) => readFileSync(join(EXAMPLE, 'sample_predictions', `6KWC_1_model_1_ptm_${kind}.pdb`), 'utf8');
const sequence = readFileSync(join(EXAMPLE, 'fasta_dir', '6kwc.fasta'), 'utf8')
  .split('\n')[1]
  .trim();

test("OpenFold's sample prediction: one pLDDT per residue, the CA B-factor", () => {
  const values = parsePdbPlddt(pdb('unrelaxed'));
  assert.is(values.length, sequence.length);
  assert.is(values.length, 191);
  assert.equal(values.slice(0, 4), [59.92, 69.27, 82.43, 87.99]);
  assert.is(values[190], 97.4);
  assert.ok(values.every((v) => v >= 0 && v <= 100));
  const mean = meanPlddt(values)!;
  assert.ok(mean > 50 && mean < 100, String(mean));
});

test('the relaxed structure (with hydrogens) gives the same per-residue values', () => {
  assert.equal(parsePdbPlddt(pdb('relaxed')), parsePdbPlddt(pdb('unrelaxed')));
});

test('alternate locations count once; only the first model is read', () => {
  const atom = (name: string, res: number, b: string, alt = ' ') =>
    `ATOM      1  ${name.padEnd(3)}${alt}ALA A${String(res).padStart(4)}       0.000   0.000   0.000  1.00${b.padStart(6)}           C`;
  const text = [
    'MODEL        1',
    atom('N', 1, '10.00'),
    atom('CA', 1, '11.00', 'A'),
    atom('CA', 1, '99.00', 'B'),
    atom('CA', 2, '22.50'),
    'ENDMDL',
    'MODEL        2',
    atom('CA', 3, '33.00'),
  ].join('\n');
  assert.equal(parsePdbPlddt(text), [11, 22.5]);
  assert.throws(() => parsePdbPlddt('ATOM      1  CA  ALA A   1       0.000   0.000   0.000  1.00'), /without a B-factor/);
});

test('mmCIF (--cif_output): B_iso_or_equiv of CA atoms from the _atom_site loop', () => {
  const cif = [
    'data_x',
    '#',
    'loop_',
    '_atom_site.group_PDB',
    '_atom_site.id',
    '_atom_site.label_atom_id',
    '_atom_site.label_comp_id',
    '_atom_site.label_asym_id',
    '_atom_site.label_seq_id',
    '_atom_site.B_iso_or_equiv',
    '_atom_site.pdbx_PDB_model_num',
    'ATOM 1 N GLY A 1 50.1 1',
    'ATOM 2 CA GLY A 1 50.1 1',
    'ATOM 3 CA "SER" A 2 71.25 1',
    'ATOM 4 CA ALA A 3 90.0 2',
    '#',
  ].join('\n');
  assert.equal(parseCifPlddt(cif), [50.1, 71.25]);
  assert.equal(parsePlddt('model.cif', cif), [50.1, 71.25]);
  assert.equal(parseCifPlddt('data_empty\n'), []);
});

test('the mean of nothing is null, not 0', () => {
  assert.is(meanPlddt([]), null);
  assert.is(meanPlddt([50, 100]), 75);
});

test.run();
