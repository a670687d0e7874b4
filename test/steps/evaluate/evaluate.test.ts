// `openfold-argo evaluate`: one model through the CLI, and a whole run directory (references found from the
// FASTA headers, duplicates, targets without a reference, reuse of earlier evaluations, an mmCIF complex).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../../helpers/gate.js';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI } from '../../helpers/env.js';
import { evaluateRun, evaluationFile, type TargetEvaluation } from '../../../steps/evaluate/evaluate.js';
import { referenceFromHeader } from '../../../steps/evaluate/references.js';
import { STRUCTURES, buildRun, missingEvaluatePython } from './helpers.js';

const exec = promisify(execFile);
const withPython = requires(missingEvaluatePython());
const fixture = (name: string) => join(STRUCTURES, name);

test('a CAMEO header names the reference entry and chain', () => {
  assert.equal(referenceFromHeader('Cameo_3D target id: 2022-04-09_00000025_1 | pdbid: 7ELF | chain: C'), { pdb: '7ELF', chains: ['C'] });
  assert.equal(referenceFromHeader('7elf_C some protein'), { pdb: '7ELF', chains: ['C'] });
  assert.equal(referenceFromHeader('pdbid: 2gtl'), { pdb: '2GTL', chains: [] });
  assert.is(referenceFromHeader('sp|P69905|HBA_HUMAN Hemoglobin'), null);
});

withPython('evaluate --model --reference --json prints the scores', async () => {
  const { stdout } = await exec(process.execPath, [
    CLI,
    'evaluate',
    '--model',
    fixture('1ni7_model1.pdb'),
    '--reference',
    fixture('5eep_A.pdb'),
    '--json',
  ]);
  const r = JSON.parse(stdout);
  for (const [key, value] of Object.entries({ lddt_ca: 0.7869, lddt: 0.72, tm_score: 0.8987, gdt_ts: 0.8321, rmsd_ca: 1.616 }))
    assert.ok(Math.abs(r[key] - value) < 1e-3, `${key}: ${r[key]}`);
  assert.equal(r.dockq, []);
  assert.is(r.per_residue.length, 140);
});

withPython('evaluate of a missing file exits 2 naming it', async () => {
  const err = await exec(process.execPath, [CLI, 'evaluate', '--model', '/nonexistent/m.pdb', '--reference', fixture('5eep_A.pdb')]).catch(
    (e) => e,
  );
  assert.is(err.code, 2);
  assert.is(err.stderr.trim(), 'openfold-argo evaluate: /nonexistent/m.pdb: no such file');
});

const read = (run: string, tag: string) => JSON.parse(readFileSync(evaluationFile(run, tag), 'utf8')) as TargetEvaluation;

withPython('a run: each predicted target with a reference is scored, the others say why', async () => {
  const { run, references } = buildRun();
  const summary = await evaluateRun(run, { references });
  assert.equal(summary, { evaluated: 3, reused: 0, noReference: 2, failed: 0, notPredicted: 1 });
  const csde = read(run, 'CSDE_A');
  assert.is(csde.status, 'evaluated');
  assert.equal(csde.reference?.chains, ['A']);
  assert.ok(Math.abs((csde.scores?.lddt_ca ?? 0) - 0.7869) < 1e-3);
  // the duplicate's model is its original's, scored against its own reference (1NI7 model 1 itself)
  const copy = read(run, 'CSDE_copy');
  assert.is(copy.model?.sha256, csde.model?.sha256);
  assert.is(copy.scores?.lddt_ca, 1);
  const complex = read(run, 'COMPLEX');
  assert.is(complex.scores?.dockq.length, 1);
  assert.ok(Math.abs((complex.scores?.dockq[0].dockq ?? 0) - 1) < 1e-9);
  assert.match(read(run, 'NO_HEADER_REF').reason ?? '', /names no reference/);
  assert.match(read(run, 'NOT_FETCHED').reason ?? '', /no reference file for 9XYZ/);

  const again = await evaluateRun(run, { references });
  assert.equal(again, { evaluated: 0, reused: 3, noReference: 2, failed: 0, notPredicted: 1 });
  const forced = await evaluateRun(run, { references, force: true });
  assert.is(forced.evaluated, 3);
});

withPython('evaluate RUN_DIR through the CLI, and a run without a reference folder is refused', async () => {
  const { run, references } = buildRun();
  const { stdout } = await exec(process.execPath, [CLI, 'evaluate', run, '--references', references, '--json']);
  assert.equal(JSON.parse(stdout), { evaluated: 3, reused: 0, noReference: 2, failed: 0, notPredicted: 1 });
  const err = await exec(process.execPath, [CLI, 'evaluate', run], { env: { ...process.env, OPENFOLD_ARGO_CONFIG: '{}' } }).catch((e) => e);
  assert.is(err.code, 2);
  assert.match(err.stderr, /no reference folder/);
});

test.run();
