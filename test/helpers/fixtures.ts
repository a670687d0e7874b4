// The committed test fixtures (test/fixtures/, sources and licences in PROVENANCE.md there).
import { join } from 'node:path';
import { ROOT } from './env.js';

export const FIXTURES = join(ROOT, 'test', 'fixtures');
/** The 92 CAMEO targets, byte for byte the file cameo/targets.ts pins by sha256. */
export const CAMEO_FASTA = join(FIXTURES, 'cameo', 'cameo_protein_targets.fasta');
/** OpenFold's tests/test_data/alignments: jackhmmer, hhblits and hhsearch outputs. */
export const OPENFOLD_TEST_ALIGNMENTS = join(FIXTURES, 'openfold', 'test_data', 'alignments');
/** OpenFold's examples/monomer (6KWC_1): fasta_dir/, alignments/6KWC_1/ (cut to 100 sequences), sample_predictions/. */
export const OPENFOLD_MONOMER = join(FIXTURES, 'openfold', 'monomer');
