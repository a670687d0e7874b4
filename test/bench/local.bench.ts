// Executor overhead on the demo (`npm run bench:local`): the local run's wall time against the sum of the
// step programs' own wall times (each process from spawn to exit, as the executor records it in state.json).
// With one step at a time the ratio is the executor's overhead (aim: at most 1.05); with the default
// parallelism it also shows what running steps side by side gains. Figures, not a timed test.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { RunState } from '../../executor/state.js';
import { DEMO_TOOLS, INSTALL_HINT } from '../../demo/demo.js';
import { CLI, ROOT, benchmarkNeeds, missingTools, tempDir } from '../helpers/env.js';

const MIRROR = join(ROOT, '.cache', 'demo-mirror');

interface Figures {
  maxParallel: number;
  cliSeconds: number;
  runSeconds: number;
  stepSeconds: number;
  steps: number;
  ratio: number;
}

function measure(maxParallel: number): Figures {
  const workdir = tempDir('ofa-bench-local-');
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, 'demo', '--workdir', workdir, '--mirror', MIRROR, '--max-parallel', String(maxParallel)], {
    encoding: 'utf8',
  });
  const cliSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`demo failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const state = JSON.parse(readFileSync(join(workdir, 'state.json'), 'utf8')) as RunState;
  const attempts = Object.values(state.nodes).flatMap((n) => n.attempts ?? []);
  const stepSeconds = attempts.reduce((s, a) => s + (a.durationMs ?? 0), 0) / 1000;
  const runSeconds = (Date.parse(state.finishedAt!) - Date.parse(state.startedAt)) / 1000;
  return { maxParallel, cliSeconds, runSeconds, stepSeconds, steps: attempts.length, ratio: runSeconds / stepSeconds };
}

benchmarkNeeds(missingTools(DEMO_TOOLS, INSTALL_HINT));
// The first run builds the demo mirror into .cache/ if needed; it is not measured.
measure(availableParallelism());
for (const f of [measure(1), measure(availableParallelism())]) {
  console.log(
    `max-parallel ${f.maxParallel}: run ${f.runSeconds.toFixed(2)} s, steps ${f.stepSeconds.toFixed(2)} s (${f.steps} processes), ` +
      `ratio ${f.ratio.toFixed(3)}; whole CLI ${f.cliSeconds.toFixed(2)} s`,
  );
}
console.log('ratio = run wall time / sum of step wall times; with max-parallel 1 it is the overhead (aim <= 1.05)');
