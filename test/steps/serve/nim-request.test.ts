// The NIM request checks of `openfold-argo serve` (pure): what becomes the OpenFold3 query, and every refusal
// naming its field with 400 or 413. The molecule checks are split's own (checkQuerySet), so the messages are too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assignChainIds, parsePredictRequest, RequestError, requestField, type ServeLimits } from '../../../steps/serve/nim-request.js';
import { redact } from '../../../steps/serve/worker.js';

const SEQ = 'MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG';
const protein = (extra: Record<string, unknown> = {}) => ({ type: 'protein', sequence: SEQ, ...extra });
const body = (molecules: unknown[], input: Record<string, unknown> = {}) => ({ inputs: [{ input_id: 'ubq', molecules, ...input }] });

function refusal(doc: unknown, limits?: ServeLimits): RequestError {
  try {
    parsePredictRequest(doc, limits);
  } catch (e) {
    if (e instanceof RequestError) return e;
    throw e;
  }
  throw new Error('accepted');
}

test('a NIM request becomes one OpenFold3 query: chains in order, ids assigned around given ones, MSAs under OpenFold3 names', () => {
  const a3m = `>query\n${SEQ}\n>hit\n${SEQ.toLowerCase()}\n`;
  const input = parsePredictRequest({
    request_id: 'r-1',
    inputs: [
      {
        input_id: 'complex',
        output_format: 'pdb',
        diffusion_samples: 2,
        molecules: [
          protein({
            msa: { main: { a3m: { alignment: a3m, format: 'a3m' } }, uniref90_hits: { sto: { alignment: '# STOCKHOLM 1.0\n//\n' } } },
          }),
          { type: 'protein', id: 'A', sequence: 'GSHM' },
          { type: 'ligand', ccd_codes: 'ATP' },
          { type: 'ligand', smiles: 'CC(=O)O' },
          { type: 'dna', sequence: 'acgt' },
        ],
      },
    ],
  });
  assert.is(input.requestId, 'r-1');
  assert.is(input.inputId, 'complex');
  assert.is(input.outputFormat, 'pdb');
  assert.is(input.diffusionSamples, 2);
  assert.equal(
    input.chains.map((c) => [c.molecule_type, c.chain_ids]),
    [
      ['protein', ['B']],
      ['protein', ['A']],
      ['ligand', ['C']],
      ['ligand', ['D']],
      ['dna', ['E']],
    ],
  );
  assert.is(input.chains[4].sequence, 'ACGT', "split's code upper-cases residues");
  assert.equal(input.chains[0].main_msa_file_paths, ['msas/m0']);
  assert.equal(
    input.msaFiles.map((f) => f.path),
    ['msas/m0/uniref90_hits.sto', 'msas/m0/colabfold_main.a3m', 'msas/m1/colabfold_main.a3m'],
  );
  assert.is(input.msaFiles[1].text, a3m, 'a main MSA under another name is the ColabFold main MSA');
  assert.is(input.msaFiles[2].text, '>query\nGSHM\n', 'a protein without MSA gets its single sequence');
  assert.equal(input.chains[2].ccd_codes, ['ATP']);
  assert.ok(input.tokens > SEQ.length);
});

test('bad inputs get 400 naming the field as the request spells it', () => {
  const cases: [unknown, string, RegExp][] = [
    [[], 'body', /JSON object/],
    [{ inputs: [] }, 'inputs', /exactly one/],
    [{ inputs: [{ molecules: [protein()] }], extra: 1 }, 'extra', /unknown field/],
    [body([protein()], { output_format: 'mmcif' }), 'inputs[0].output_format', /cif/],
    [body([protein()], { diffusion_samples: 6 }), 'inputs[0].diffusion_samples', /1 to 5/],
    [body([protein()], { input_id: '../etc/passwd' }), 'inputs[0].input_id', /letters/],
    [body([]), 'inputs[0].molecules', /non-empty/],
    [body([protein(), { type: 'peptide', sequence: 'AAA' }]), 'inputs[0].molecules[1].type', /protein, dna, rna or ligand/],
    [body([protein({ sequence: 'MKV1' })]), 'inputs[0].molecules[0].sequence', /residue 4/],
    [body([{ type: 'ligand', smiles: 'C1CC' }]), 'inputs[0].molecules[0].smiles', /invalid SMILES/],
    [body([{ type: 'ligand', smiles: 'CC', ccd_codes: 'ATP' }]), 'inputs[0].molecules[0]', /exactly one of smiles, ccd_codes/],
    [body([{ type: 'ligand', ccd_codes: 'atp;rm' }]), 'inputs[0].molecules[0].ccd_codes[0]', /./],
    [body([protein({ id: 'A/B' })]), 'inputs[0].molecules[0].id', /1-4 letters/],
    [body([protein({ id: 'A' }), protein({ id: 'A' })]), 'inputs[0].molecules[1].id', /./],
    [body([protein({ msa: { main: { hhr: { alignment: 'x' } } } })]), 'inputs[0].molecules[0].msa.main.hhr', /a3m and sto/],
    [body([protein({ msa: { main: { a3m: { alignment: '' } } } })]), 'inputs[0].molecules[0].msa.main.a3m.alignment', /non-empty/],
    [
      body([{ type: 'dna', sequence: 'ACGT', msa: { main: { a3m: { alignment: '>q\nACGT' } } } }]),
      'inputs[0].molecules[0].msa',
      /takes no MSA/,
    ],
    [body([protein({ color: 'red' })]), 'inputs[0].molecules[0].color', /unknown field/],
  ];
  for (const [doc, field, problem] of cases) {
    const e = refusal(doc);
    assert.is(e.status, 400, `${field}: ${e.message}`);
    assert.is(e.field, field, e.message);
    assert.match(e.message, problem);
  }
});

test('limits: an over-long sequence, too many tokens or molecules get 413 naming the field', () => {
  const limits: ServeLimits = { maxBodyBytes: 1000, maxSequenceLength: 50, maxTokens: 60, maxMolecules: 2 };
  const long = refusal(body([{ type: 'protein', sequence: 'GSHM' }, protein()]), limits);
  assert.equal([long.status, long.field], [413, 'inputs[0].molecules[1].sequence']);
  assert.match(long.message, /76 residues; this server takes at most 50/);
  const tokens = refusal(body([protein({ sequence: SEQ.slice(0, 40) }), protein({ sequence: SEQ.slice(0, 40) })]), limits);
  assert.equal([tokens.status, tokens.field], [413, 'inputs[0].molecules']);
  assert.match(tokens.message, /80 OpenFold3 tokens/);
  const many = refusal(body([protein(), protein(), protein()]), limits);
  assert.equal([many.status, many.field], [413, 'inputs[0].molecules']);
});

test("split's field names map to the request's", () => {
  assert.is(requestField('chains[3].sequence'), 'inputs[0].molecules[3].sequence');
  assert.is(requestField('chains[0].molecule_type'), 'inputs[0].molecules[0].type');
  assert.is(requestField('chains[1].chain_ids[0]'), 'inputs[0].molecules[1].id');
  assert.equal(assignChainIds([undefined, ['A'], undefined, ['C', 'D']]), [['B'], ['A'], ['E'], ['C', 'D']]);
});

test('redact: sequences (8+ capitals) and the strings in flight never reach a log line', () => {
  assert.is(redact(`KeyError: ${SEQ} not found`), `KeyError: <redacted ${SEQ.length}> not found`);
  assert.is(redact('INFO loading weights from /ck.pt'), 'INFO loading weights from /ck.pt');
  assert.is(redact('bad smiles CC(=O)Oc1ccccc1 here', ['CC(=O)Oc1ccccc1']), 'bad smiles <redacted 15> here');
});

test.run();
