// `openfold-argo estimate` and the estimate the split step leaves in the run, as a user runs them (CLI processes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, tempDir } from '../helpers/env.js';
import { EXAMPLES_DIR, resolveConfig } from '../../generators/config/load.js';
import { targetsOf, writeSyntheticRun } from '../estimate/synthetic-run.js';

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const dir = tempDir('ofa-cli-estimate-');
const FASTA = join(dir, 'targets.fasta');
writeFileSync(
  FASTA,
  '>a one\nMKTAYIAKQRQISFVKSHFSRQ\n>b two\n' + 'ACDEFGHIKLMNPQRSTVWY'.repeat(60) + '\n>c same as a\nMKTAYIAKQRQISFVKSHFSRQ\n',
);

test('estimate --json: the figures scripts read', () => {
  const r = cli(['estimate', FASTA, '--json', '--align-mode', 'mmseqs']);
  assert.is(r.code, 0, r.stderr);
  const { estimate } = JSON.parse(r.stdout);
  for (const k of ['makespanHours', 'cpuHours', 'gpuHours', 'perStructureUsd', 'fsxUsd']) assert.ok(k in estimate, k);
  assert.ok(estimate.costUsd.onDemand > estimate.costUsd.spot && estimate.costUsd.spot > 0);
  assert.equal(Object.keys(estimate.stages), ['split', 'align', 'predict', 'collect']);
  assert.is(estimate.alignMode, 'mmseqs');
  assert.is(estimate.targets, 3);
  assert.is(estimate.uniqueTargets, 2);
  // The 1 200-residue target is alone on the long class.
  assert.equal(estimate.chunks, { standard: 1, long: 1 });
});

test('estimate: the table for people, with the cluster file, and bad input as one line', () => {
  const r = cli(['estimate', FASTA, '--cluster', join(EXAMPLES_DIR, 'eksctl-cluster.yaml')]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /stage\s+starts\s+ends\s+wall\s+pods\s+CPU-h\s+GPU-h\s+on-demand\s+spot/);
  assert.match(r.stdout, /per structure/);
  assert.match(r.stdout, `nodes from ${join(EXAMPLES_DIR, 'eksctl-cluster.yaml')}`);
  assert.match(r.stdout, 'time model: published defaults');
  const missing = cli(['estimate', join(dir, 'nope.fasta')]);
  assert.is(missing.code, 2);
  assert.is(missing.stderr.trim(), `openfold-argo estimate: ${join(dir, 'nope.fasta')}: FASTA file not found`);
  const mode = cli(['estimate', FASTA, '--align-mode', 'fast']);
  assert.is(mode.code, 2);
  assert.match(mode.stderr, '--align-mode: expected full_dbs or mmseqs, got "fast"');
});

test('estimate --calibrate: the fit, how well it fits, the block to keep; with FASTA the estimate uses it', () => {
  const config = resolveConfig({});
  const truth = { podStartSeconds: { align: 10, predict: 20, long: 20, light: 1 }, dispatchSeconds: 2 };
  const runs = join(dir, 'runs');
  writeSyntheticRun(join(runs, 'r1'), targetsOf(6, 1), config, truth);
  writeSyntheticRun(join(runs, 'r2'), targetsOf(9, 2), config, truth);
  const r = cli(['estimate', '--calibrate', join(runs, 'r1'), join(runs, 'r2'), FASTA]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'calibration on 2 run(s)');
  assert.match(r.stdout, /align target \(full_dbs\)\s+\d+\s+1\.000\s+0\.0 %/);
  assert.match(r.stdout, 'each run replayed with a model fitted on the other runs');
  assert.match(r.stdout, 'cost:\n  timeModel:\n');
  assert.match(r.stdout, 'time model: calibrated (cost.timeModel)');
  // A directory of runs works too.
  const json = JSON.parse(cli(['estimate', '--calibrate', runs, '--json']).stdout);
  assert.is(json.calibration.runs, 2);
  assert.is(json.estimate, undefined);
  assert.is(cli(['estimate', '--calibrate', dir]).code, 2);
});

test('split writes the run estimate for the align mode it is given, and records its own run time', () => {
  const run = join(dir, 'run');
  // As the workflow starts it: the config in $OPENFOLD_ARGO_CONFIG (JSON, here the defaults).
  const r = cli(['split', FASTA, '--out', join(run, 'split'), '--align-mode', 'mmseqs'], { OPENFOLD_ARGO_CONFIG: '{}' });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^estimate: 3 targets, mmseqs: makespan/m);
  const e = JSON.parse(readFileSync(join(run, 'split', 'estimate.json'), 'utf8'));
  assert.is(e.alignMode, 'mmseqs');
  assert.is(e.version, 1);
  const usage = readdirSync(join(run, 'usage'));
  assert.is(usage.length, 1);
  const record = JSON.parse(readFileSync(join(run, 'usage', usage[0]), 'utf8'));
  assert.is(record.step, 'split');
  assert.is(record.exitCode, 0);
  // A split outside a run directory (not RUN/split), or run by hand (no $OPENFOLD_ARGO_CONFIG), records nothing.
  assert.is(cli(['split', FASTA, '--out', join(dir, 'loose')], { OPENFOLD_ARGO_CONFIG: '{}' }).code, 0);
  assert.not.ok(existsSync(join(dir, 'usage')));
  assert.is(cli(['split', FASTA, '--out', join(dir, 'by-hand', 'split')]).code, 0);
  assert.not.ok(existsSync(join(dir, 'by-hand', 'usage')));
});

test.run();
