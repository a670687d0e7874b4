// How close the estimator gets to runs that exist here (`npm run bench:estimate-accuracy`): several local
// executor runs of the pipeline on the demo databases (real jackhmmer/hhblits/hhsearch; predictions "not run",
// there is no GPU), each with a different FASTA, grouping, chunking or concurrency. Then, for every run, its
// measured makespan (split start to collect end) against the simulation's replay of it: with the uncalibrated
// model, with the model calibrated on all runs, and with the model calibrated on the other runs only
// (leave-one-out, the honest figure). Figures, not a timed test. BENCH_RUNS=DIR keeps and reuses the runs.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../generators/config/types.js';
import { DEMO_TOOLS, INSTALL_HINT, demoConfig, prepareDemoMirror } from '../../demo/demo.js';
import { demoFasta } from '../../demo/data/index.js';
import { localConfig, runLocal } from '../../executor/local.js';
import { calibrate, replay } from '../../estimate/calibrate.js';
import { readRun, type RunData } from '../../estimate/runs.js';
import { ROOT, missingTools, tempDir } from '../helpers/env.js';

interface Scenario {
  name: string;
  proteins: number;
  maxParallel: number;
  change?: (c: Config) => void;
}

const SCENARIOS: Scenario[] = [
  { name: 'demo-4', proteins: 4, maxParallel: 2 },
  { name: 'ten', proteins: 10, maxParallel: 2 },
  {
    name: 'ten-grouped',
    proteins: 10,
    maxParallel: 2,
    change: (c) => {
      c.alignment.targetsPerPod = 3;
    },
  },
  {
    name: 'ten-chunked-serial',
    proteins: 10,
    maxParallel: 1,
    change: (c) => {
      c.inference.longSequence.threshold = 100;
      c.inference.residuesPerBatch = 160;
    },
  },
  {
    name: 'seven-align-slots-1',
    proteins: 7,
    maxParallel: 2,
    change: (c) => {
      c.alignment.maxParallelPods = 1;
    },
  },
];

async function runScenario(s: Scenario, root: string, mirror: { endpoint: string; manifestFile: string }): Promise<string> {
  const workdir = join(root, s.name);
  if (existsSync(join(workdir, 'state.json'))) return workdir;
  mkdirSync(workdir, { recursive: true });
  const config = demoConfig(mirror);
  s.change?.(config);
  const local = localConfig(config, workdir);
  mkdirSync(join(local.input.fasta, '..'), { recursive: true });
  writeFileSync(local.input.fasta, demoFasta(s.proteins));
  const r = await runLocal({ config, configName: `bench ${s.name}`, workdir, projectRoot: ROOT, maxParallel: s.maxParallel });
  if (r.state.phase !== 'Succeeded') throw new Error(`${s.name}: the run ${r.state.phase}: ${r.state.message ?? ''}`);
  return workdir;
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;

if (!missingTools(DEMO_TOOLS, INSTALL_HINT)) {
  const root = process.env.BENCH_RUNS ?? tempDir('ofa-bench-estimate-');
  const mirror = await prepareDemoMirror(process.env.BENCH_MIRROR ?? join(ROOT, '.cache', 'demo-mirror'));
  const config = demoConfig(mirror);
  const runs: RunData[] = [];
  for (const s of SCENARIOS) {
    const started = Date.now();
    const dir = await runScenario(s, root, mirror);
    runs.push(readRun(dir));
    console.log(`${s.name}: run in ${((Date.now() - started) / 1000).toFixed(1)} s, load average ${loadavg()[0].toFixed(2)} (${dir})`);
  }
  const all = calibrate(runs, config);
  const loo = all.leaveOneOut ?? [];
  console.log('\nrun                   targets  groups  chunks  measured   uncalibrated   calibrated (all)   leave-one-out');
  runs.forEach((r, i) => {
    const raw = replay(r, config, config.cost.timeModel);
    console.log(
      `${SCENARIOS[i].name.padEnd(20)}  ${String(r.targets.length).padStart(7)}  ${String(r.plan.alignGroups.length).padStart(6)}  ${String(r.plan.chunks.length).padStart(6)}` +
        `  ${(r.makespanSeconds.toFixed(1) + ' s').padStart(8)}  ${pct(raw.errorPercent).padStart(13)}  ${pct(all.replays[i].errorPercent).padStart(17)}  ${pct(loo[i]?.errorPercent ?? NaN).padStart(14)}`,
    );
  });
  const abs = (xs: number[]) => xs.map(Math.abs);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const looErr = abs(loo.map((x) => x.errorPercent));
  console.log(
    `\nleave-one-out makespan error: mean |error| ${mean(looErr).toFixed(1)} %, worst ${Math.max(...looErr).toFixed(1)} %, within ±15 %: ${looErr.filter((e) => e <= 15).length} of ${looErr.length}`,
  );
  console.log('fits (all runs):');
  for (const f of all.fits)
    console.log(
      `  ${f.component.padEnd(28)} n=${f.n}  R2 ${f.r2 === null ? '—' : f.r2.toFixed(3)}  MAPE ${f.mapePercent === null ? '—' : f.mapePercent.toFixed(1) + ' %'}`,
    );
  console.log(`calibrated model (cost.timeModel): ${JSON.stringify(all.overrides)}`);
  for (const n of all.notes) console.log(`note: ${n}`);
}
