// DAG dependencies as Argo reads them: `depends` expressions (`a.Succeeded && (b || c.Failed)`) or the older
// `dependencies` list; task results; cycles; ancestry.
import { isObject, type JsonObject } from '../types.js';

export const TASK_RESULTS = ['Succeeded', 'Failed', 'Errored', 'Skipped', 'Omitted', 'Daemoned', 'AnySucceeded', 'AllFailed'];
/** Results that only make sense for a task that expands into items (withItems/withParam/withSequence). */
const ITEM_RESULTS = new Set(['AnySucceeded', 'AllFailed']);

const TASK_REFERENCE = /([a-zA-Z0-9][-a-zA-Z0-9]*?\.[A-Z][a-zA-Z]+)|([a-zA-Z0-9][-a-zA-Z0-9]*)/g;
const TASK_RESULT = /([a-zA-Z0-9][-a-zA-Z0-9]*?\.[A-Z][a-zA-Z]+)/g;

export type DependencyType = 'task' | 'items';

/** The tasks a task depends on (name -> whether an items-based result such as .AnySucceeded is used). */
export function taskDependencies(task: JsonObject): Map<string, DependencyType> {
  const deps = new Map<string, DependencyType>();
  if (typeof task.depends === 'string' && task.depends !== '') {
    for (const m of task.depends.matchAll(TASK_REFERENCE)) {
      if (m[1]) {
        const [name, result] = m[1].split('.');
        if (ITEM_RESULTS.has(result)) deps.set(name, 'items');
        else if (!deps.has(name)) deps.set(name, 'task');
      } else if (m[2]) {
        deps.set(m[2], deps.get(m[2]) ?? 'task');
      }
    }
  } else if (Array.isArray(task.dependencies)) {
    for (const d of task.dependencies) if (typeof d === 'string') deps.set(d, 'task');
  }
  return deps;
}

/** `task result 'Succeded' for task 'a' is invalid` for each misspelled result in `depends`. */
export function invalidTaskResults(depends: string): string[] {
  const out: string[] = [];
  for (const m of depends.matchAll(TASK_RESULT)) {
    const [name, result] = m[1].split('.');
    if (!TASK_RESULTS.includes(result))
      out.push(`task result '${result}' for task '${name}' is invalid (valid: ${TASK_RESULTS.join(', ')})`);
  }
  return out;
}

export function hasItems(task: unknown): boolean {
  if (!isObject(task)) return false;
  return (
    (Array.isArray(task.withItems) && task.withItems.length > 0) ||
    (typeof task.withParam === 'string' && task.withParam !== '') ||
    isObject(task.withSequence)
  );
}

/** The first dependency cycle found, as `a->b->a`, or undefined. */
export function findCycle(graph: Map<string, string[]>): string | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name].join('->');
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of graph.get(name) ?? []) {
      if (!graph.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of graph.keys()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Every task a task transitively depends on (not itself). */
export function ancestry(graph: Map<string, string[]>, task: string): Set<string> {
  const seen = new Set<string>();
  const walk = (name: string) => {
    for (const dep of graph.get(name) ?? []) {
      if (seen.has(dep) || dep === task) continue;
      seen.add(dep);
      walk(dep);
    }
  };
  walk(task);
  return seen;
}
