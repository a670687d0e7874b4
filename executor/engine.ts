// The local executor's engine: runs a validated workflow (validate.ts) the way Argo's controller would, with
// container templates as local processes. Semantics follow Argo v3/v4: DAG order by `depends`/`dependencies`,
// `when`, fan-out, parameters, retries with backoff, deadlines, semaphores, failFast, and Argo's node phases
// (Succeeded, Failed, Error, Skipped, Omitted). This file walks the workflow: the run's parameters and
// globals, each template's inputs and synchronization; DAGs run in dag.ts and task.ts, containers in pod.ts,
// and the record of the run (state.json, written after every node) is state.ts.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { runDag } from './dag.js';
import { acquireAll, Limit } from './limits.js';
import { runPod } from './pod.js';
import { stopOrphan } from './process.js';
import { asNumber, paramValue, safeLogSegment, stepLabel, type EngineOptions, type RunContext } from './run-context.js';
import { DONE, workflowFingerprint, writeAtomic, type EngineEvent, type NodeRecord, type RunState } from './state.js';
import { substitute, type Scope } from './template-string.js';
import { resolveTaskTemplate, type LoadedWorkflow, type ResolvedTemplate, type Template } from './workflow.js';

export type { EngineOptions } from './run-context.js';

/** A -p flag or a workflow parameter that cannot be used. */
export class WorkflowParameterError extends Error {}

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
  /** This engine as the DAG and pod runners see it. */
  private readonly context: RunContext;

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
      ...(opts.inputs ? { inputs: opts.inputs } : {}),
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
    this.context = {
      opts,
      wf: this.wf,
      state: this.state,
      slots: this.slots,
      signal: this.abort.signal,
      killGraceMs: this.killGraceMs,
      abortMessage: () => this.abortMessage,
      save: () => this.save(),
      emit: (e) => this.emit(e),
      record: (node) => this.record(node),
      executeTemplate: (rt, args, nodeName, displayName, logName, key) =>
        this.executeTemplate(rt, args, nodeName, displayName, logName, key),
    };
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
    let sync: Limit[];
    try {
      sync = this.synchronizationLimits(rt.template, scope);
    } catch (e) {
      return this.record({ ...base, phase: 'Error', message: (e as Error).message, finishedAt: new Date().toISOString() });
    }
    if (rt.template.dag && sync.length) {
      try {
        release = await acquireAll(sync, key, this.abort.signal);
      } catch {
        return this.record({ ...base, phase: 'Failed', message: this.abortMessage, finishedAt: new Date().toISOString() });
      }
    }
    try {
      if (rt.template.dag) return await runDag(this.context, { template: rt, nodeName, logBase: logName, key, scope }, base);
      return await runPod(this.context, rt, scope, base, logName || safeLogSegment(rt.template.name), key, sync);
    } finally {
      release?.();
    }
  }

  /** The template's semaphores and mutexes; a mutex name may use the template's inputs, as in Argo. */
  private synchronizationLimits(t: Template, scope: Scope): Limit[] {
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
      const id = `mutex ${substitute(m.name, scope, `template "${t.name}": synchronization mutex name`)}`;
      if (!this.semaphores.has(id)) this.semaphores.set(id, new Limit(id, 1));
      limits.push(this.semaphores.get(id)!);
    }
    return limits;
  }
}
