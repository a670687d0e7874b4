// `openfold-argo predict --print-command` for both models: the command each batch would run, nothing run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, tempDir } from '../../helpers/env.js';

const dir = tempDir('ofa-print-');
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

test('openfold3: one run_openfold argv per batch from a plan; the checkpoint, runner yaml and MSA server flag', () => {
  const config = join(dir, 'of3.json');
  writeFileSync(
    config,
    JSON.stringify({
      model: 'openfold3',
      volume: { mountPath: dir },
      openfold3: { runtime: { runOpenfold: '/opt/of3/bin/run_openfold' } },
    }),
  );
  writeFileSync(
    join(dir, 'q.json'),
    JSON.stringify({ queries: { q1: { chains: [{ molecule_type: 'protein', chain_ids: ['A'], sequence: 'MKTAY' }] } } }),
  );
  const split = cli('split', join(dir, 'q.json'), '--out', join(dir, 'run', 'split'), '--config', config);
  assert.is(split.status, 0, split.stderr);
  const r = cli(
    'predict',
    '--config',
    config,
    '--plan',
    join(dir, 'run', 'split', 'plan.json'),
    '--chunk',
    'c0000',
    '--alignments',
    join(dir, 'run', 'alignments'),
    '--output',
    join(dir, 'run', 'predictions', 'c0000'),
    '--results',
    join(dir, 'run', 'results'),
    '--print-command',
  );
  assert.is(r.status, 0, r.stderr);
  const argv = JSON.parse(r.stdout.trim()) as string[];
  assert.equal(argv.slice(0, 4), [
    '/opt/of3/bin/run_openfold',
    'predict',
    '--query_json',
    join(dir, 'run', 'predictions', 'c0000', 'b000', 'attempt', 'query.json'),
  ]);
  assert.equal(argv.slice(argv.indexOf('--inference_ckpt_path'), argv.indexOf('--inference_ckpt_path') + 2), [
    '--inference_ckpt_path',
    join(dir, 'databases', 'openfold3_params', 'of3-ob-2025-06-30-174k.pt'),
  ]);
  assert.equal(argv.slice(argv.indexOf('--use_msa_server'), argv.indexOf('--use_msa_server') + 2), ['--use_msa_server', 'false']);
  assert.equal(argv.slice(argv.indexOf('--num_diffusion_samples'), argv.indexOf('--num_diffusion_samples') + 2), [
    '--num_diffusion_samples',
    '5',
  ]);
  assert.not.ok(existsSync(join(dir, 'run', 'results')), 'nothing run, nothing written');
});

test('openfold: one run_pretrained_openfold.py argv per batch (unchanged)', () => {
  const config = join(dir, 'of.json');
  writeFileSync(
    config,
    JSON.stringify({ volume: { mountPath: dir }, inference: { runtime: { openfoldDir: '/opt/openfold', python: 'python3' } } }),
  );
  mkdirSync(join(dir, 'fasta'), { recursive: true });
  writeFileSync(join(dir, 'fasta', 'T1.fasta'), '>T1\nMKTAY\n');
  const r = cli(
    'predict',
    '--config',
    config,
    '--fasta-dir',
    join(dir, 'fasta'),
    '--alignments',
    join(dir, 'al'),
    '--output',
    join(dir, 'out'),
    '--print-command',
  );
  assert.is(r.status, 0, r.stderr);
  const argv = JSON.parse(r.stdout.trim()) as string[];
  assert.equal(argv.slice(0, 2), ['python3', '/opt/openfold/run_pretrained_openfold.py']);
  assert.ok(argv.includes('--use_precomputed_alignments'));
});

test.run();
