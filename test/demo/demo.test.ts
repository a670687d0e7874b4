// End to end on the demo data set: `openfold-argo demo` renders the pipeline, fetches the tiny databases from
// the file:// mirror, aligns every target with the real tools and writes the report. Then a demo run killed
// with SIGKILL midway and resumed gives the same report and redoes no step that had succeeded.
// Slow for a test file (two demo runs, about a minute on two cores); the mirror is built once into .cache/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PROTEINS } from '../../demo/data/index.js';
import { DEMO_QUERIES, DEMO_TOOLS, INSTALL_HINT } from '../../demo/demo.js';
import type { RunState } from '../../executor/state.js';
import { CLI, ROOT, missingTools, tempDir } from '../helpers/env.js';
import { fromEarlierTest, requires } from '../helpers/gate.js';
import { withoutKeys } from '../helpers/json.js';

const it = requires(missingTools(DEMO_TOOLS, INSTALL_HINT));
const MIRROR = join(ROOT, '.cache', 'demo-mirror');
const demoArgs = (workdir: string, ...more: string[]) => [
  CLI,
  'demo',
  '--workdir',
  workdir,
  '--mirror',
  MIRROR,
  '--max-parallel',
  '2',
  ...more,
];

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

interface Report {
  run: string;
  targets: { tag: string; status: string; reason?: string; msaDepth: Record<string, number> | null }[];
  summary: Record<string, unknown>;
}

/** The report without what differs from run to run: timings, timestamps, measured costs, the run's name. */
function comparable(report: Report, runDir: string): unknown {
  const drop = new Set([
    'alignSeconds',
    'predictSeconds',
    'gpuSeconds',
    'wallSeconds',
    'firstCompletedAt',
    'lastCompletedAt',
    'completedAt',
    'alignCached',
    'costUsd',
    'cost',
  ]);
  return withoutKeys(report, drop, (s) => s.split(runDir).join('RUN'));
}

function runDirOf(workdir: string): string {
  const state = readJson<RunState>(join(workdir, 'state.json'));
  return join(workdir, 'volume', 'runs', state.workflow);
}

/** Lines `# <time> <node> attempt N: ...` the executor writes to a node's log before each invocation. */
function invocations(workdir: string, log: string): number {
  return readFileSync(join(workdir, log), 'utf8')
    .split('\n')
    .filter((l) => /^# \S+ \S+ attempt \d+: \[/.test(l)).length;
}

let baseline: { report: Report; runDir: string } | undefined;

const FIRST = 'demo: every target aligned with the real tools, the report lists each with an honest status';

it(FIRST, async () => {
  const workdir = tempDir('ofa-demo-');
  const r = spawnSync(process.execPath, demoArgs(workdir), { encoding: 'utf8', timeout: 600_000 });
  assert.is(r.status, 0, `demo failed:\n${r.stdout}\n${r.stderr}`);
  const runDir = runDirOf(workdir);
  assert.match(r.stdout, `report: ${join(runDir, 'report.html')}`);
  assert.ok(existsSync(join(runDir, 'report.html')));
  const report = readJson<Report>(join(runDir, 'report.json'));
  const tags = DEMO_PROTEINS.slice(0, DEMO_QUERIES).map((p) => p.id);
  assert.equal(report.targets.map((t) => t.tag).sort(), [...tags].sort());
  for (const t of report.targets) {
    const manifest = readJson<{ tools: Record<string, string>; searches: { name: string; exitCode: number }[] }>(
      join(runDir, 'alignments', t.tag, 'manifest.json'),
    );
    assert.equal(
      manifest.searches.map((s) => s.name).sort(),
      ['bfd_uniref', 'mgnify', 'pdb70', 'uniref90'],
      `${t.tag}: the full_dbs searches ran`,
    );
    assert.ok(
      Object.values(t.msaDepth ?? {}).every((d) => d > 1),
      `${t.tag}: the synthetic family was found (${JSON.stringify(t.msaDepth)})`,
    );
    assert.ok(existsSync(join(runDir, 'alignments', t.tag, 'pdb70_hits.hhr')));
    // Without an OpenFold runtime nothing is predicted, and the report says why; with one, a real outcome.
    if (t.status === 'not_run') assert.is(t.reason, 'not run: no OpenFold runtime');
    else assert.ok(['predicted', 'failed'].includes(t.status));
  }
  baseline = { report, runDir };
});

it('demo: killed with SIGKILL midway and resumed gives the same report, and no finished step runs again', async () => {
  const reference = fromEarlierTest(baseline, FIRST);
  const workdir = tempDir('ofa-demo-kill-');
  const child = spawn(process.execPath, demoArgs(workdir), { stdio: 'ignore' });
  const statePath = join(workdir, 'state.json');
  const succeededPods = () => {
    try {
      return Object.values(readJson<RunState>(statePath).nodes).filter((n) => n.type === 'Pod' && n.phase === 'Succeeded');
    } catch {
      return [];
    }
  };
  // After the databases, split and at least one align group: the other groups are still running.
  const deadline = Date.now() + 300_000;
  while (succeededPods().filter((n) => n.step === 'align').length < 1 && child.exitCode === null && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const before = readJson<RunState>(statePath);
  const doneBefore = Object.values(before.nodes).filter((n) => n.type === 'Pod' && n.phase === 'Succeeded');
  assert.ok(doneBefore.length >= 3, `some steps had finished before the kill (${doneBefore.map((n) => n.displayName).join(', ')})`);
  assert.ok(!existsSync(join(runDirOf(workdir), 'report.json')), 'killed before collect');

  const r = spawnSync(process.execPath, demoArgs(workdir, '--resume'), { encoding: 'utf8', timeout: 600_000 });
  assert.is(r.status, 0, `resume failed:\n${r.stdout}\n${r.stderr}`);
  const after = readJson<RunState>(statePath);
  assert.is(after.workflow, before.workflow, 'the same run continued');
  for (const n of doneBefore) {
    assert.ok(after.nodes[n.name].reused, `${n.displayName} was not run again`);
    assert.is(invocations(workdir, n.log!), 1, `${n.displayName}: one invocation in its log`);
  }
  for (const n of Object.values(after.nodes).filter((x) => x.type === 'Pod' && x.log))
    assert.is(
      invocations(workdir, n.log!),
      (before.nodes[n.name]?.reused ? 0 : (before.nodes[n.name]?.attempts?.length ?? 0)) + (n.reused ? 0 : n.attempts!.length),
      `${n.displayName}: invocations = attempts`,
    );
  const runDir = runDirOf(workdir);
  assert.equal(comparable(readJson<Report>(join(runDir, 'report.json')), runDir), comparable(reference.report, reference.runDir));
});

test.run();
