// RUN/usage/: one small JSON record per step process (one per pod attempt), written when the step starts and
// rewritten when it ends. The report's measured cost and `estimate --calibrate` read these: the run directory
// is all the collect pod sees, under the local executor and under Argo alike. A record is best effort: a step
// never fails because its record could not be written.
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NODE_CLASSES, type NodeClassName } from '../generators/config/cost.js';
import type { Config } from '../generators/config/types.js';
import { requestsFor, type PodRequests } from './resources.js';
import type { Stage } from './simulate.js';

export const USAGE_DIR = 'usage';
const STAGE_NAMES: readonly Stage[] = ['split', 'align', 'predict', 'collect'];

export interface UsageRecord {
  version: 1;
  step: Stage;
  /** The align group (with `:search` for a per-database pod), the chunk id, or '' for split and collect. */
  id: string;
  nodeClass: NodeClassName;
  /** What the pod requested, from the config the step ran with. */
  requests: PodRequests;
  startedAt: string;
  /** Absent while the step runs, and for good when its process was killed. */
  finishedAt?: string;
  exitCode?: number;
  /** The pod name under Kubernetes. */
  host: string;
  pid: number;
}

export interface UsageHandle {
  readonly record: UsageRecord;
  finish(exitCode: number): void;
}

function writeAtomic(file: string, record: UsageRecord): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(record)}\n`);
  renameSync(tmp, file);
}

/** Starts the record of a step process in RUN/usage/; `finish` completes it. Never throws. */
export function startUsage(
  runDir: string,
  what: Pick<UsageRecord, 'step' | 'id' | 'nodeClass' | 'requests'>,
  note: (line: string) => void = (l) => console.error(l),
  now: () => Date = () => new Date(),
): UsageHandle {
  // From the process's start: loading the program is part of the pod's run time.
  const started = new Date(now().getTime() - process.uptime() * 1000);
  const record: UsageRecord = { version: 1, ...what, startedAt: started.toISOString(), host: hostname(), pid: process.pid };
  const safeId = what.id.replace(/[^A-Za-z0-9_.-]/g, '_');
  const file = join(runDir, USAGE_DIR, `${what.step}${safeId ? `-${safeId}` : ''}-${Date.now()}-${randomBytes(3).toString('hex')}.json`);
  let ok = true;
  try {
    mkdirSync(join(runDir, USAGE_DIR), { recursive: true });
    writeAtomic(file, record);
  } catch (e) {
    ok = false;
    note(`usage: cannot record this step's run time in ${file}: ${(e as Error).message}`);
  }
  return {
    record,
    finish(exitCode: number) {
      if (!ok) return;
      record.finishedAt = now().toISOString();
      record.exitCode = exitCode;
      try {
        writeAtomic(file, record);
      } catch (e) {
        note(`usage: cannot complete ${file}: ${(e as Error).message}`);
      }
    },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function valid(r: unknown): r is UsageRecord {
  if (!isObject(r) || r.version !== 1 || !STAGE_NAMES.includes(r.step as Stage) || typeof r.id !== 'string') return false;
  if (!NODE_CLASSES.includes(r.nodeClass as NodeClassName) || !isObject(r.requests)) return false;
  const q = r.requests;
  if (![q.cpu, q.memoryGiB, q.gpu].every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) return false;
  if (typeof r.startedAt !== 'string' || !Number.isFinite(Date.parse(r.startedAt))) return false;
  return r.finishedAt === undefined || (typeof r.finishedAt === 'string' && Number.isFinite(Date.parse(r.finishedAt)));
}

/** Every record of a run in start order; unreadable or malformed files are counted, not fatal. */
export function readUsage(runDir: string): { records: UsageRecord[]; bad: string[] } {
  const dir = join(runDir, USAGE_DIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return { records: [], bad: [] };
  }
  const records: UsageRecord[] = [];
  const bad: string[] = [];
  for (const n of names) {
    try {
      const r: unknown = JSON.parse(readFileSync(join(dir, n), 'utf8'));
      if (valid(r)) records.push(r);
      else bad.push(n);
    } catch {
      bad.push(n);
    }
  }
  records.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  return { records, bad };
}

/** RUN for a plan at RUN/split/plan.json (the pipeline's layout); undefined for a plan elsewhere. */
export function runDirOfPlan(planFile: string): string | undefined {
  const splitDir = dirname(resolve(planFile));
  return basename(splitDir) === 'split' ? dirname(splitDir) : undefined;
}

/**
 * Starts the usage record of a pipeline step with the requests its node class has in the config. Only a step
 * the workflow started records one: the workflow hands every step its config in $OPENFOLD_ARGO_CONFIG, so a
 * `report` or `align` run by hand on a finished run leaves its cost and makespan alone.
 */
export function startStepUsage(
  runDir: string | undefined,
  step: Stage,
  id: string,
  c: Config,
  nodeClass: NodeClassName,
  env: NodeJS.ProcessEnv = process.env,
): UsageHandle | undefined {
  if (runDir === undefined || !env.OPENFOLD_ARGO_CONFIG) return undefined;
  return startUsage(runDir, { step, id, nodeClass, requests: requestsFor(c, nodeClass) });
}

/** Runs a step and completes its usage record with its exit code: a number returned, 0 otherwise, a thrown error's (else 1). */
export async function withUsage<T>(usage: UsageHandle | undefined, run: () => Promise<T>): Promise<T> {
  let code = 1;
  try {
    const result = await run();
    code = typeof result === 'number' ? result : 0;
    return result;
  } catch (e) {
    const c = (e as { exitCode?: unknown }).exitCode;
    code = typeof c === 'number' ? c : 1;
    throw e;
  } finally {
    usage?.finish(code);
  }
}
