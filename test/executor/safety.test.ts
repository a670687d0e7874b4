// The local executor refuses what would make a run lie (issue 13 §3-§5): a bad workflow parameter before
// anything runs, a second executor in the same work directory, an unreadable state.json (one line, no stack),
// a resume whose input FASTA changed; and a failed step's own reason reaches the summary.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../generators/config/load.js';
import { LocalRunError, localConfig, renderedWorkflow, runLocal, summary } from '../../executor/local.js';
import { LOCK_FILE, WorkdirBusyError, lockWorkdir, processStart, type LockHolder } from '../../executor/lock.js';
import { StateFileError, workflowFingerprint, type RunState } from '../../executor/state.js';
import { CLI, ROOT, tempDir } from '../helpers/env.js';
import { runDocs } from './helpers.js';

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT });
}

/** A pid that is not running any more (a child that has exited). */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

function holder(over: Partial<LockHolder>): LockHolder {
  return { pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', token: 'x', ...over };
}

test('run --local: an invalid max-template-date or input-fasta is refused before any step runs (exit 2, nothing written)', () => {
  for (const [param, expected] of [
    ['max-template-date=2022-13-40', 'max-template-date: must be a date YYYY-MM-DD or "today", got "2022-13-40": no such day'],
    ['max-template-date=yesterday', 'max-template-date: must be a date YYYY-MM-DD or "today"'],
    ['input-fasta=relative/x.fasta', 'input-fasta: must be an absolute path (without "..") or s3://bucket/key'],
  ]) {
    const workdir = tempDir();
    const r = cli('run', '--local', '--workdir', workdir, '-p', param);
    assert.is(r.status, 2, `${param}: ${r.stderr}`);
    assert.match(r.stderr, `invalid workflow parameters: ${expected}`);
    assert.ok(!existsSync(join(workdir, 'state.json')), `${param}: no run started`);
    assert.ok(!existsSync(join(workdir, 'logs')), `${param}: no step ran`);
    assert.ok(!existsSync(join(workdir, LOCK_FILE)), `${param}: the lock is released`);
  }
});

test("check-parameters (the pipeline's first step): one line per bad value, exit 2; good values exit 0", () => {
  const bad = cli('check-parameters', 'max-template-date=2022-02-30', 'align-mode=fast', 'skip-databases=yes');
  assert.is(bad.status, 2);
  assert.match(bad.stderr, 'max-template-date: must be a date YYYY-MM-DD or "today", got "2022-02-30": no such day');
  assert.match(bad.stderr, 'align-mode: must be one of "full_dbs", "mmseqs", "colabfold_server", got "fast"');
  assert.match(bad.stderr, 'skip-databases: must be one of "false", "true", got "yes"');
  assert.not.match(bad.stderr, '    at ', 'no stack trace');
  const unknown = cli('check-parameters', 'nope=1');
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, 'nope: not a parameter of the pipeline');
  const ok = cli('check-parameters', 'max-template-date=2022-02-28', 'align-mode=mmseqs', 'input-fasta=s3://bucket/in.fasta');
  assert.is(ok.status, 0, ok.stderr);
});

test('workdir lock: a live holder is refused with its pid; a dead pid, a recycled pid or garbage is taken over', () => {
  const workdir = tempDir();
  const path = join(workdir, LOCK_FILE);
  // Held by this (live) process: refused, naming it.
  writeFileSync(path, JSON.stringify(holder({ processStart: processStart(process.pid) })));
  assert.throws(
    () => lockWorkdir(workdir),
    (e: unknown) => e instanceof WorkdirBusyError && e.message.includes(`pid ${process.pid} on host ${hostname()}`),
  );
  // Another host cannot be checked from here: refused, with what to remove.
  writeFileSync(path, JSON.stringify(holder({ host: 'elsewhere' })));
  assert.throws(() => lockWorkdir(workdir), /another host: if its run is gone, remove/);
  // Stale: a pid that is not running, a live pid that is another process now, an unreadable file.
  for (const [stale, why] of [
    [JSON.stringify(holder({ pid: deadPid() })), 'is not running'],
    [JSON.stringify(holder({ processStart: '1' })), 'is now another process'],
    ['{not json', 'unreadable lock'],
  ]) {
    writeFileSync(path, stale);
    const notes: string[] = [];
    const lock = lockWorkdir(workdir, (l) => notes.push(l));
    assert.match(notes.join('\n'), why);
    assert.is((JSON.parse(readFileSync(path, 'utf8')) as LockHolder).token, lock.holder.token);
    lock.release();
    assert.ok(!existsSync(path), 'released');
  }
  // A release after the lock was taken over removes nothing of the new holder.
  const first = lockWorkdir(workdir);
  writeFileSync(path, JSON.stringify(holder({ token: 'other' })));
  first.release();
  assert.ok(existsSync(path));
});

test('run --local in a work directory another run holds: exit 2 naming the holder, its lock untouched', () => {
  const workdir = tempDir();
  const mine = JSON.stringify(holder({ processStart: processStart(process.pid) }));
  writeFileSync(join(workdir, LOCK_FILE), mine);
  const r = cli('run', '--local', '--workdir', workdir);
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, `is in use by another run: pid ${process.pid} on host ${hostname()}`);
  assert.is(readFileSync(join(workdir, LOCK_FILE), 'utf8'), mine);
  assert.ok(!existsSync(join(workdir, 'state.json')));
});

test('run --local --resume: a corrupt or foreign state.json is one line naming the file, no stack trace', () => {
  for (const [text, expected] of [
    ['{"version": 1, "workflow": "w", "nod', 'not a run state: not JSON'],
    ['{"version": 2}', 'not a run state (version 1 with workflow and nodes)'],
    ['null', 'not a run state (version 1 with workflow and nodes)'],
  ]) {
    const workdir = tempDir();
    writeFileSync(join(workdir, 'state.json'), text);
    const r = cli('run', '--local', '--workdir', workdir, '--resume');
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, `${join(workdir, 'state.json')}: ${expected}`);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.not.match(r.stderr, 'internal error');
  }
});

test('run --local --resume: an input FASTA whose content changed (same path) or is gone is refused', async () => {
  const workdir = tempDir();
  const config = resolveConfig({});
  const fasta = join(tempDir(), 'in.fasta');
  writeFileSync(fasta, '>a\nMKV\n');
  const sha256 = createHash('sha256').update(readFileSync(fasta)).digest('hex');
  const state: RunState = {
    version: 1,
    workflow: 'openfold-pipeline-bcdfg',
    fingerprint: workflowFingerprint(renderedWorkflow(localConfig(config, workdir), 'test')),
    parameters: { 'input-fasta': fasta },
    inputs: { 'input-fasta': { path: fasta, size: 7, sha256 } },
    phase: 'Failed',
    startedAt: new Date().toISOString(),
    nodes: {},
  };
  writeFileSync(join(workdir, 'state.json'), JSON.stringify(state));
  const resume = () => runLocal({ config, configName: 'test', workdir, projectRoot: ROOT, resume: true, maxParallel: 1 });
  writeFileSync(fasta, '>a\nMKW\n'); // same size, other content
  await resume().then(
    () => assert.unreachable('resumed on changed input'),
    (e: unknown) => {
      assert.instance(e, LocalRunError);
      assert.match((e as Error).message, `--resume: input-fasta ${fasta} changed since the run started (sha256 ${sha256.slice(0, 12)}`);
    },
  );
  rmSync(fasta);
  await resume().then(
    () => assert.unreachable('resumed without its input'),
    (e: unknown) => assert.match((e as Error).message, `--resume: input-fasta ${fasta} is gone`),
  );
  assert.ok(!existsSync(join(workdir, 'logs')), 'no step ran');
});

test('StateFileError: a missing state.json names the file and the errno', async () => {
  const { readState } = await import('../../executor/state.js');
  assert.throws(
    () => readState('/nonexistent/state.json'),
    (e: unknown) => e instanceof StateFileError && /ENOENT/.test((e as Error).message),
  );
});

test("a failed step's one-line reason (its termination message) is in the node's message and the summary", async () => {
  // The pipeline's first step, run by the engine as a pod: the same program, termination file and summary.
  const wf = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: 'fixture-' },
    spec: {
      entrypoint: 'check',
      templates: [
        {
          name: 'check',
          retryStrategy: { limit: 2, retryPolicy: 'Always', expression: 'asInt(lastRetry.exitCode) != 2' },
          container: { image: 'tools', command: ['openfold-argo', 'check-parameters', 'max-template-date=2022-13-01'] },
        },
      ],
    },
  };
  const run = await runDocs([wf], { mapCommand: (c) => [process.execPath, CLI, ...c.slice(1)] });
  const node = run.state.nodes['wf'];
  assert.is(node.phase, 'Failed');
  assert.is(node.attempts!.length, 1, 'exit 2 is not retried');
  const reason = 'max-template-date: must be a date YYYY-MM-DD or "today", got "2022-13-01": no such day';
  assert.match(node.message ?? '', `Error (exit code 2): ${reason}`);
  const text = summary({ state: run.state, runDir: join(run.workdir, 'none'), workdir: run.workdir, config: resolveConfig({}) });
  assert.match(text, `failed: wf [check]: Error (exit code 2): ${reason}`);
  assert.ok(!existsSync(join(run.workdir, 'logs', 'wf.termination')), 'the termination file is removed');
});

test('the state on disk records an attempt before its log header is written (a kill in between never leaves an invocation the state misses)', async () => {
  const wf = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: 'fixture-' },
    spec: { entrypoint: 'one', templates: [{ name: 'one', container: { image: 'node', command: [process.execPath, '-e', '0'] } }] },
  };
  const workdir = tempDir();
  const seen: { attempts: number; logged: boolean }[] = [];
  await runDocs([wf], {
    workdir,
    onEvent: (e) => {
      if (e.kind !== 'attempt-start') return;
      const onDisk = JSON.parse(readFileSync(join(workdir, 'state.json'), 'utf8')) as RunState;
      seen.push({ attempts: onDisk.nodes[e.node.name]?.attempts?.length ?? 0, logged: existsSync(join(workdir, e.node.log!)) });
    },
  });
  assert.equal(seen, [{ attempts: 1, logged: false }]);
});

test.run();
