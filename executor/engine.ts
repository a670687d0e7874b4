// The local executor's engine: runs a validated workflow (validate.ts) the way Argo's controller would, with
// container templates as local processes. Semantics follow Argo v3/v4: DAG order by `depends`/`dependencies`,
// `when`, fan-out, parameters, retries with backoff, deadlines, semaphores, failFast, and Argo's node phases
// (Succeeded, Failed, Error, Skipped, Omitted). The state is written atomically to state.json after every
// node, so a run killed at any point resumes without redoing a step that succeeded.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { dependenciesToDepends, dependsTasks, evalDepends, parseDepends, type DependsAst, type TaskOutcome } from './depends.js';
import { parseDuration } from './duration.js';
import { evalExpr, evalWhen, nestScope } from './expression.js';
import { expandSequence, itemLabel, itemScope, parseWithParam } from './items.js';
import { acquireAll, Interrupted, Limit, sleep } from './limits.js';
import { runProcess, stopOrphan, type ProcessOutcome } from './process.js';
import { substitute, type Scope } from './template-string.js';
import {
  resolveTaskTemplate,
  type DagTask,
  type LoadedWorkflow,
  type Parameter,
  type ResolvedTemplate,
  type Template,
} from './workflow.js';

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

export interface RunState {
  version: 1;
  workflow: string;
  /** sha256 of the workflow that ran; a resume must run the same one. */
  fingerprint: string;
  parameters: Record<string, string>;
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
}

/** A -p flag or a workflow parameter that cannot be used. */
export class WorkflowParameterError extends Error {}

const DONE: Phase[] = ['Succeeded', 'Failed', 'Error', 'Skipped', 'Omitted'];
const failedOrError = (p: string | undefined) => p === 'Failed' || p === 'Error';
const completed = (p: string | undefined) => p === 'Succeeded' || p === 'Skipped' || failedOrError(p);

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

export function readState(path: string): RunState {
  const state = JSON.parse(readFileSync(path, 'utf8')) as RunState;
  if (state.version !== 1 || typeof state.workflow !== 'string' || typeof state.nodes !== 'object')
    throw new Error(`${path}: not a run state (version 1)`);
  return state;
}

/** What a DAG's later tasks see of a finished task. */
interface TaskResult extends TaskOutcome {
  scope: Scope;
}

interface DagContext {
  template: ResolvedTemplate;
  nodeName: string;
  logBase: string;
  key: number[];
  scope: Scope;
  parallelism?: Limit;
}

function safeLogSegment(s: string): string {
  return s.replace(/[^A-Za-z0-9._()+,=-]/g, '_').slice(0, 80);
}

function stepLabel(t: Template): string | undefined {
  return t.metadata?.labels?.['openfold-argo.io/step'];
}

function asNumber(value: unknown, field: string): number {
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isFinite(n))
    throw new Error(`${field}: must be a number, got ${JSON.stringify(value)}`);
  return n;
}

function paramValue(p: Parameter): string | undefined {
  const v = p.value ?? p.default;
  return v === undefined || v === null ? undefined : String(v);
}

/** Container env changes of an evaluated podSpecPatch (the only part with a local meaning). */
function patchEnv(patchText: string, where: string): Record<string, string> {
  if (!patchText.trim()) return {};
  let patch: { containers?: { name?: string; env?: { name: string; value?: string }[] }[] };
  try {
    patch = JSON.parse(patchText);
  } catch (e) {
    throw new Error(`${where}: podSpecPatch is not JSON after evaluation: ${(e as Error).message}`);
  }
  const env: Record<string, string> = {};
  for (const c of patch.containers ?? [])
    if (c.name === undefined || c.name === 'main') for (const e of c.env ?? []) env[e.name] = e.value ?? '';
  return env;
}

export class Engine {
  readonly state: RunState;
  private readonly wf: LoadedWorkflow;
  private readonly globals: Scope;
  private readonly slots: Limit;
  private readonly semaphores = new Map<string, Limit>();
  private readonly abort = new AbortController();
  private abortMessage = 'interrupted';
  private readonly statePath: string;
  private readonly killGraceMs: number;

  constructor(private readonly opts: EngineOptions) {
    this.wf = opts.workflow;
    this.statePath = join(opts.workdir, 'state.json');
    this.killGraceMs = opts.killGraceMs ?? 10_000;
    const parameters = this.workflowParameters();
    this.state = {
      version: 1,
      workflow: opts.name,
      fingerprint: opts.fingerprint ?? workflowFingerprint(this.wf),
      parameters,
      phase: 'Running',
      startedAt: new Date().toISOString(),
      nodes: {},
    };
    this.globals = {
      'workflow.name': opts.name,
      'workflow.namespace': this.wf.namespace,
      'workflow.uid': randomUUID(),
      'workflow.serviceAccountName': String(this.wf.spec.serviceAccountName ?? 'default'),
      'workflow.creationTimestamp': this.state.startedAt,
      'workflow.mainEntrypoint': this.wf.spec.entrypoint ?? '',
      'workflow.parameters': JSON.stringify(Object.entries(parameters).map(([name, value]) => ({ name, value }))),
      ...Object.fromEntries(Object.entries(parameters).map(([k, v]) => [`workflow.parameters.${k}`, v])),
    };
    const specParallelism = this.wf.spec.parallelism === undefined ? Infinity : asNumber(this.wf.spec.parallelism, 'spec.parallelism');
    this.slots = new Limit('max-parallel', Math.max(1, Math.min(opts.maxParallel, specParallelism)));
    if (opts.signal) {
      if (opts.signal.aborted) this.abort.abort();
      else opts.signal.addEventListener('abort', () => this.abort.abort(), { once: true });
    }
  }

  private workflowParameters(): Record<string, string> {
    const declared = this.wf.spec.arguments?.parameters ?? [];
    const out: Record<string, string> = {};
    for (const p of declared) {
      const v = paramValue(p);
      if (v !== undefined) out[p.name] = v;
    }
    for (const [k, v] of Object.entries(this.opts.parameters ?? {})) {
      if (!declared.some((p) => p.name === k))
        throw new WorkflowParameterError(
          `-p ${k}: the workflow has no parameter "${k}" (it has: ${declared.map((p) => p.name).join(', ') || 'none'})`,
        );
      out[k] = v;
    }
    for (const p of declared) {
      if (out[p.name] === undefined)
        throw new WorkflowParameterError(`workflow parameter "${p.name}" has no value: give -p ${p.name}=VALUE`);
      if (p.enum && !p.enum.map(String).includes(out[p.name]))
        throw new WorkflowParameterError(
          `workflow parameter "${p.name}": must be one of ${p.enum.map((e) => JSON.stringify(String(e))).join(', ')}, got ${JSON.stringify(out[p.name])}`,
        );
    }
    return out;
  }

  /** Stops the run: running steps get SIGTERM (then SIGKILL), nothing new starts. */
  stop(message = 'interrupted'): void {
    this.abortMessage = message;
    this.abort.abort();
  }

  private emit(e: EngineEvent): void {
    this.opts.onEvent?.(e);
  }

  private save(): void {
    writeAtomic(this.statePath, `${JSON.stringify(this.state, null, 1)}\n`);
  }

  private record(node: NodeRecord): NodeRecord {
    this.state.nodes[node.name] = node;
    if (DONE.includes(node.phase)) {
      this.save();
      this.emit({ kind: 'node', node });
    }
    return node;
  }

  async run(): Promise<RunState> {
    await this.stopOrphans();
    const deadline =
      this.wf.spec.activeDeadlineSeconds === undefined
        ? undefined
        : setTimeout(
            () => this.stop('workflow exceeded its activeDeadlineSeconds'),
            asNumber(this.wf.spec.activeDeadlineSeconds, 'spec.activeDeadlineSeconds') * 1000,
          );
    try {
      const entry = resolveTaskTemplate(this.wf, '', { template: this.wf.spec.entrypoint });
      // The workflow's arguments are the entrypoint's arguments (Argo passes spec.arguments to it).
      const root = await this.executeTemplate(entry, this.state.parameters, this.opts.name, this.opts.name, '', []);
      this.state.phase = root.phase;
      this.state.message = root.message;
    } finally {
      if (deadline) clearTimeout(deadline);
    }
    this.state.finishedAt = new Date().toISOString();
    this.save();
    return this.state;
  }

  /** Steps a killed executor left running are stopped before a resumed run starts them again. */
  private async stopOrphans(): Promise<void> {
    for (const node of Object.values(this.opts.previous?.nodes ?? {}))
      for (const a of node.attempts ?? [])
        if (a.phase === 'Running' && a.pid && a.marker) {
          const what = await stopOrphan(a.pid, a.marker, this.killGraceMs);
          if (what === 'stopped')
            this.emit({ kind: 'note', message: `stopped ${node.name} (pid ${a.pid}), left running by the interrupted run` });
        }
  }

  private templateScope(t: Template, inputs: Record<string, string>, nodeName: string): Scope {
    return {
      ...this.globals,
      'inputs.parameters': JSON.stringify(Object.entries(inputs).map(([name, value]) => ({ name, value }))),
      ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`inputs.parameters.${k}`, v])),
      'node.name': nodeName,
      'pod.name': nodeName
        .replace(/[^a-z0-9-]/gi, '-')
        .toLowerCase()
        .slice(0, 63),
    };
  }

  /** Argo's substituteArgs: an argument wins over the input's value, which wins over its default. */
  private resolveInputs(rt: ResolvedTemplate, args: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of rt.template.inputs?.parameters ?? []) {
      const v = args[p.name] ?? paramValue(p);
      if (v === undefined) throw new Error(`inputs.parameters.${p.name} was not supplied`);
      out[p.name] = substitute(v, this.globals, `template "${rt.label}": input "${p.name}"`);
    }
    return out;
  }

  private async executeTemplate(
    rt: ResolvedTemplate,
    args: Record<string, string>,
    nodeName: string,
    displayName: string,
    logName: string,
    key: number[],
  ): Promise<NodeRecord> {
    const base: NodeRecord = {
      name: nodeName,
      displayName,
      type: rt.template.dag ? 'DAG' : 'Pod',
      template: rt.label,
      step: stepLabel(rt.template),
      phase: 'Running',
      startedAt: new Date().toISOString(),
    };
    let inputs: Record<string, string>;
    try {
      inputs = this.resolveInputs(rt, args);
    } catch (e) {
      return this.record({ ...base, phase: 'Error', message: (e as Error).message, finishedAt: new Date().toISOString() });
    }
    base.inputs = inputs;
    const scope = this.templateScope(rt.template, inputs, nodeName);
    let release: (() => void) | undefined;
    const sync = this.synchronizationLimits(rt.template);
    if (rt.template.dag && sync.length) {
      try {
        release = await acquireAll(sync, key, this.abort.signal);
      } catch {
        return this.record({ ...base, phase: 'Failed', message: this.abortMessage, finishedAt: new Date().toISOString() });
      }
    }
    try {
      if (rt.template.dag) return await this.runDag({ template: rt, nodeName, logBase: logName, key, scope }, base);
      return await this.runPod(rt, scope, base, logName || safeLogSegment(rt.template.name), key, sync);
    } finally {
      release?.();
    }
  }

  private synchronizationLimits(t: Template): Limit[] {
    const sync = t.synchronization;
    if (!sync) return [];
    const limits: Limit[] = [];
    for (const ref of [...(sync.semaphores ?? []), ...(sync.semaphore ? [sync.semaphore] : [])]) {
      const cm = ref.configMapKeyRef!;
      const id = `semaphore ${cm.name}/${cm.key}`;
      if (!this.semaphores.has(id)) this.semaphores.set(id, new Limit(id, Number(this.wf.configMaps.get(cm.name)?.[cm.key] ?? 1)));
      limits.push(this.semaphores.get(id)!);
    }
    for (const m of [...(sync.mutexes ?? []), ...(sync.mutex ? [sync.mutex] : [])]) {
      const id = `mutex ${m.name}`;
      if (!this.semaphores.has(id)) this.semaphores.set(id, new Limit(id, 1));
      limits.push(this.semaphores.get(id)!);
    }
    return limits;
  }

  // ---------------------------------------------------------------- container templates

  private async runPod(
    rt: ResolvedTemplate,
    scope: Scope,
    base: NodeRecord,
    logName: string,
    key: number[],
    sync: Limit[],
  ): Promise<NodeRecord> {
    const t = rt.template;
    const where = `template "${rt.label}"`;
    const node: NodeRecord = { ...base, type: 'Pod', attempts: [], log: join('logs', `${logName}.log`) };
    const prev = this.opts.previous?.nodes[node.name];
    if (prev && prev.type === 'Pod' && prev.phase === 'Succeeded' && JSON.stringify(prev.inputs) === JSON.stringify(node.inputs))
      return this.record({ ...prev, reused: true });
    this.state.nodes[node.name] = node;

    const rs = t.retryStrategy;
    let limit = 0;
    let backoff: { durationMs: number; factor: number; maxDurationMs?: number; capMs?: number } | undefined;
    try {
      if (rs) {
        limit =
          rs.limit === undefined
            ? Infinity
            : asNumber(substitute(String(rs.limit), scope, `${where}: retryStrategy.limit`), `${where}: retryStrategy.limit`);
        if (rs.backoff) {
          const b = rs.backoff;
          backoff = {
            durationMs: parseDuration(
              substitute(String(b.duration ?? '0'), scope, `${where}: backoff.duration`),
              `${where}: retryStrategy.backoff.duration`,
            ),
            factor:
              b.factor === undefined
                ? 1
                : asNumber(substitute(String(b.factor), scope, `${where}: backoff.factor`), `${where}: retryStrategy.backoff.factor`),
            maxDurationMs:
              b.maxDuration === undefined
                ? undefined
                : parseDuration(substitute(String(b.maxDuration), scope, where), `${where}: retryStrategy.backoff.maxDuration`),
            capMs: b.cap === undefined ? undefined : parseDuration(b.cap, `${where}: retryStrategy.backoff.cap`),
          };
        }
      }
    } catch (e) {
      return this.finishPod(node, 'Error', (e as Error).message);
    }
    // Argo: an expression without a policy retries on anything the expression allows.
    const policy = rs?.retryPolicy ?? (rs?.expression ? 'Always' : 'OnFailure');
    const firstStart = Date.now();

    for (let attempt = 0; ; attempt++) {
      const attemptScope: Scope = { ...scope, retries: String(attempt) };
      let command: string[];
      let env: Record<string, string>;
      let deadlineMs: number | undefined;
      let outputPaths: { p: Parameter; path?: string; value?: string }[];
      try {
        const c = t.container!;
        command = this.opts.mapCommand(
          [...(c.command ?? []), ...(c.args ?? [])].map((s, i) =>
            substitute(String(s), attemptScope, `${where}: container command/args[${i}]`),
          ),
        );
        env = { ...this.opts.baseEnv };
        for (const e of c.env ?? []) env[e.name] = substitute(String(e.value ?? ''), attemptScope, `${where}: env ${e.name}`);
        if (t.podSpecPatch) Object.assign(env, patchEnv(substitute(t.podSpecPatch, attemptScope, `${where}: podSpecPatch`), where));
        if (t.activeDeadlineSeconds !== undefined)
          deadlineMs =
            asNumber(
              substitute(String(t.activeDeadlineSeconds), attemptScope, `${where}: activeDeadlineSeconds`),
              `${where}: activeDeadlineSeconds`,
            ) * 1000;
        outputPaths = (t.outputs?.parameters ?? []).map((p) => ({
          p,
          path: p.valueFrom?.path === undefined ? undefined : substitute(p.valueFrom.path, attemptScope, `${where}: output ${p.name}`),
          value: p.value === undefined ? undefined : substitute(String(p.value), attemptScope, `${where}: output ${p.name}`),
        }));
      } catch (e) {
        return this.finishPod(node, 'Error', (e as Error).message);
      }

      let release: () => void;
      try {
        release = await acquireAll([...sync, this.slots], key, this.abort.signal);
      } catch (e) {
        if (e instanceof Interrupted) return this.finishPod(node, 'Failed', this.abortMessage);
        throw e;
      }
      const marker = `OPENFOLD_ARGO_LOCAL_STEP=${this.opts.name}/${node.name}/${attempt}`;
      env.OPENFOLD_ARGO_LOCAL_STEP = marker.slice(marker.indexOf('=') + 1);
      const rec: AttemptRecord = { attempt, phase: 'Running', startedAt: new Date().toISOString(), command, marker };
      node.attempts!.push(rec);
      this.emit({ kind: 'attempt-start', node, attempt });
      let outcome: ProcessOutcome;
      try {
        outcome = await runProcess({
          command,
          env,
          logPath: join(this.opts.workdir, node.log!),
          header: `# ${new Date().toISOString()} ${node.name} attempt ${attempt}: ${JSON.stringify(command)}`,
          deadlineMs,
          killGraceMs: this.killGraceMs,
          signal: this.abort.signal,
          onSpawn: (pid) => {
            rec.pid = pid;
            this.save();
          },
        });
      } finally {
        release();
      }
      let phase: Phase = outcome.phase;
      let message = outcome.message === 'interrupted' ? this.abortMessage : outcome.message;
      const outputs: Record<string, string> = {};
      if (phase === 'Succeeded') {
        for (const o of outputPaths) {
          if (o.value !== undefined) outputs[o.p.name] = o.value;
          if (o.path === undefined) continue;
          try {
            outputs[o.p.name] = readFileSync(o.path, 'utf8');
          } catch (e) {
            if (o.p.valueFrom?.default !== undefined) outputs[o.p.name] = String(o.p.valueFrom.default);
            else {
              phase = 'Error';
              message = `output parameter "${o.p.name}": cannot read ${o.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
            }
          }
        }
      }
      Object.assign(rec, {
        phase,
        exitCode: outcome.exitCode,
        message,
        finishedAt: outcome.finishedAt.toISOString(),
        durationMs: outcome.durationMs,
        pid: undefined,
      });
      node.exitCode = outcome.exitCode;
      if (phase === 'Succeeded') {
        node.outputs = outputs;
        return this.finishPod(node, 'Succeeded', '');
      }
      if (outcome.interrupted && !outcome.deadlineExceeded) return this.finishPod(node, 'Failed', message);

      const stopReason = this.retryRefusal(attempt, limit, policy, phase, rs?.expression, outcome, message, scope);
      if (stopReason !== null) return this.finishPod(node, phase, stopReason ? `${message} (${stopReason})` : message);
      let waitMs = 0;
      if (backoff) {
        waitMs = backoff.durationMs * Math.pow(backoff.factor > 0 ? backoff.factor : 1, attempt);
        if (backoff.capMs !== undefined) waitMs = Math.min(waitMs, backoff.capMs);
        if (backoff.maxDurationMs !== undefined) {
          const deadline = firstStart + backoff.maxDurationMs;
          if (Date.now() > deadline) return this.finishPod(node, phase, `${message} (Max duration limit exceeded)`);
          if (Date.now() + waitMs > deadline) return this.finishPod(node, phase, `${message} (Backoff would exceed max duration limit)`);
        }
      }
      this.save();
      this.emit({ kind: 'retry', node, attempt: attempt + 1, waitMs });
      try {
        await sleep(waitMs, this.abort.signal);
      } catch {
        return this.finishPod(node, 'Failed', this.abortMessage);
      }
    }
  }

  /** Null to retry; otherwise why not ('' when the limit is simply reached). */
  private retryRefusal(
    attempt: number,
    limit: number,
    policy: string,
    phase: Phase,
    expression: string | undefined,
    outcome: ProcessOutcome,
    message: string,
    scope: Scope,
  ): string | null {
    if (attempt >= limit) return limit > 0 ? 'No more retries left' : '';
    const allowed =
      policy === 'Always'
        ? failedOrError(phase)
        : policy === 'OnFailure'
          ? phase === 'Failed'
          : policy === 'OnError'
            ? phase === 'Error'
            : phase === 'Error' && !!process.env.TRANSIENT_ERROR_PATTERN && new RegExp(process.env.TRANSIENT_ERROR_PATTERN).test(message);
    if (!allowed) return `retryPolicy ${policy} does not retry ${phase}`;
    if (!expression) return null;
    const env = nestScope({
      ...scope,
      'lastRetry.exitCode': outcome.exitCode === null ? '-1' : String(outcome.exitCode),
      'lastRetry.status': phase,
      'lastRetry.duration': String(Math.round(outcome.durationMs / 1000)),
      'lastRetry.message': message,
    });
    try {
      const expr = substitute(expression, scope, 'retryStrategy.expression');
      const value = evalExpr(expr, env);
      if (value !== true && value !== false) return `retryStrategy.expression gave ${JSON.stringify(value)}, not a boolean`;
      return value ? null : 'retryStrategy.expression evaluated false';
    } catch (e) {
      return `retryStrategy.expression: ${(e as Error).message}`;
    }
  }

  private finishPod(node: NodeRecord, phase: Phase, message: string): NodeRecord {
    node.phase = phase;
    node.message = message || undefined;
    node.finishedAt = new Date().toISOString();
    return this.record(node);
  }

  // ---------------------------------------------------------------- DAG templates

  private async runDag(ctx: DagContext, base: NodeRecord): Promise<NodeRecord> {
    const t = ctx.template.template;
    const dag = t.dag!;
    const node: NodeRecord = { ...base, type: 'DAG' };
    this.state.nodes[node.name] = node;
    const tasks = dag.tasks;
    const byName = new Map(tasks.map((task) => [task.name, task]));
    const logic = new Map<string, { ast?: DependsAst; deps: string[] }>();
    for (const task of tasks) {
      const text =
        task.depends || (task.dependencies?.length ? dependenciesToDepends(task.dependencies, (d) => byName.get(d)?.continueOn) : '');
      const ast = text ? parseDepends(text) : undefined;
      logic.set(task.name, { ast, deps: ast ? dependsTasks(ast) : [] });
    }
    let targets: string[];
    try {
      const target = dag.target ? substitute(dag.target, ctx.scope, `template "${ctx.template.label}": dag.target`).trim() : '';
      targets = target
        ? target.split(/\s+/)
        : tasks.filter((x) => !tasks.some((y) => logic.get(y.name)!.deps.includes(x.name))).map((x) => x.name);
      for (const name of targets) if (!byName.has(name)) throw new Error(`dag.target names an unknown task "${name}"`);
    } catch (e) {
      return this.record({ ...node, phase: 'Error', message: (e as Error).message, finishedAt: new Date().toISOString() });
    }
    // Only the targets and what they need run (dag.target).
    const needed = new Set<string>();
    const need = (name: string) => {
      if (needed.has(name)) return;
      needed.add(name);
      for (const d of logic.get(name)!.deps) need(d);
    };
    targets.forEach(need);
    if (t.parallelism !== undefined)
      ctx.parallelism = new Limit(`${node.name} parallelism`, asNumber(t.parallelism, `template "${ctx.template.label}": parallelism`));

    const results = new Map<string, TaskResult>();
    const failFast = dag.failFast !== false;
    let stopScheduling = false;
    let running = 0;
    const continueOn = (name: string, phase: string) => {
      const c = byName.get(name)?.continueOn;
      return (phase === 'Failed' && !!c?.failed) || (phase === 'Error' && !!c?.error);
    };

    await new Promise<void>((resolveDag) => {
      const started = new Set<string>();
      const pump = () => {
        let changed = true;
        while (changed) {
          changed = false;
          for (const [index, task] of tasks.entries()) {
            if (!needed.has(task.name) || results.has(task.name) || started.has(task.name)) continue;
            if (stopScheduling || this.abort.signal.aborted) continue;
            const { ast, deps } = logic.get(task.name)!;
            if (!deps.every((d) => results.has(d))) continue;
            started.add(task.name);
            if (ast && !evalDepends(ast, (d) => results.get(d)!)) {
              const omitted = this.record({
                name: `${node.name}.${task.name}`,
                displayName: task.name,
                type: 'Skipped',
                phase: 'Omitted',
                message: 'omitted: depends condition not met',
                startedAt: new Date().toISOString(),
                finishedAt: new Date().toISOString(),
              });
              results.set(task.name, { phase: omitted.phase, scope: this.skippedOutputs(ctx, task) });
              changed = true;
              continue;
            }
            running++;
            this.runTask(ctx, task, index, results)
              .catch((e: Error) => {
                const failed = this.record({
                  name: `${node.name}.${task.name}`,
                  displayName: task.name,
                  type: 'Skipped',
                  phase: 'Error',
                  message: e.message,
                  finishedAt: new Date().toISOString(),
                });
                return { phase: failed.phase, scope: {} } as TaskResult;
              })
              .then((r) => {
                results.set(task.name, r);
                running--;
                if (failFast && failedOrError(this.assessDag(targets, logic, results, continueOn, true))) stopScheduling = true;
                pump();
              });
          }
        }
        if (running === 0) resolveDag();
      };
      pump();
    });

    let phase: Phase;
    let message: string | undefined;
    if (this.abort.signal.aborted && [...needed].some((n) => !results.has(n))) {
      phase = 'Failed';
      message = this.abortMessage;
    } else {
      const assessed = this.assessDag(targets, logic, results, continueOn, failFast);
      phase = assessed === 'Running' ? 'Failed' : assessed;
    }
    return this.record({ ...node, phase, message, finishedAt: new Date().toISOString() });
  }

  /**
   * Argo's assessDAGPhase: the DAG's phase comes from its target tasks (default: the leaves). An omitted target
   * takes the phase of the branch that led to it (the last completed task on the way, Failed/Error preferred);
   * a target that failed with continueOn does not fail the DAG.
   */
  private assessDag(
    targets: string[],
    logic: Map<string, { deps: string[] }>,
    results: Map<string, TaskResult>,
    continueOn: (name: string, phase: string) => boolean,
    failFast: boolean,
  ): Phase {
    const branchOut = new Map<string, string[]>();
    const incoming = (name: string): string[] => {
      const deps = logic.get(name)!.deps;
      return deps.length === 0 ? ['Succeeded'] : deps.flatMap((d) => out(d));
    };
    const out = (name: string): string[] => {
      if (branchOut.has(name)) return branchOut.get(name)!;
      const phase = results.get(name)?.phase;
      const value = completed(phase) ? [phase!] : incoming(name);
      branchOut.set(name, value);
      return value;
    };
    let result: Phase = 'Succeeded';
    for (const name of targets) {
      const phase = results.get(name)?.phase;
      let branch: string | undefined = phase;
      if (phase === 'Omitted') {
        const inc = incoming(name);
        branch = inc.find(failedOrError) ?? inc[0];
      }
      if (branch === undefined) {
        result = 'Running';
        if (!failFast) break;
      } else if (failedOrError(branch)) {
        if (continueOn(name, branch)) continue;
        result = branch as Phase;
        if (failFast) break;
      }
    }
    return result;
  }

  /** A skipped or omitted task still offers its outputs' declared defaults (valueFrom.default). */
  private skippedOutputs(ctx: DagContext, task: DagTask): Scope {
    try {
      const rt = resolveTaskTemplate(this.wf, ctx.template.scope, task);
      const scope: Scope = {};
      for (const p of rt.template.outputs?.parameters ?? [])
        if (p.valueFrom?.default !== undefined) scope[`tasks.${task.name}.outputs.parameters.${p.name}`] = String(p.valueFrom.default);
      return scope;
    } catch {
      return {};
    }
  }

  private dagScope(ctx: DagContext, results: Map<string, TaskResult>): Scope {
    const scope: Scope = { ...ctx.scope };
    for (const r of results.values()) Object.assign(scope, r.scope);
    return scope;
  }

  private async runTask(ctx: DagContext, task: DagTask, index: number, results: Map<string, TaskResult>): Promise<TaskResult> {
    const where = `template "${ctx.template.label}": task "${task.name}"`;
    const scope = this.dagScope(ctx, results);
    const rt = resolveTaskTemplate(this.wf, ctx.template.scope, task);
    const taskName = `${ctx.nodeName}.${task.name}`;
    const logBase = ctx.logBase ? `${ctx.logBase}.${task.name}` : task.name;
    const key = [...ctx.key, index];
    const prefix = `tasks.${task.name}`;

    const args = (s: Scope) =>
      Object.fromEntries(
        (task.arguments?.parameters ?? []).map((p) => [p.name, substitute(String(p.value ?? ''), s, `${where}: argument "${p.name}"`)]),
      );
    const whenHolds = (s: Scope) => {
      if (!task.when) return true;
      return evalWhen(substitute(task.when, s, `${where}: when`));
    };
    const runOne = async (s: Scope, name: string, display: string, log: string, k: number[]): Promise<NodeRecord> => {
      let a: Record<string, string>;
      try {
        a = args(s);
        if (!whenHolds(s))
          return this.record({
            name,
            displayName: display,
            type: 'Skipped',
            template: rt.label,
            step: stepLabel(rt.template),
            phase: 'Skipped',
            message: `when '${substitute(task.when!, s, where)}' evaluated false`,
            startedAt: new Date().toISOString(),
            finishedAt: new Date().toISOString(),
          });
      } catch (e) {
        return this.record({
          name,
          displayName: display,
          type: 'Skipped',
          template: rt.label,
          phase: 'Error',
          message: (e as Error).message,
          finishedAt: new Date().toISOString(),
        });
      }
      let release: (() => void) | undefined;
      if (ctx.parallelism) {
        try {
          await ctx.parallelism.acquire(k, this.abort.signal);
          release = () => ctx.parallelism!.release();
        } catch {
          return this.record({
            name,
            displayName: display,
            type: 'Skipped',
            template: rt.label,
            phase: 'Failed',
            message: this.abortMessage,
          });
        }
      }
      try {
        return await this.executeTemplate(rt, a, name, display, log, k);
      } finally {
        release?.();
      }
    };

    let items: unknown[] | undefined;
    try {
      if (task.withItems) items = task.withItems.map((i) => (typeof i === 'string' ? substitute(i, scope, `${where}: withItems`) : i));
      else if (task.withParam !== undefined) items = parseWithParam(substitute(task.withParam, scope, `${where}: withParam`));
      else if (task.withSequence) {
        const s = task.withSequence;
        const sub = (v: string | number | undefined, f: string) =>
          v === undefined ? undefined : substitute(String(v), scope, `${where}: withSequence.${f}`);
        items = expandSequence({ start: sub(s.start, 'start'), end: sub(s.end, 'end'), count: sub(s.count, 'count'), format: s.format });
      }
    } catch (e) {
      const n = this.record({
        name: taskName,
        displayName: task.name,
        type: 'Skipped',
        phase: 'Error',
        message: (e as Error).message,
        finishedAt: new Date().toISOString(),
      });
      return { phase: n.phase, scope: {} };
    }

    if (items === undefined) {
      const n = await runOne(scope, taskName, task.name, logBase, key);
      const s: Scope = { [`${prefix}.status`]: n.phase, [`${prefix}.id`]: n.name };
      if (n.exitCode !== undefined && n.exitCode !== null) s[`${prefix}.exitCode`] = String(n.exitCode);
      for (const [k, v] of Object.entries(n.outputs ?? {})) s[`${prefix}.outputs.parameters.${k}`] = v;
      if (n.phase === 'Skipped' || n.phase === 'Omitted') return { phase: n.phase, scope: { ...this.skippedOutputs(ctx, task), ...s } };
      return { phase: n.phase, scope: s };
    }

    const group: NodeRecord = {
      name: taskName,
      displayName: task.name,
      type: 'TaskGroup',
      template: rt.label,
      phase: 'Running',
      startedAt: new Date().toISOString(),
    };
    this.state.nodes[group.name] = group;
    if (items.length === 0) {
      this.record({ ...group, phase: 'Skipped', message: 'Skipped, empty params', finishedAt: new Date().toISOString() });
      return { phase: 'Skipped', itemPhases: [], scope: { ...this.skippedOutputs(ctx, task), [`${prefix}.status`]: 'Skipped' } };
    }
    const children = await Promise.all(
      items.map((item, i) =>
        runOne(
          { ...scope, ...itemScope(item) },
          `${taskName}(${i}:${itemLabel(item)})`,
          `${task.name}(${i}:${itemLabel(item)})`,
          `${logBase}(${i})`,
          [...key, i],
        ),
      ),
    );
    let phase: Phase = 'Succeeded';
    for (const c of children)
      if (
        failedOrError(c.phase) &&
        !(task.continueOn && ((c.phase === 'Failed' && task.continueOn.failed) || (c.phase === 'Error' && task.continueOn.error)))
      )
        phase = c.phase;
    if (this.abort.signal.aborted && children.some((c) => !DONE.includes(c.phase))) phase = 'Failed';
    this.record({ ...group, phase, finishedAt: new Date().toISOString() });
    const s: Scope = { [`${prefix}.status`]: phase, [`${prefix}.id`]: group.name };
    const names = (rt.template.outputs?.parameters ?? []).map((p) => p.name);
    for (const n of names)
      s[`${prefix}.outputs.parameters.${n}`] = JSON.stringify(
        children.filter((c) => c.outputs && n in c.outputs).map((c) => c.outputs![n]),
      );
    s[`${prefix}.outputs.parameters`] = JSON.stringify(
      children.filter((c) => c.outputs && Object.keys(c.outputs).length).map((c) => c.outputs),
    );
    return { phase, itemPhases: children.map((c) => c.phase), scope: s };
  }
}

/** Relative log path of a node for messages. */
export function logPathOf(workdir: string, node: NodeRecord): string | undefined {
  return node.log ? relative(process.cwd(), join(workdir, node.log)) || node.log : undefined;
}
