// One task of a DAG: its arguments and `when` evaluated in the DAG's scope, the template's parallelism slot,
// fan-out over withItems / withParam / withSequence into a TaskGroup of children, and what later tasks see of
// it (`tasks.NAME.status`, `.id`, `.exitCode`, `.outputs.parameters.*`; a fan-out's outputs as JSON lists).
import type { DagContext, TaskResult } from './dag.js';
import { evalWhen } from './expression.js';
import { expandSequence, itemLabel, itemScope, parseWithParam } from './items.js';
import { stepLabel, type RunContext } from './run-context.js';
import { DONE, failedOrError, type NodeRecord, type Phase } from './state.js';
import { substitute, type Scope } from './template-string.js';
import { resolveTaskTemplate, type DagTask } from './workflow.js';

/** A skipped or omitted task still offers its outputs' declared defaults (valueFrom.default). */
export function skippedOutputs(ctx: RunContext, dagCtx: DagContext, task: DagTask): Scope {
  try {
    const rt = resolveTaskTemplate(ctx.wf, dagCtx.template.scope, task);
    const scope: Scope = {};
    for (const p of rt.template.outputs?.parameters ?? [])
      if (p.valueFrom?.default !== undefined) scope[`tasks.${task.name}.outputs.parameters.${p.name}`] = String(p.valueFrom.default);
    return scope;
  } catch {
    return {};
  }
}

function dagScope(dagCtx: DagContext, results: Map<string, TaskResult>): Scope {
  const scope: Scope = { ...dagCtx.scope };
  for (const r of results.values()) Object.assign(scope, r.scope);
  return scope;
}

export async function runTask(
  ctx: RunContext,
  dagCtx: DagContext,
  task: DagTask,
  index: number,
  results: Map<string, TaskResult>,
): Promise<TaskResult> {
  const where = `template "${dagCtx.template.label}": task "${task.name}"`;
  const scope = dagScope(dagCtx, results);
  const rt = resolveTaskTemplate(ctx.wf, dagCtx.template.scope, task);
  const taskName = `${dagCtx.nodeName}.${task.name}`;
  const logBase = dagCtx.logBase ? `${dagCtx.logBase}.${task.name}` : task.name;
  const key = [...dagCtx.key, index];
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
        return ctx.record({
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
      return ctx.record({
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
    if (dagCtx.parallelism) {
      try {
        await dagCtx.parallelism.acquire(k, ctx.signal);
        release = () => dagCtx.parallelism!.release();
      } catch {
        return ctx.record({
          name,
          displayName: display,
          type: 'Skipped',
          template: rt.label,
          phase: 'Failed',
          message: ctx.abortMessage(),
        });
      }
    }
    try {
      return await ctx.executeTemplate(rt, a, name, display, log, k);
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
    const n = ctx.record({
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
    if (n.phase === 'Skipped' || n.phase === 'Omitted') return { phase: n.phase, scope: { ...skippedOutputs(ctx, dagCtx, task), ...s } };
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
  ctx.state.nodes[group.name] = group;
  if (items.length === 0) {
    ctx.record({ ...group, phase: 'Skipped', message: 'Skipped, empty params', finishedAt: new Date().toISOString() });
    return { phase: 'Skipped', itemPhases: [], scope: { ...skippedOutputs(ctx, dagCtx, task), [`${prefix}.status`]: 'Skipped' } };
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
  if (ctx.signal.aborted && children.some((c) => !DONE.includes(c.phase))) phase = 'Failed';
  ctx.record({ ...group, phase, finishedAt: new Date().toISOString() });
  const s: Scope = { [`${prefix}.status`]: phase, [`${prefix}.id`]: group.name };
  const names = (rt.template.outputs?.parameters ?? []).map((p) => p.name);
  for (const n of names)
    s[`${prefix}.outputs.parameters.${n}`] = JSON.stringify(children.filter((c) => c.outputs && n in c.outputs).map((c) => c.outputs![n]));
  s[`${prefix}.outputs.parameters`] = JSON.stringify(
    children.filter((c) => c.outputs && Object.keys(c.outputs).length).map((c) => c.outputs),
  );
  return { phase, itemPhases: children.map((c) => c.phase), scope: s };
}
