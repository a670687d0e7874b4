// Shared by the evaluate tests: fixture paths and the gate for the evaluate step's Python environment.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../../helpers/env.js';
import { evaluatePython } from '../../../steps/evaluate/python-env.js';

export const STRUCTURES = join(ROOT, 'test', 'fixtures', 'structures');

/** null when the venv is there; otherwise a skip reason (requires() turns it into a skip, or a failure under CI=true). */
export function missingEvaluatePython(): string | null {
  try {
    evaluatePython();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

const fixture = (name: string) => join(STRUCTURES, name);
/** Mean pLDDT the stand-in results claim (test data: no model was predicted). */
const PLDDT: Record<string, number> = { CSDE_A: 81.5, COMPLEX: 92.25, NO_HEADER_REF: 70, NOT_FETCHED: 60 };

/**
 * A run directory as the steps leave it, with deposited structures standing in for predictions: CSDE_A (model
 * 1NI7 NMR model 1, reference 5EEP), its duplicate CSDE_copy (reference 1NI7), COMPLEX (an mmCIF model of
 * 2GTL A/D), two predicted targets without a reference file or header, one failed target.
 */
export function buildRun(): { run: string; references: string } {
  const run = tempDir('ofa-evaluate-');
  const references = join(run, '..', `${run.split('/').pop()}-references`);
  mkdirSync(references, { recursive: true });
  copyFileSync(fixture('5eep_A.pdb'), join(references, '5eep.pdb'));
  copyFileSync(fixture('1ni7_model1.pdb'), join(references, '1ni7.pdb'));
  copyFileSync(fixture('2gtl_AD.cif'), join(references, '2gtl.cif'));
  const targets = [
    { tag: 'CSDE_A', header: 'Cameo_3D target id: 2015-10-24_00000001_1 | pdbid: 5EEP | chain: A', length: 149, sha256: 'a' },
    {
      tag: 'CSDE_copy',
      header: 'Cameo_3D target id: 2003-01-04_00000002_1 | pdbid: 1NI7 | chain: A',
      length: 149,
      sha256: 'a',
      duplicateOf: 'CSDE_A',
    },
    { tag: 'COMPLEX', header: 'pdbid: 2GTL', length: 287, sha256: 'b' },
    { tag: 'NO_HEADER_REF', header: 'my favourite protein', length: 149, sha256: 'c' },
    { tag: 'NOT_FETCHED', header: 'pdbid: 9XYZ | chain: A', length: 149, sha256: 'd' },
    { tag: 'FAILED', header: 'pdbid: 5EEP | chain: A', length: 149, sha256: 'e' },
  ];
  mkdirSync(join(run, 'split'), { recursive: true });
  writeFileSync(join(run, 'split', 'manifest.json'), JSON.stringify({ targets }));
  const predicted = (tag: string, model: string, name: string) => {
    mkdirSync(join(run, 'predictions', 'c0000'), { recursive: true });
    copyFileSync(fixture(model), join(run, 'predictions', 'c0000', name));
    mkdirSync(join(run, 'results', tag), { recursive: true });
    writeFileSync(
      join(run, 'results', tag, 'result.json'),
      JSON.stringify({
        version: 1,
        tag,
        status: 'predicted',
        meanPlddt: PLDDT[tag],
        configPreset: 'model_1_ptm',
        checkpoint: 'openfold_params/finetuning_ptm_2.pt',
        maxTemplateDate: '2022-04-22',
        files: { unrelaxed: `predictions/c0000/${name}` },
      }),
    );
  };
  predicted('CSDE_A', '1ni7_model1.pdb', 'CSDE_A_unrelaxed.pdb');
  predicted('COMPLEX', '2gtl_AD.cif', 'COMPLEX_unrelaxed.cif'); // an mmCIF model, as OpenFold3 writes
  predicted('NO_HEADER_REF', '1ni7_model1.pdb', 'NO_HEADER_REF_unrelaxed.pdb');
  predicted('NOT_FETCHED', '1ni7_model1.pdb', 'NOT_FETCHED_unrelaxed.pdb');
  mkdirSync(join(run, 'results', 'FAILED'), { recursive: true });
  writeFileSync(join(run, 'results', 'FAILED', 'result.json'), JSON.stringify({ version: 1, tag: 'FAILED', status: 'failed', files: {} }));
  return { run, references };
}
