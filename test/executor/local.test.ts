// `run --local` around the engine: the rendered pipeline passes validation for the shipped configs, the CLI
// refuses bad flags before running anything, and the progress display counts targets once the plan exists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../generators/config/load.js';
import { cliCommandMapper, localConfig, pipelineUnits, renderedWorkflow } from '../../executor/local.js';
import { validateWorkflow } from '../../executor/validate.js';
import { Progress } from '../../executor/progress.js';
import type { NodeRecord } from '../../executor/state.js';
import { CLI, ROOT, tempDir } from '../helpers/env.js';

test('the rendered pipeline (parsed back from its YAML) is runnable locally for the shipped config variants', () => {
  for (const doc of [{}, { alignment: { perDatabaseFanOut: true } }, { databases: { preset: 'mmseqs' }, alignment: { mode: 'mmseqs' } }]) {
    const config = localConfig(resolveConfig(doc), '/tmp/ofa-work');
    const wf = renderedWorkflow(config, 'test');
    validateWorkflow(wf);
    assert.is(config.databases.root, '/tmp/ofa-work/volume/databases');
    assert.ok(wf.templates.has('openfold-align') && wf.templates.has('openfold-predict') && wf.templates.has('openfold-databases'));
    assert.is(wf.configMaps.get('openfold-argo-semaphores')?.align, String(config.alignment.maxParallelPods));
  }
});

test('the command openfold-argo runs this checkout with node; other commands run as they are', () => {
  const map = cliCommandMapper('/p');
  assert.equal(map(['openfold-argo', 'split', 'x']), [process.execPath, '/p/bin/openfold-argo.js', 'split', 'x']);
  assert.equal(map(['jackhmmer', '-h']), ['jackhmmer', '-h']);
});

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT });
}

test('run: --local is required; unknown -p, a bad enum value and --resume without a run are refused (exit 2)', () => {
  const workdir = tempDir();
  let r = cli('run');
  assert.is(r.status, 2);
  assert.match(r.stderr, 'add --local');
  r = cli('run', '--local', '--workdir', workdir, '-p', 'input-fast=/x.fasta');
  assert.is(r.status, 2);
  assert.match(r.stderr, '-p input-fast: the workflow has no parameter "input-fast"');
  r = cli('run', '--local', '--workdir', workdir, '-p', 'align-mode=fast');
  assert.is(r.status, 2);
  assert.match(r.stderr, 'invalid workflow parameters: align-mode: must be one of "full_dbs", "mmseqs", "colabfold_server", got "fast"');
  r = cli('run', '--local', '--workdir', join(workdir, 'none'), '--resume');
  assert.is(r.status, 2);
  assert.match(r.stderr, '--resume: no run to resume');
});

test('progress: per-stage counts in targets from the plan, failures and ETA; plain lines off a terminal', () => {
  const runDir = tempDir();
  mkdirSync(join(runDir, 'split'));
  writeFileSync(
    join(runDir, 'split', 'plan.json'),
    JSON.stringify({
      alignGroups: [
        { id: 0, tags: ['a', 'b'] },
        { id: 1, tags: ['c'] },
      ],
      chunks: [{ id: 'c0000', batches: [{ tags: ['a', 'b', 'c'] }] }],
    }),
  );
  let out = '';
  const sink = { write: (s: string) => ((out += s), true), isTTY: false } as unknown as NodeJS.WritableStream;
  const p = new Progress(
    sink,
    'run',
    pipelineUnits(() => runDir),
    false,
  );
  const pod = (step: string, phase: NodeRecord['phase'], inputs: Record<string, string>, name = step): NodeRecord => ({
    name,
    displayName: name,
    type: 'Pod',
    step,
    phase,
    inputs,
    attempts: [{ attempt: 0, phase, startedAt: new Date().toISOString(), durationMs: 1000, command: [] }],
    log: `logs/${name}.log`,
  });
  p.onEvent({ kind: 'attempt-start', node: pod('split', 'Running', {}), attempt: 0 });
  p.onEvent({ kind: 'node', node: pod('split', 'Succeeded', {}) });
  p.onEvent({ kind: 'attempt-start', node: pod('align', 'Running', { group: '0' }), attempt: 0 });
  p.onEvent({ kind: 'attempt-start', node: pod('align', 'Running', { group: '1' }), attempt: 0 });
  p.onEvent({ kind: 'node', node: pod('align', 'Succeeded', { group: '0' }, 'align(0:0)') });
  p.onEvent({ kind: 'node', node: { ...pod('align', 'Failed', { group: '1' }, 'align(1:1)'), message: 'Error (exit code 1)' } });
  const lines = p.lines();
  assert.match(
    lines.find((l) => l.includes('align'))!,
    /2\/3 targets {2}running 0 {2}failed 1/,
  );
  assert.match(
    lines.find((l) => l.includes('split'))!,
    /1 done/,
  );
  assert.match(out, /align {5}align\(1:1\): Failed 1s: Error \(exit code 1\) \(log: logs\/align\(1:1\)\.log\)/);
});

test.run();
