// The record of a local run: Argo's node phases, one record per node with its attempts, and the run state that
// is written atomically to state.json after every node, so a run killed at any point resumes without redoing a
// step that succeeded.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LoadedWorkflow } from './workflow.js';

export type Phase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Skipped' | 'Omitted';
export type NodeType = 'DAG' | 'TaskGroup' | 'Pod' | 'Skipped';

export interface AttemptRecord {
  attempt: number;
  phase: Phase;
  exitCode?: number | null;
  message?: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  /** Process group of a running attempt, and the marker in its environment (to stop it after a crash). */
  pid?: number;
  marker?: string;
  command: string[];
}

export interface NodeRecord {
  /** Argo's node name: `<workflow>.<task>(<i>:<item>).<task>`; unique in the run. */
  name: string;
  displayName: string;
  type: NodeType;
  /** "template" or "workflowtemplate/template". */
  template?: string;
  /** The template's `openfold-argo.io/step` label, when it has one. */
  step?: string;
  phase: Phase;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  inputs?: Record<string, string>;
  outputs?: Record<string, string>;
  exitCode?: number | null;
  attempts?: AttemptRecord[];
  /** Log file, relative to the work directory. */
  log?: string;
  /** Taken over from the state of the run being resumed: not run again. */
  reused?: boolean;
}

/** A file a parameter names, as it was when the run started (a resume must read the same content). */
export interface InputFingerprint {
  path: string;
  size: number;
  sha256: string;
}

export interface RunState {
  version: 1;
  workflow: string;
  /** sha256 of the workflow that ran; a resume must run the same one. */
  fingerprint: string;
  parameters: Record<string, string>;
  /** Files named by parameters (input-fasta), fingerprinted when the run started. */
  inputs?: Record<string, InputFingerprint>;
  phase: Phase;
  message?: string;
  startedAt: string;
  finishedAt?: string;
  nodes: Record<string, NodeRecord>;
}

export type EngineEvent =
  | { kind: 'node'; node: NodeRecord }
  | { kind: 'attempt-start'; node: NodeRecord; attempt: number }
  | { kind: 'retry'; node: NodeRecord; attempt: number; waitMs: number }
  | { kind: 'note'; message: string };

export const DONE: Phase[] = ['Succeeded', 'Failed', 'Error', 'Skipped', 'Omitted'];
export const failedOrError = (p: string | undefined) => p === 'Failed' || p === 'Error';
export const completed = (p: string | undefined) => p === 'Succeeded' || p === 'Skipped' || failedOrError(p);

export function workflowFingerprint(wf: LoadedWorkflow): string {
  const sets = [...wf.templates.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v.values()]]);
  return createHash('sha256')
    .update(JSON.stringify([wf.spec.entrypoint, sets, [...wf.configMaps.entries()]]))
    .digest('hex');
}

/** Writes a file via a temporary name and rename, so a reader (or a crash) never sees half of it. */
export function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** A state.json that cannot be read back: one line naming the file and what is wrong with it. */
export class StateFileError extends Error {
  override name = 'StateFileError';
}

export function readState(path: string): RunState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new StateFileError(`${path}: cannot read the run state (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let state: RunState;
  try {
    state = JSON.parse(text) as RunState;
  } catch (e) {
    throw new StateFileError(
      `${path}: not a run state: not JSON (${(e as Error).message}); start a new run in another --workdir, or remove the file`,
    );
  }
  if (state?.version !== 1 || typeof state.workflow !== 'string' || typeof state.nodes !== 'object' || state.nodes === null)
    throw new StateFileError(`${path}: not a run state (version 1 with workflow and nodes); start a new run in another --workdir`);
  return state;
}
