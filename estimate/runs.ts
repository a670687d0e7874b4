// What `estimate --calibrate` reads from an earlier run directory: the targets and plan (split/), the align
// done-manifests (seconds per target), the predict results (OpenFold's inference seconds, status), the split
// step's estimate.json (align mode and concurrency the run had) and the pods' usage records (run time of
// every pod, RUN/usage). A local executor work directory (holding state.json) is accepted for its one run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlignMode } from '../generators/config/types.js';
import type { Plan, PlanTarget } from '../steps/split/plan.js';
import { EstimateError } from './errors.js';
import type { Stage } from './simulate.js';
import { podSeconds } from './measured.js';
import { readUsage } from './usage.js';

export interface ObservedPod {
  step: Stage;
  id: string;
  seconds: number;
  startMs: number;
  endMs: number;
}

export interface ObservedTarget {
  tag: string;
  length: number;
  /** Align wall seconds less the other targets' share of a search run for the whole group (MMseqs2). */
  alignSeconds?: number;
  alignMode?: AlignMode;
  predictSeconds?: number;
  status?: string;
}

export interface RunData {
  dir: string;
  targets: PlanTarget[];
  observed: Map<string, ObservedTarget>;
  plan: Plan;
  mode: AlignMode;
  /** Concurrency the run had, from its estimate.json (null: unknown, use the config's). */
  alignSlots: number | null;
  gpuSlots: number | null;
  /** The successful attempt of each pod. */
  pods: ObservedPod[];
  failedAttempts: number;
  makespanSeconds: number;
  /** Most pods running at once. */
  peakConcurrency: number;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The run directory of DIR: DIR itself, or the one run under DIR/volume/runs of a local executor work directory. */
export function runDirectory(dir: string): string {
  if (existsSync(join(dir, 'split', 'plan.json'))) return dir;
  const state = readJson<{ workflow?: string }>(join(dir, 'state.json'));
  const runs = join(dir, 'volume', 'runs');
  if (state?.workflow && existsSync(join(runs, state.workflow, 'split', 'plan.json'))) return join(runs, state.workflow);
  throw new EstimateError(`${dir}: not a run directory (no split/plan.json) nor a local executor work directory with one run`);
}

interface AlignManifestLike {
  mode?: AlignMode;
  wallSeconds?: number;
  cached?: boolean;
  searches?: { seconds?: number; batch?: number }[];
}

function alignSecondsOf(m: AlignManifestLike): number | undefined {
  if (typeof m.wallSeconds !== 'number' || m.cached) return undefined;
  const shared = (m.searches ?? []).reduce(
    (s, x) => s + (x.batch && x.batch > 1 && x.seconds ? (x.seconds * (x.batch - 1)) / x.batch : 0),
    0,
  );
  return Math.max(0, m.wallSeconds - shared);
}

function peak(pods: ObservedPod[]): number {
  const edges = pods.flatMap((p) => [
    [p.startMs, 1],
    [p.endMs, -1],
  ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  return max;
}

export function readRun(dirOrWorkdir: string): RunData {
  const dir = runDirectory(dirOrWorkdir);
  const manifest = readJson<{ targets?: PlanTarget[] }>(join(dir, 'split', 'manifest.json'));
  const plan = readJson<Plan>(join(dir, 'split', 'plan.json'));
  if (!manifest?.targets || !plan?.alignGroups || !plan.chunks)
    throw new EstimateError(`${dir}: split/manifest.json or split/plan.json unreadable`);
  const targets = manifest.targets.map(({ tag, length, duplicateOf }) => ({ tag, length, ...(duplicateOf ? { duplicateOf } : {}) }));
  const observed = new Map<string, ObservedTarget>();
  for (const t of targets.filter((x) => !x.duplicateOf)) {
    const o: ObservedTarget = { tag: t.tag, length: t.length };
    const a = readJson<AlignManifestLike>(join(dir, 'alignments', t.tag, 'manifest.json'));
    if (a) {
      o.alignSeconds = alignSecondsOf(a);
      o.alignMode = a.mode;
    }
    const r = readJson<{ status?: string; predictSeconds?: number }>(join(dir, 'results', t.tag, 'result.json'));
    if (r) {
      o.status = r.status;
      if (typeof r.predictSeconds === 'number') o.predictSeconds = r.predictSeconds;
    }
    observed.set(t.tag, o);
  }
  const estimate = readJson<{ alignMode?: AlignMode; nodeClasses?: Record<string, { concurrentPods?: number | null }> }>(
    join(dir, 'split', 'estimate.json'),
  );
  const modes = [...observed.values()].map((o) => o.alignMode).filter((m): m is AlignMode => m !== undefined);
  const mode = estimate?.alignMode ?? modes[0] ?? 'full_dbs';

  const { records } = readUsage(dir);
  if (records.length === 0)
    throw new EstimateError(`${dir}: no usage records (RUN/usage): the run predates them or its steps could not write them`);
  const timed = podSeconds(records, Date.now());
  const pods: ObservedPod[] = [];
  let failedAttempts = 0;
  for (const t of timed) {
    if (t.record.exitCode !== 0 || t.seconds === null || t.endMs === null) {
      failedAttempts++;
      continue;
    }
    pods.push({ step: t.record.step, id: t.record.id, seconds: t.seconds, startMs: Date.parse(t.record.startedAt), endMs: t.endMs });
  }
  const starts = timed.map((t) => Date.parse(t.record.startedAt));
  const ends = timed.map((t) => t.endMs).filter((x): x is number => x !== null);
  return {
    dir,
    targets,
    observed,
    plan,
    mode,
    alignSlots: estimate?.nodeClasses?.align?.concurrentPods ?? null,
    gpuSlots: estimate?.nodeClasses?.predict?.concurrentPods ?? null,
    pods,
    failedAttempts,
    makespanSeconds: (Math.max(...ends) - Math.min(...starts)) / 1000,
    peakConcurrency: peak(pods),
  };
}

/** Run directories given on the command line: each one, or each run of a directory of runs. */
export function expandRunDirs(dirs: string[]): string[] {
  return dirs.flatMap((d) => {
    if (existsSync(join(d, 'split')) || existsSync(join(d, 'state.json'))) return [d];
    const children = existsSync(d) ? readdirSync(d).map((n) => join(d, n)) : [];
    const runs = children.filter((c) => existsSync(join(c, 'split', 'plan.json')));
    if (runs.length === 0) throw new EstimateError(`${d}: no run directory here`);
    return runs;
  });
}
