// What the engine (engine.ts) hands to the code that runs its two kinds of template, DAGs (dag.ts, task.ts) and
// containers (pod.ts): the options of the run, its state, the shared limits and the abort signal.
import type { Limit } from './limits.js';
import type { EngineEvent, NodeRecord, RunState } from './state.js';
import type { LoadedWorkflow, Parameter, ResolvedTemplate, Template } from './workflow.js';

export interface EngineOptions {
  workflow: LoadedWorkflow;
  /** Workflow name: `{{workflow.name}}`, node names, the run directory. */
  name: string;
  /** -p name=value overrides of the workflow's arguments. */
  parameters?: Record<string, string>;
  /** Holds state.json and logs/. */
  workdir: string;
  /** Maps a container command to the local command line (openfold-argo -> node bin/openfold-argo.js). */
  mapCommand: (command: string[]) => string[];
  /** Environment every step gets under its container env (PATH etc.). */
  baseEnv: Record<string, string>;
  maxParallel: number;
  /** The state of the run being resumed (same name); its succeeded steps are not run again. */
  previous?: RunState;
  signal?: AbortSignal;
  killGraceMs?: number;
  onEvent?: (e: EngineEvent) => void;
  fingerprint?: string;
  /** Recorded in the state: the files the parameters name, as the run found them. */
  inputs?: RunState['inputs'];
}

export interface RunContext {
  readonly opts: EngineOptions;
  readonly wf: LoadedWorkflow;
  readonly state: RunState;
  /** --max-parallel (and spec.parallelism): every pod holds one slot while its process runs. */
  readonly slots: Limit;
  readonly signal: AbortSignal;
  readonly killGraceMs: number;
  /** Why the run was stopped (the message of nodes cut short). */
  abortMessage(): string;
  save(): void;
  emit(e: EngineEvent): void;
  /** Puts a node into the state; a finished one is saved and reported. */
  record(node: NodeRecord): NodeRecord;
  executeTemplate(
    rt: ResolvedTemplate,
    args: Record<string, string>,
    nodeName: string,
    displayName: string,
    logName: string,
    key: number[],
  ): Promise<NodeRecord>;
}

export function safeLogSegment(s: string): string {
  return s.replace(/[^A-Za-z0-9._()+,=-]/g, '_').slice(0, 80);
}

export function stepLabel(t: Template): string | undefined {
  return t.metadata?.labels?.['openfold-argo.io/step'];
}

export function asNumber(value: unknown, field: string): number {
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isFinite(n))
    throw new Error(`${field}: must be a number, got ${JSON.stringify(value)}`);
  return n;
}

export function paramValue(p: Parameter): string | undefined {
  const v = p.value ?? p.default;
  return v === undefined || v === null ? undefined : String(v);
}
