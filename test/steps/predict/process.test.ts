// The predict step around a real process: the OpenFold TEST DOUBLE (test/doubles/run_pretrained_openfold_double.py)
// stands in for run_pretrained_openfold.py with the same argparse flags and output layout. Exit codes, CUDA OOM,
// a failing target among good ones, signals, resume, and the no-runtime path.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { recordFile } from '../../../steps/align/files.js';
import { predict, type PredictOptions } from '../../../steps/predict/predict.js';
import type { PredictResult } from '../../../steps/predict/result.js';
import { chunkTargetsFromPlan } from '../../../steps/predict/targets.js';
import { CLI, missingTools } from '../../helpers/env.js';
import { requires } from '../../helpers/gate.js';
import { makeWorld, UNRELAXED_PDB, type World } from './world.js';

const skip = missingTools(['python3'], 'apt-get install python3');
const it = requires(skip);

const UNRELAXED_MEAN = 97.4712;

function options(w: World, extra: Record<string, string> = {}, more: Partial<PredictOptions> = {}): PredictOptions {
  const planned = chunkTargetsFromPlan(w.plan, 'c0000');
  const sink = new PassThrough();
  sink.resume();
  return {
    config: w.config,
    chunk: 'c0000',
    batches: planned.batches,
    alignmentsDir: w.alignments,
    outputDir: join(w.run, 'predictions', 'c0000'),
    resultsDir: w.results,
    gpuClass: planned.gpu,
    env: w.env(extra),
    openfoldOutput: sink,
    note: () => undefined,
    print: () => undefined,
    ...more,
  };
}

const result = (w: World, tag: string) => JSON.parse(readFileSync(join(w.results, tag, 'result.json'), 'utf8')) as PredictResult;

it('a batch predicts every target: result.json with pLDDT, OpenFold timing and RUN-relative files', async () => {
  const w = makeWorld({ batches: [['T1', 'T2', 'T3']] });
  const argvLog = join(w.root, 'argv.jsonl');
  const out = await predict(options(w, { OPENFOLD_DOUBLE_ARGV_LOG: argvLog }));
  assert.is(out.exitCode, 0);
  const runs = readFileSync(argvLog, 'utf8').trim().split('\n');
  assert.is(runs.length, 1, 'one model load for the batch');
  for (const tag of ['T1', 'T2', 'T3']) {
    const r = result(w, tag);
    assert.is(r.status, 'predicted');
    assert.is(r.version, 1);
    assert.is(r.chunk, 'c0000');
    assert.is(r.gpuClass, 'standard');
    assert.is(r.configPreset, 'model_1_ptm');
    assert.is(r.files.unrelaxed, `predictions/c0000/b000/predictions/${tag}_model_1_ptm_unrelaxed.pdb`);
    assert.is(r.files.relaxed, undefined);
    assert.ok(existsSync(join(w.run, r.files.unrelaxed as string)));
    assert.is(r.meanPlddt, UNRELAXED_MEAN);
    assert.is(r.plddt?.length, 191);
    const timings = JSON.parse(readFileSync(join(w.run, 'predictions', 'c0000', 'b000', 'timings.json'), 'utf8')) as Record<
      string,
      { inference: number }
    >;
    assert.is(r.predictSeconds, timings[tag].inference);
    assert.ok(!Number.isNaN(Date.parse(r.completedAt)));
  }
  // The batch FASTA headers are the tags exactly; the OpenFold log is kept next to the outputs.
  assert.is(readFileSync(join(w.run, 'predictions', 'c0000', 'b000', 'fasta', 'T2.fasta'), 'utf8').split('\n')[0], '>T2');
  assert.match(readFileSync(join(w.run, 'predictions', 'c0000', 'b000', 'openfold.log'), 'utf8'), /Running inference for T3/);
});

it('relax on: the relaxed model is recorded too', async () => {
  const w = makeWorld({ batches: [['T1']], inference: { relax: true } });
  const out = await predict(options(w));
  assert.is(out.exitCode, 0);
  assert.is(result(w, 'T1').files.relaxed, 'predictions/c0000/b000/predictions/T1_model_1_ptm_relaxed.pdb');
});

it('one target fails: it is reported with its error, the others of its batch are still predicted', async () => {
  const w = makeWorld({ batches: [['T1', 'T2', 'T3']] });
  const argvLog = join(w.root, 'argv.jsonl');
  // T2 is the middle length: OpenFold sorts by length, so T3 (shortest) succeeds before it and T1 after.
  const out = await predict(options(w, { OPENFOLD_DOUBLE_FAIL_TAGS: 'T2', OPENFOLD_DOUBLE_ARGV_LOG: argvLog }));
  assert.is(out.exitCode, 0);
  assert.is(result(w, 'T1').status, 'predicted');
  assert.is(result(w, 'T3').status, 'predicted');
  const t2 = result(w, 'T2');
  assert.is(t2.status, 'failed');
  assert.is(t2.reason, 'OpenFold exited with code 1: ValueError: Could not parse the template hits of T2 (test double)');
  assert.is(t2.meanPlddt, undefined);
  assert.equal(t2.files, {});
  // The rerun held only the target OpenFold had not reached.
  assert.is(readFileSync(argvLog, 'utf8').trim().split('\n').length, 2, 'one rerun, for the targets after T2');
  assert.ok(existsSync(join(w.run, 'predictions', 'c0000', 'b000', 'fasta', 'T1.fasta')));
  assert.not.ok(existsSync(join(w.run, 'predictions', 'c0000', 'b000', 'fasta', 'T2.fasta')));
});

it('a target without alignments fails without running OpenFold for it', async () => {
  const w = makeWorld({ batches: [['T1', 'T2']] });
  rmSync(join(w.alignments, 'T1'), { recursive: true });
  const out = await predict(options(w));
  assert.is(out.exitCode, 0);
  assert.match(String(result(w, 'T1').reason), /no alignments at .*alignments\/T1/);
  assert.is(result(w, 'T2').status, 'predicted');
});

it('an alignment that changed after align recorded it (truncated): the target fails naming the file; OpenFold never reads it', async () => {
  const w = makeWorld({ batches: [['T1', 'T2']] });
  const dir = join(w.alignments, 'T1');
  const searches = [];
  for (const output of readdirSync(dir))
    searches.push({ name: output, output, ...(await recordFile(join(dir, output))), flags: [], seconds: 1, depth: 1, exitCode: 0 });
  const manifest = {
    version: 2,
    tag: 'T1',
    sequenceSha256: '',
    mode: 'full_dbs',
    tools: {},
    databases: [],
    searches,
    msaDepth: {},
    wallSeconds: 1,
    cached: false,
    completedAt: '2024-01-01T00:00:00.000Z',
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  truncateSync(join(dir, searches[0].output), 0);
  const out = await predict(options(w));
  assert.is(out.exitCode, 0);
  assert.is(result(w, 'T1').status, 'failed');
  assert.match(
    String(result(w, 'T1').reason),
    `changed since they were aligned (${searches[0].output}: size 0 bytes, recorded ${searches[0].size})`,
  );
  assert.is(result(w, 'T2').status, 'predicted');
});

it("the same error on the first target of two runs in a row stops the batch (not the targets' fault)", async () => {
  const w = makeWorld({ batches: [['T1', 'T2', 'T3', 'T4']] });
  const argvLog = join(w.root, 'argv.jsonl');
  const out = await predict(options(w, { OPENFOLD_DOUBLE_FAIL_TAGS: 'T1,T2,T3,T4', OPENFOLD_DOUBLE_ARGV_LOG: argvLog }));
  assert.is(out.exitCode, 1);
  assert.is(readFileSync(argvLog, 'utf8').trim().split('\n').length, 2, 'two model loads, not four');
  // OpenFold goes shortest first: T4, then T3; both fail the same way, so T2 and T1 are not attempted.
  assert.equal(
    ['T4', 'T3', 'T2', 'T1'].map((t) => result(w, t).status),
    ['failed', 'failed', 'not_run', 'not_run'],
  );
  assert.match(
    String(result(w, 'T1').reason),
    /^not run: the targets before it in batch 0 failed the same way: OpenFold exited with code 1: ValueError/,
  );
});

function cli(w: World, extra: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        CLI,
        'predict',
        '--plan',
        w.plan,
        '--chunk',
        'c0000',
        '--alignments',
        w.alignments,
        '--output',
        join(w.run, 'predictions', 'c0000'),
        '--results',
        w.results,
        '--config',
        w.configFile,
        ...args,
      ],
      { env: w.env(extra) },
      (error, _stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
    );
  });
}

it('CUDA out of memory: exit 86, finished targets kept, the OOM target failed, the rest not run', async () => {
  const w = makeWorld({ batches: [['T1', 'T2', 'T3'], ['T4']] });
  const r = await cli(w, { OPENFOLD_DOUBLE_OOM_TAG: 'T2' });
  assert.is(r.code, 86, r.stderr);
  assert.match(r.stderr, /torch\.OutOfMemoryError: CUDA out of memory/, 'OpenFold output is streamed to the log');
  assert.is(result(w, 'T3').status, 'predicted');
  assert.equal([result(w, 'T2').status, result(w, 'T2').reason], ['failed', 'CUDA out of memory']);
  assert.equal([result(w, 'T1').status, result(w, 'T1').reason], ['not_run', 'not run: CUDA out of memory on T2 stopped batch 0']);
  assert.is(result(w, 'T4').status, 'predicted', 'the next batch still ran on this GPU');

  // The retry on the long class resumes: only T1 and T2 are predicted again.
  const argvLog = join(w.root, 'argv.jsonl');
  const retry = await cli(w, { OPENFOLD_DOUBLE_ARGV_LOG: argvLog }, ['--gpu-class', 'long']);
  assert.is(retry.code, 0, retry.stderr);
  const runs = readFileSync(argvLog, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as string[]);
  assert.is(runs.length, 1, 'batch 1 was complete: not loaded again');
  assert.ok(runs[0].includes('--long_sequence_inference'));
  assert.equal(
    ['T1', 'T2'].map((t) => [result(w, t).status, result(w, t).gpuClass]),
    [
      ['predicted', 'long'],
      ['predicted', 'long'],
    ],
  );
  assert.is(result(w, 'T3').gpuClass, 'standard', 'T3 was not predicted again');
});

it('OpenFold killed by a signal: exit 137', async () => {
  const w = makeWorld({ batches: [['T1', 'T2'], ['T3']] });
  const r = await cli(w, { OPENFOLD_DOUBLE_KILL_TAG: 'T1' });
  assert.is(r.code, 137, r.stderr);
  assert.is(result(w, 'T2').status, 'predicted');
  assert.equal([result(w, 'T1').status, result(w, 'T1').reason], ['failed', 'OpenFold was killed by SIGKILL']);
  assert.is(result(w, 'T3').status, 'not_run');
});

it('OpenFold fails before any target (model load): exit 1, every target failed with the error', async () => {
  const w = makeWorld({ batches: [['T1', 'T2']] });
  const r = await cli(w, { OPENFOLD_DOUBLE_FAIL_LOAD: '1' });
  assert.is(r.code, 1, r.stderr);
  assert.match(String(result(w, 'T1').reason), /^OpenFold exited with code 1: FileNotFoundError: .*before any target of batch 0/);
});

it('no OpenFold runtime: every target not_run, exit 0, no structure or score', async () => {
  const w = makeWorld({ batches: [['T1'], ['T2']], runtime: false });
  const r = await cli(w, {});
  assert.is(r.code, 0, r.stderr);
  for (const tag of ['T1', 'T2']) {
    const res = result(w, tag);
    assert.equal([res.status, res.reason], ['not_run', 'not run: no OpenFold runtime']);
    assert.is(res.meanPlddt, undefined);
    assert.equal(res.files, {});
  }
  assert.not.ok(existsSync(join(w.run, 'predictions')));
});

it('a missing Python interpreter is exit 127 (tool missing), targets failed with the reason', async () => {
  const w = makeWorld({ batches: [['T1'], ['T2']] });
  const out = await predict(options(w, {}, { python: join(w.root, 'no-such-python3') }));
  assert.is(out.exitCode, 127);
  assert.match(String(result(w, 'T1').reason), /cannot start .*no-such-python3: ENOENT/);
  assert.is(result(w, 'T2').status, 'not_run');
});

it('missing weights are bad input (exit 2) naming the config field', async () => {
  const w = makeWorld({ batches: [['T1']] });
  rmSync(w.config.inference.checkpoint);
  const r = await cli(w, {});
  assert.is(r.code, 2);
  assert.match(r.stderr, /inference\.checkpoint: weights not found at /);
});

it('resume: a predicted target whose model exists is skipped; one whose model vanished is predicted again', async () => {
  const w = makeWorld({ batches: [['T1', 'T2']] });
  assert.is((await predict(options(w))).exitCode, 0);
  rmSync(join(w.run, result(w, 'T2').files.unrelaxed as string));
  const argvLog = join(w.root, 'argv.jsonl');
  const before = result(w, 'T1').completedAt;
  assert.is((await predict(options(w, { OPENFOLD_DOUBLE_ARGV_LOG: argvLog }))).exitCode, 0);
  assert.is(result(w, 'T1').completedAt, before);
  assert.is(result(w, 'T2').status, 'predicted');
  assert.ok(existsSync(join(w.run, result(w, 'T2').files.unrelaxed as string)));
  const fastaArg = (JSON.parse(readFileSync(argvLog, 'utf8').trim()) as string[])[2];
  assert.not.ok(existsSync(join(fastaArg, 'T1.fasta')));
  // All predicted: nothing runs at all.
  rmSync(argvLog);
  assert.is((await predict(options(w, { OPENFOLD_DOUBLE_ARGV_LOG: argvLog }))).exitCode, 0);
  assert.not.ok(existsSync(argvLog));
});

it('--fasta-dir mode predicts the directory as one batch into OUTPUT/results', async () => {
  const w = makeWorld({ batches: [['T1']] });
  const out = join(w.root, 'local-out');
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [
        CLI,
        'predict',
        '--fasta-dir',
        join(w.run, 'split', 'fasta'),
        '--alignments',
        w.alignments,
        '--output',
        out,
        '--config',
        w.configFile,
      ],
      { env: w.env() },
      (error, _o, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
    ),
  );
  assert.is(r.code, 0, r.stderr);
  const res = JSON.parse(readFileSync(join(out, 'results', 'T1', 'result.json'), 'utf8')) as PredictResult;
  assert.equal([res.status, res.chunk, res.files.unrelaxed], ['predicted', 'local', 'b000/predictions/T1_model_1_ptm_unrelaxed.pdb']);
  assert.ok(readFileSync(join(out, res.files.unrelaxed as string), 'utf8') === readFileSync(UNRELAXED_PDB, 'utf8'));
});

test.run();
