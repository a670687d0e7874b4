// A DAG template: tasks start in order once their `depends` (or `dependencies`) are settled, a task whose
// condition is false is Omitted, only `dag.target` and what it needs run, failFast stops new starts after a
// failed branch, and the DAG's phase comes from its targets as in Argo's assessDAGPhase.
import { dependenciesToDepends, dependsTasks, evalDepends, parseDepends, type DependsAst, type TaskOutcome } from './depends.js';
import { Limit } from './limits.js';
import { asNumber, type RunContext } from './run-context.js';
import { completed, failedOrError, type NodeRecord, type Phase } from './state.js';
import { runTask, skippedOutputs } from './task.js';
import { substitute, type Scope } from './template-string.js';
import type { ResolvedTemplate } from './workflow.js';

/** What a DAG's later tasks see of a finished task. */
export interface TaskResult extends TaskOutcome {
  scope: Scope;
}

export interface DagContext {
  template: ResolvedTemplate;
  nodeName: string;
  logBase: string;
  key: number[];
  scope: Scope;
  parallelism?: Limit;
}

type Logic = Map<string, { ast?: DependsAst; deps: string[] }>;

export async function runDag(ctx: RunContext, dagCtx: DagContext, base: NodeRecord): Promise<NodeRecord> {
  const t = dagCtx.template.template;
  const dag = t.dag!;
  const node: NodeRecord = { ...base, type: 'DAG' };
  ctx.state.nodes[node.name] = node;
  const tasks = dag.tasks;
  const byName = new Map(tasks.map((task) => [task.name, task]));
  const logic: Logic = new Map();
  for (const task of tasks) {
    const text =
      task.depends || (task.dependencies?.length ? dependenciesToDepends(task.dependencies, (d) => byName.get(d)?.continueOn) : '');
    const ast = text ? parseDepends(text) : undefined;
    logic.set(task.name, { ast, deps: ast ? dependsTasks(ast) : [] });
  }
  let targets: string[];
  try {
    const target = dag.target ? substitute(dag.target, dagCtx.scope, `template "${dagCtx.template.label}": dag.target`).trim() : '';
    targets = target
      ? target.split(/\s+/)
      : tasks.filter((x) => !tasks.some((y) => logic.get(y.name)!.deps.includes(x.name))).map((x) => x.name);
    for (const name of targets) if (!byName.has(name)) throw new Error(`dag.target names an unknown task "${name}"`);
  } catch (e) {
    return ctx.record({ ...node, phase: 'Error', message: (e as Error).message, finishedAt: new Date().toISOString() });
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
    dagCtx.parallelism = new Limit(`${node.name} parallelism`, asNumber(t.parallelism, `template "${dagCtx.template.label}": parallelism`));

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
          if (stopScheduling || ctx.signal.aborted) continue;
          const { ast, deps } = logic.get(task.name)!;
          if (!deps.every((d) => results.has(d))) continue;
          started.add(task.name);
          if (ast && !evalDepends(ast, (d) => results.get(d)!)) {
            const omitted = ctx.record({
              name: `${node.name}.${task.name}`,
              displayName: task.name,
              type: 'Skipped',
              phase: 'Omitted',
              message: 'omitted: depends condition not met',
              startedAt: new Date().toISOString(),
              finishedAt: new Date().toISOString(),
            });
            results.set(task.name, { phase: omitted.phase, scope: skippedOutputs(ctx, dagCtx, task) });
            changed = true;
            continue;
          }
          running++;
          runTask(ctx, dagCtx, task, index, results)
            .catch((e: Error) => {
              const failed = ctx.record({
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
              if (failFast && failedOrError(assessDag(targets, logic, results, continueOn, true))) stopScheduling = true;
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
  if (ctx.signal.aborted && [...needed].some((n) => !results.has(n))) {
    phase = 'Failed';
    message = ctx.abortMessage();
  } else {
    const assessed = assessDag(targets, logic, results, continueOn, failFast);
    phase = assessed === 'Running' ? 'Failed' : assessed;
  }
  return ctx.record({ ...node, phase, message, finishedAt: new Date().toISOString() });
}

/**
 * Argo's assessDAGPhase: the DAG's phase comes from its target tasks (default: the leaves). An omitted target
 * takes the phase of the branch that led to it (the last completed task on the way, Failed/Error preferred);
 * a target that failed with continueOn does not fail the DAG.
 */
export function assessDag(
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
