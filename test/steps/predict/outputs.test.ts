// Parsing OpenFold's real outputs (sample predictions of OpenFold's monomer example), its output naming, its
// timings.json and its log lines.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { failureReason, summariseLog } from '../../../steps/predict/log.js';
import { readInferenceTimes, targetOutputs } from '../../../steps/predict/outputs.js';
import { meanPlddt, parsePlddt } from '../../../steps/collect/plddt.js';
import { openfoldTagOf, tagProblem } from '../../../steps/predict/tags.js';
import { tempDir } from '../../helpers/env.js';
import { RELAXED_PDB, UNRELAXED_PDB } from './world.js';

/** Independent of the parser: whitespace-split CA lines (fine for this file's regular columns). */
function caBFactors(text: string): number[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('ATOM') && l.split(/\s+/)[2] === 'CA')
    .map((l) => Number(l.trim().split(/\s+/)[10]));
}

// predict reads pLDDT with the collect step's parser (steps/collect/plddt.ts); these check it on OpenFold's real
// sample predictions, as predict uses it.
test('unrelaxed sample: one pLDDT per residue, mean matches an independent computation', () => {
  const text = readFileSync(UNRELAXED_PDB, 'utf8');
  const values = parsePlddt(UNRELAXED_PDB, text);
  const expected = caBFactors(text);
  assert.is(expected.length, 191, '6KWC_1 has 191 residues');
  assert.equal(values, expected);
  const mean = expected.reduce((s, v) => s + v, 0) / expected.length;
  assert.ok(Math.abs((meanPlddt(values) as number) - mean) < 1e-9);
  // Plausible for a confident OpenFold model of a well-aligned target.
  assert.ok(mean > 70 && mean < 100, `mean pLDDT ${mean}`);
  assert.is(values[0], 59.92);
  assert.is(values[190], 97.4);
});

test('relaxed sample (with hydrogens, no MODEL record) gives the same per-residue pLDDT', () => {
  assert.equal(parsePlddt(RELAXED_PDB, readFileSync(RELAXED_PDB, 'utf8')), parsePlddt(UNRELAXED_PDB, readFileSync(UNRELAXED_PDB, 'utf8')));
});

test('output names follow OpenFold: predictions/<tag>_<preset>_(un)relaxed.pdb, .cif, postfix, multi-model', () => {
  const n = { outputDir: '/o/b000', configPreset: 'model_1_ptm', cifOutput: false };
  assert.equal(targetOutputs('6KWC_1', n), {
    unrelaxed: '/o/b000/predictions/6KWC_1_model_1_ptm_unrelaxed.pdb',
    relaxed: '/o/b000/predictions/6KWC_1_model_1_ptm_relaxed.pdb',
    outputDict: '/o/b000/predictions/6KWC_1_model_1_ptm_output_dict.pkl',
  });
  assert.is(targetOutputs('T', { ...n, cifOutput: true }).unrelaxed, '/o/b000/predictions/T_model_1_ptm_unrelaxed.cif');
  assert.is(targetOutputs('T', { ...n, outputPostfix: 'x' }).relaxed, '/o/b000/predictions/T_model_1_ptm_x_relaxed.pdb');
  assert.is(
    targetOutputs('T', { ...n, multipleModelName: 'finetuning_ptm_2' }).unrelaxed,
    '/o/b000/predictions/finetuning_ptm_2/T_model_1_ptm_unrelaxed.pdb',
  );
});

test('timings.json: inference seconds per tag; the relaxation entry and junk are ignored', () => {
  const dir = tempDir();
  assert.is(readInferenceTimes(dir).size, 0);
  writeFileSync(join(dir, 'timings.json'), JSON.stringify({ A: { inference: 12.5 }, B: { inference: 'x' }, relaxation: 3.1 }));
  assert.equal([...readInferenceTimes(dir)], [['A', 12.5]]);
  mkdirSync(join(dir, 'bad'));
  writeFileSync(join(dir, 'bad', 'timings.json'), '{');
  assert.is(readInferenceTimes(join(dir, 'bad')).size, 0);
});

test('tags: OpenFold cuts headers at the first non-word character; only whole tags are safe', () => {
  assert.is(openfoldTagOf('sp|P69905|HBA_HUMAN Hemoglobin'), 'sp');
  assert.is(openfoldTagOf('sp|P68871|HBB_HUMAN'), 'sp');
  assert.is(openfoldTagOf('6KWC_1 description'), '6KWC_1');
  assert.is(openfoldTagOf('7ELF-C'), '7ELF');
  assert.is(tagProblem('7ELF_C'), null);
  assert.match(String(tagProblem('7ELF-C')), /OpenFold would name it "7ELF"/);
  assert.match(String(tagProblem('')), /empty/);
  assert.match(String(tagProblem('A'.repeat(121))), /longer than 120/);
});

const OOM_LOG = `INFO:/opt/openfold/run_pretrained_openfold.py:Using precomputed alignments for T1 at /fsx/a...
INFO:/opt/openfold/openfold/utils/script_utils.py:Running inference for T1...
INFO:/opt/openfold/openfold/utils/script_utils.py:Inference time: 41.2
INFO:/opt/openfold/run_pretrained_openfold.py:Output written to /o/predictions/T1_model_1_ptm_unrelaxed.pdb...
INFO:/opt/openfold/run_pretrained_openfold.py:Using precomputed alignments for T2 at /fsx/a...
INFO:/opt/openfold/openfold/utils/script_utils.py:Running inference for T2...
Traceback (most recent call last):
  File "/opt/openfold/run_pretrained_openfold.py", line 498, in <module>
    main(args)
torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 GiB. GPU 0 has a total capacity of 14.75 GiB`;

test('log: the current target, CUDA OOM and the closing exception line are found', () => {
  const s = summariseLog(OOM_LOG);
  assert.equal(s.started, ['T1', 'T2']);
  assert.is(s.currentTag, 'T2');
  assert.ok(s.cudaOom);
  assert.match(String(s.lastException), /^torch\.OutOfMemoryError: CUDA out of memory/);
  assert.is(failureReason(s, { code: 1, signal: null }), 'CUDA out of memory');
  const older = summariseLog('RuntimeError: CUDA error: out of memory\n');
  assert.ok(older.cudaOom);
  const plain = summariseLog(OOM_LOG.replace(/torch\.OutOfMemoryError.*$/, 'ValueError: bad template hit'));
  assert.not.ok(plain.cudaOom);
  assert.is(failureReason(plain, { code: 1, signal: null }), 'OpenFold exited with code 1: ValueError: bad template hit');
  assert.is(failureReason(summariseLog(''), { code: null, signal: 'SIGKILL' }), 'OpenFold was killed by SIGKILL');
});

test.run();
