// The OpenFold command line, flag by flag, against run_pretrained_openfold.py's argparse names.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildOpenfoldCommand,
  commandProblems,
  jaxParamsVersion,
  weightsKind,
  type OpenfoldCommandOptions,
} from '../../../steps/predict/command.js';
import { predictContract } from '../../../steps/predict/contract.js';
import { main } from '../../../cli/main.js';
import { tempDir } from '../../helpers/env.js';
import { makeWorld } from './world.js';

const base: OpenfoldCommandOptions = {
  python: '/opt/conda/bin/python3',
  openfoldDir: '/opt/openfold',
  fastaDir: '/fsx/runs/r1/predictions/c0000/b000/fasta',
  templateMmcifDir: '/fsx/databases/pdb_mmcif/mmcif_files',
  alignmentsDir: '/fsx/runs/r1/alignments',
  outputDir: '/fsx/runs/r1/predictions/c0000/b000',
  configPreset: 'model_1_ptm',
  weights: '/fsx/databases/openfold_params/finetuning_ptm_2.pt',
  maxTemplateDate: '2022-04-08',
  randomSeed: 42,
  relax: false,
  gpuClass: 'standard',
  cifOutput: false,
  saveOutputs: false,
  traceModel: false,
};

/** The value following a flag, or undefined. */
const valueOf = (argv: string[], flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);

test('GIVEN the defaults WHEN built THEN python, the script, both positionals, then the flags', () => {
  const argv = buildOpenfoldCommand(base);
  assert.equal(argv.slice(0, 4), [
    '/opt/conda/bin/python3',
    '/opt/openfold/run_pretrained_openfold.py',
    '/fsx/runs/r1/predictions/c0000/b000/fasta',
    '/fsx/databases/pdb_mmcif/mmcif_files',
  ]);
  assert.is(valueOf(argv, '--use_precomputed_alignments'), '/fsx/runs/r1/alignments');
  assert.is(valueOf(argv, '--output_dir'), '/fsx/runs/r1/predictions/c0000/b000');
  assert.is(valueOf(argv, '--model_device'), 'cuda:0');
  assert.is(valueOf(argv, '--config_preset'), 'model_1_ptm');
  assert.is(valueOf(argv, '--openfold_checkpoint_path'), '/fsx/databases/openfold_params/finetuning_ptm_2.pt');
  assert.is(valueOf(argv, '--max_template_date'), '2022-04-08');
  assert.is(valueOf(argv, '--data_random_seed'), '42');
  assert.ok(argv.includes('--skip_relaxation'));
  for (const flag of [
    '--jax_param_path',
    '--long_sequence_inference',
    '--cif_output',
    '--save_outputs',
    '--trace_model',
    '--obsolete_pdbs_path',
    '--kalign_binary_path',
  ])
    assert.not.ok(argv.includes(flag), flag);
});

test('each boolean option maps to its own flag and nothing else', () => {
  const cases: [Partial<OpenfoldCommandOptions>, string][] = [
    [{ gpuClass: 'long' }, '--long_sequence_inference'],
    [{ cifOutput: true }, '--cif_output'],
    [{ saveOutputs: true }, '--save_outputs'],
    [{ traceModel: true }, '--trace_model'],
  ];
  const plain = buildOpenfoldCommand(base);
  for (const [change, flag] of cases) {
    const argv = buildOpenfoldCommand({ ...base, ...change });
    assert.equal(argv, [...plain, flag], flag);
  }
});

test('relax on drops --skip_relaxation; seed, date, device and preset flow through', () => {
  const argv = buildOpenfoldCommand({
    ...base,
    relax: true,
    randomSeed: 7,
    maxTemplateDate: '2021-01-31',
    modelDevice: 'cuda:1',
    configPreset: 'model_3_ptm',
  });
  assert.not.ok(argv.includes('--skip_relaxation'));
  assert.is(valueOf(argv, '--data_random_seed'), '7');
  assert.is(valueOf(argv, '--max_template_date'), '2021-01-31');
  assert.is(valueOf(argv, '--model_device'), 'cuda:1');
  assert.is(valueOf(argv, '--config_preset'), 'model_3_ptm');
});

test('.npz weights go to --jax_param_path, unrenamed; .pt to --openfold_checkpoint_path', () => {
  const npz = '/fsx/databases/params/params_model_1_ptm.npz';
  const argv = buildOpenfoldCommand({ ...base, weights: npz });
  assert.is(valueOf(argv, '--jax_param_path'), npz);
  assert.not.ok(argv.includes('--openfold_checkpoint_path'));
  assert.is(weightsKind(npz), 'jax');
  assert.is(jaxParamsVersion(npz), 'model_1_ptm');
  assert.is(weightsKind(base.weights), 'openfold');
});

test('weights OpenFold would misread are refused with the reason', () => {
  assert.throws(() => weightsKind('/w/model_1_ptm.npz'), /params_<version>\.npz/);
  assert.throws(() => weightsKind('/w/a.pt,/w/b.pt'), /comma/);
  assert.throws(() => weightsKind('/w/weights.ckpt'), /\.pt .*or \.npz/);
  assert.match(commandProblems({ ...base, configPreset: 'model_1_multimer_v3' }).join(), /no \.pt checkpoints for multimer/);
  assert.match(commandProblems({ ...base, maxTemplateDate: '08/04/2022' }).join(), /YYYY-MM-DD/);
  assert.equal(commandProblems(base), []);
});

test('optional database and tool paths are passed when known', () => {
  const argv = buildOpenfoldCommand({
    ...base,
    obsoletePdbsPath: '/fsx/databases/pdb_mmcif/obsolete.dat',
    kalignBinaryPath: '/opt/conda/bin/kalign',
  });
  assert.is(valueOf(argv, '--obsolete_pdbs_path'), '/fsx/databases/pdb_mmcif/obsolete.dat');
  assert.is(valueOf(argv, '--kalign_binary_path'), '/opt/conda/bin/kalign');
});

test('the contract builds the step command line for the generator', () => {
  assert.is(predictContract.name, 'predict');
  assert.is(predictContract.image, 'openfold');
  assert.is(predictContract.resourceClass, 'gpu');
  const argv = predictContract.command({ plan: 'P', chunk: 'C', alignments: 'A', output: 'O', results: 'R', gpuClass: 'long' });
  assert.equal(argv, [
    'openfold-argo',
    'predict',
    '--plan',
    'P',
    '--chunk',
    'C',
    '--alignments',
    'A',
    '--output',
    'O',
    '--results',
    'R',
    '--gpu-class',
    'long',
  ]);
  assert.not.ok(predictContract.command({ plan: 'P', chunk: 'C', alignments: 'A', output: 'O', results: 'R' }).includes('--gpu-class'));
});

/** Runs `openfold-argo predict ARGS` in this process (as bin/openfold-argo.js does), capturing its output. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await main(['predict', ...args]);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

test('--print-command prints one JSON array per batch and runs nothing', async () => {
  const w = makeWorld({ batches: [['T1', 'T2'], ['T3']], gpu: 'long', inference: { relax: true, randomSeed: 3 } });
  const out = join(w.run, 'predictions', 'c0000');
  const r = await cli([
    '--plan',
    w.plan,
    '--chunk',
    'c0000',
    '--alignments',
    w.alignments,
    '--output',
    out,
    '--results',
    w.results,
    '--config',
    w.configFile,
    '--print-command',
  ]);
  assert.is(r.code, 0, r.stderr);
  const commands = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as string[]);
  assert.is(commands.length, 2);
  assert.is(commands[0][1], join(w.openfoldDir, 'run_pretrained_openfold.py'));
  assert.is(commands[0][2], join(out, 'b000', 'fasta'));
  assert.is(valueOf(commands[1], '--output_dir'), join(out, 'b001'));
  assert.ok(commands[0].includes('--long_sequence_inference'), 'the chunk is on the long class');
  assert.not.ok(commands[0].includes('--skip_relaxation'));
  assert.is(valueOf(commands[0], '--data_random_seed'), '3');
  // Nothing ran: no batch directory, no result.
  assert.not.ok(existsSync(out));
  assert.not.ok(existsSync(w.results));
});

test('--help prints the usage and exits 0', async () => {
  const r = await cli(['--help']);
  assert.is(r.code, 0);
  assert.match(r.stdout, /--plan RUN\/split\/plan\.json --chunk ID/);
});

test('--print-command: CLI overrides win over the config', async () => {
  const w = makeWorld({ batches: [['T1']] });
  const fastaDir = tempDir();
  writeFileSync(join(fastaDir, 'query.fasta'), '>T1 some description\nMKV\n');
  const r = await cli([
    '--fasta-dir',
    fastaDir,
    '--alignments',
    w.alignments,
    '--output',
    join(w.root, 'out'),
    '--config',
    w.configFile,
    '--max-template-date',
    '2020-05-14',
    '--openfold-dir',
    '/elsewhere/openfold',
    '--python',
    '/usr/bin/python3.10',
    '--gpu-class',
    'long',
    '--print-command',
  ]);
  assert.is(r.code, 0, r.stderr);
  const argv = JSON.parse(r.stdout) as string[];
  assert.is(argv[0], '/usr/bin/python3.10');
  assert.is(argv[1], '/elsewhere/openfold/run_pretrained_openfold.py');
  assert.is(valueOf(argv, '--max_template_date'), '2020-05-14');
  assert.ok(argv.includes('--long_sequence_inference'));
});

test('bad input is exit 2 with the file, record or flag named', async () => {
  const w = makeWorld({ batches: [['T1']] });
  const fastaDir = tempDir();
  writeFileSync(join(fastaDir, 'hb.fasta'), '>sp|P69905|HBA_HUMAN Hemoglobin alpha\nMVLS\n');
  const common = ['--alignments', w.alignments, '--output', join(w.root, 'out'), '--config', w.configFile, '--print-command'];
  const bad = await cli(['--fasta-dir', fastaDir, ...common]);
  assert.is(bad.code, 2);
  assert.match(
    bad.stderr,
    /hb\.fasta: header ">sp\|P69905\|HBA_HUMAN[^"]*": tag "sp\|P69905\|HBA_HUMAN" has characters other than letters, digits and "_" \(OpenFold would name it "sp"\)/,
  );
  const noChunk = await cli(['--plan', w.plan, '--chunk', 'c9999', '--results', w.results, ...common]);
  assert.is(noChunk.code, 2);
  assert.match(noChunk.stderr, /plan\.json: no chunk with id "c9999"/);
  const badClass = await cli(['--plan', w.plan, '--chunk', 'c0000', '--results', w.results, '--gpu-class', 'huge', ...common]);
  assert.is(badClass.code, 2);
  assert.match(badClass.stderr, /--gpu-class/);
  const badDate = await cli(['--plan', w.plan, '--chunk', 'c0000', '--results', w.results, '--max-template-date', 'yesterday', ...common]);
  assert.is(badDate.code, 2);
  assert.match(badDate.stderr, /YYYY-MM-DD/);
});

test.run();
