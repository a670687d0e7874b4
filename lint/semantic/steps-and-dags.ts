// Steps and DAG templates: step and task names, withItems/withParam/withSequence, references to the templates
// they run (checked in turn), DAG dependencies (unknown, cyclic, items-based conditions), and the scope of
// `steps.*` / `tasks.*` outputs each step or task may refer to.
import { isObject, type JsonObject } from '../types.js';
import { checkArguments, checkHooks, checkFieldNames } from './arguments.js';
import type { Checker } from './checker.js';
import { ancestry, findCycle, hasItems, invalidTaskResults, taskDependencies } from './dag.js';
import { checkVariables } from './explain.js';
import { isParameterReference, workflowFieldNameProblem } from './names.js';
import { arr, hasOutput, obj, present, str } from './read.js';
import { checkSupplied, resolve, resolvedTemplate } from './references.js';
import type { Scope } from './variables.js';

function hasExitHook(step: JsonObject): boolean {
  return present(obj(step.hooks).exit) || str(step.onExit) !== '';
}

export function addGlobalOutputs(t: JsonObject, scope: Scope): void {
  const outputs = obj(t.outputs);
  for (const p of arr(outputs.parameters)) {
    const name = str(obj(p).globalName);
    if (!name) continue;
    if (isParameterReference(name)) scope.anyWorkflowOutputParameter = true;
    else scope.add(`workflow.outputs.parameters.${name}`);
  }
  for (const a of arr(outputs.artifacts)) {
    const name = str(obj(a).globalName);
    if (!name) continue;
    if (isParameterReference(name)) scope.anyWorkflowOutputArtifact = true;
    else scope.add(`workflow.outputs.artifacts.${name}`);
  }
}

export function validateSteps(c: Checker, t: JsonObject, path: string, spec: JsonObject, scope: Scope): void {
  const name = str(t.name);
  if (present(t.activeDeadlineSeconds)) c.report(`${path}.activeDeadlineSeconds`, 'activeDeadlineSeconds is only valid for leaf templates');
  const seen = new Set<string>();
  const stepNames = new Set<string>();
  for (const g of arr(t.steps)) for (const s of arr(g)) stepNames.add(str(obj(s).name));
  arr(t.steps).forEach((group, gi) => {
    arr(group).forEach((raw, si) => {
      const step = obj(raw);
      const at = `${path}.steps[${gi}][${si}]`;
      const stepName = str(step.name);
      if (!stepName) return c.report(`${at}.name`, 'step name is required');
      if (seen.has(stepName)) c.report(`${at}.name`, `step name '${stepName}' is not unique`);
      const nameProblem = workflowFieldNameProblem(stepName.replace(/{{[^}]*}}/g, 'x'));
      if (nameProblem) c.report(`${at}.name`, nameProblem);
      seen.add(stepName);
      scope.add(`steps.${stepName}.status`);
      addItems(c, step, at, scope);
      checkArguments(c, obj(step.arguments), `${at}.arguments`, false);
      const resolved = resolve(c, step, at, spec);
      if (resolved === 'error') return;
      const tmpl = resolvedTemplate(resolved);
      if (tmpl?.path) c.validateTemplate(tmpl.template, tmpl.path, tmpl.spec);
      if (hasExitHook(step)) addOutputs(c, tmpl?.template, 'steps', stepName, scope, false, false);
      checkHooks(c, step.hooks, `${at}.hooks`);
      const stepScope = scope.copy();
      for (const p of arr(obj(obj(step.inline).inputs).parameters)) stepScope.add(`inputs.parameters.${str(obj(p).name)}`);
      checkVariables(c, step, at, stepScope, { template: name, kind: 'steps', known: stepNames, self: stepName });
      addOutputs(c, tmpl?.template, 'steps', stepName, scope, hasItems(step) && !isObject(step.withSequence), false);
      if (tmpl) checkSupplied(c, tmpl.template, obj(step.arguments), at);
    });
  });
}

/** withItems/withParam/withSequence define {{item}} (and {{item.key}} for maps) from here on, as in Argo. */
export function addItems(c: Checker, step: JsonObject, path: string, scope: Scope): void {
  const withItems = arr(step.withItems);
  const defined = [withItems.length > 0, str(step.withParam) !== '', isObject(step.withSequence)].filter(Boolean).length;
  if (defined > 1) c.report(path, 'only one of withItems, withParam, withSequence can be specified');
  if (withItems.length > 0) {
    // {{item}} is the whole item (JSON for maps and lists); Argo itself never checks the bare tag.
    scope.add('item');
    for (const item of withItems) {
      if (Array.isArray(item)) item.forEach((_, i) => scope.add(`item.[${i}]`));
      else if (isObject(item)) for (const k of Object.keys(item)) scope.add(`item.${k}`);
      else scope.add('item');
    }
  } else if (str(step.withParam)) {
    scope.add('item');
    scope.anyItem = true;
  } else if (isObject(step.withSequence)) {
    if (present(step.withSequence.count) && present(step.withSequence.end))
      c.report(`${path}.withSequence`, 'only one of count or end can be defined in withSequence');
    scope.add('item');
  }
}

export function addOutputs(
  c: Checker,
  t: JsonObject | undefined,
  prefix: 'steps' | 'tasks',
  name: string,
  scope: Scope,
  aggregate: boolean,
  ancestor: boolean,
): void {
  const p = `${prefix}.${name}`;
  scope.add(`${p}.id`, `${p}.startedAt`, `${p}.finishedAt`, `${p}.hostNodeName`);
  if (ancestor) scope.add(`${p}.status`);
  if (!t) return;
  if (t.daemon === true) scope.add(`${p}.ip`);
  if (hasOutput(t)) scope.add(`${p}.outputs.result`, `${p}.exitCode`);
  const outputs = obj(t.outputs);
  for (const o of arr(outputs.parameters)) scope.add(`${p}.outputs.parameters.${str(obj(o).name)}`);
  for (const o of arr(outputs.artifacts)) scope.add(`${p}.outputs.artifacts.${str(obj(o).name)}`);
  addGlobalOutputs(t, scope);
  addGlobalOutputs(t, c.globals);
  if (aggregate) {
    if (present(t.script) || present(t.containerSet)) scope.add(`${p}.outputs.result`, `${p}.exitCode`);
    scope.add(`${p}.outputs.parameters`);
  }
}

export function validateDag(c: Checker, t: JsonObject, path: string, spec: JsonObject, scope: Scope): void {
  const name = str(t.name);
  if (present(t.activeDeadlineSeconds)) c.report(`${path}.activeDeadlineSeconds`, 'activeDeadlineSeconds is only valid for leaf templates');
  const tasks = arr(obj(t.dag).tasks).map(obj);
  const at = (i: number) => `${path}.dag.tasks[${i}]`;
  if (tasks.length === 0) return c.report(`${path}.dag.tasks`, `template '${name}' must have at least one task`);
  checkFieldNames(c, tasks, `${path}.dag.tasks`, 'task');
  const byName = new Map(tasks.map((task) => [str(task.name), task]));
  const usingDepends = tasks.some((task) => str(task.depends) !== '');
  const graph = new Map<string, string[]>();
  const resolvedByName = new Map<string, JsonObject | undefined>();
  tasks.forEach((task, i) => {
    const taskName = str(task.name);
    const deps = taskDependencies(task);
    graph.set(taskName, [...deps.keys()]);
    if ((usingDepends || arr(task.dependencies).length > 0) && /^[0-9]/.test(taskName)) {
      c.report(`${at(i)}.name`, `task name '${taskName}' cannot begin with a digit when using either 'depends' or 'dependencies'`);
    }
    if (usingDepends && arr(task.dependencies).length > 0)
      c.report(`${at(i)}.dependencies`, "cannot use both 'depends' and 'dependencies' in the same DAG template");
    if (usingDepends && present(task.continueOn))
      c.report(`${at(i)}.continueOn`, "cannot use 'continueOn' when using 'depends'; use 'dep-task.Failed'/'dep-task.Errored'");
    const resolved = resolve(c, task, at(i), spec);
    const tmpl = resolvedTemplate(resolved);
    if (tmpl?.path) c.validateTemplate(tmpl.template, tmpl.path, tmpl.spec);
    resolvedByName.set(taskName, tmpl?.template);
    addOutputs(c, tmpl?.template, 'tasks', taskName, scope, hasItems(task) && !isObject(task.withSequence), false);
    for (const problem of invalidTaskResults(str(task.depends))) c.report(`${at(i)}.depends`, problem);
    for (const [dep, type] of deps) {
      const field = str(task.depends) ? 'depends' : 'dependencies';
      const depTask = byName.get(dep);
      if (!depTask)
        c.report(`${at(i)}.${field}`, `dependency '${dep}' not defined (tasks of template '${name}': ${[...byName.keys()].join(', ')})`);
      else if (type === 'items' && !hasItems(depTask)) {
        c.report(
          `${at(i)}.${field}`,
          `dependency '${dep}' uses an items-based condition such as .AnySucceeded or .AllFailed but does not contain any items`,
        );
      }
    }
  });
  const cycle = findCycle(graph);
  if (cycle) c.report(`${path}.dag.tasks`, `dependency cycle detected: ${cycle}`);
  const target = str(obj(t.dag).target);
  if (target) {
    checkVariables(c, target, `${path}.dag.target`, scope, { template: name, kind: 'dag' });
    for (const tname of target.split(' ')) {
      if (tname && !isParameterReference(tname) && !byName.has(tname)) c.report(`${path}.dag.target`, `target '${tname}' is not defined`);
    }
  }
  tasks.forEach((task, i) => {
    const taskName = str(task.name);
    if (present(task.hooks)) scope.add(`tasks.${taskName}.status`);
    const taskScope = scope.copy();
    const ancestors = cycle ? new Set<string>() : ancestry(graph, taskName);
    for (const a of ancestors) {
      const ancestorTask = byName.get(a);
      addOutputs(c, resolvedByName.get(a), 'tasks', a, taskScope, hasItems(ancestorTask) && !isObject(ancestorTask?.withSequence), true);
    }
    for (const p of arr(obj(obj(task.inline).inputs).parameters)) taskScope.add(`inputs.parameters.${str(obj(p).name)}`);
    addItems(c, task, at(i), taskScope);
    checkVariables(c, task, at(i), taskScope, {
      template: name,
      kind: 'dag',
      known: new Set(byName.keys()),
      self: taskName,
      ancestors,
    });
    checkArguments(c, obj(task.arguments), `${at(i)}.arguments`, false);
    checkArgumentDependencies(c, task, at(i), ancestors);
    const tmpl = resolvedByName.get(taskName);
    if (tmpl) checkSupplied(c, tmpl, obj(task.arguments), at(i));
  });
}

/** An argument taken from another task's output needs that task among its dependencies. */
export function checkArgumentDependencies(c: Checker, task: JsonObject, path: string, ancestors: Set<string>): void {
  const args = obj(task.arguments);
  arr(args.parameters).forEach((p, i) => {
    const value = typeof obj(p).value === 'string' ? str(obj(p).value) : '';
    const ref = /^{{tasks\.([^.}]+)\./.exec(value);
    if (ref && !ancestors.has(ref[1]))
      c.report(`${path}.arguments.parameters[${i}].value`, `missing dependency '${ref[1]}' for parameter '${str(obj(p).name)}'`);
  });
  arr(args.artifacts).forEach((a, i) => {
    const ref = /^{{tasks\.([^.}]+)\./.exec(str(obj(a).from));
    if (ref && !ancestors.has(ref[1]))
      c.report(`${path}.arguments.artifacts[${i}].from`, `missing dependency '${ref[1]}' for artifact '${str(obj(a).name)}'`);
  });
}
