// The validation pass: before anything runs, every template reachable from the entrypoint is checked against
// what the local executor implements. A feature it does not implement is an error naming the feature and the
// template, never silently ignored. Fields with no local meaning (images, resources, volumes, placement,
// security contexts, metrics) are accepted and ignored: the rebased paths are local and the step programs are
// the same code as in the images.
import { calledFunctions, FUNCTIONS, parseExpression } from './expression.js';
import { dependenciesToDepends, dependsTasks, parseDepends } from './depends.js';
import { tags } from './template-string.js';
import type { DagTask, LoadedWorkflow, Parameter, Template, TemplateScope } from './workflow.js';
import { resolveTaskTemplate } from './workflow.js';

export class UnsupportedWorkflowError extends Error {
  constructor(readonly problems: string[]) {
    super(`the local executor cannot run this workflow:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'UnsupportedWorkflowError';
  }
}

// Template kinds other than container and dag, with the words the message uses.
const UNSUPPORTED_KINDS: Record<string, string> = {
  script: 'script templates',
  resource: 'resource templates',
  suspend: 'suspend templates',
  steps: 'steps templates',
  http: 'http templates',
  plugin: 'plugin templates',
  containerSet: 'containerSet templates',
  data: 'data templates',
};

const UNSUPPORTED_TEMPLATE_FIELDS: Record<string, string> = {
  sidecars: 'sidecars',
  initContainers: 'initContainers',
  daemon: 'daemon templates',
  memoize: 'memoize',
  hooks: 'lifecycle hooks',
  timeout: 'template timeout',
  failFast: 'template failFast (steps)',
  artifactGC: 'artifactGC',
  archiveLocation: 'archiveLocation (artifacts)',
};

// Accepted without local effect.
const IGNORED_TEMPLATE_FIELDS = new Set([
  'metadata',
  'volumes',
  'nodeSelector',
  'tolerations',
  'affinity',
  'securityContext',
  'serviceAccountName',
  'automountServiceAccountToken',
  'priorityClassName',
  'priority',
  'schedulerName',
  'hostAliases',
  'metrics',
  'executor',
  'podSpecPatch', // evaluated per attempt; its container env is honoured (engine.ts)
  'pendingTimeout', // a local process is never Pending
]);
const SUPPORTED_TEMPLATE_FIELDS = new Set([
  'name',
  'inputs',
  'outputs',
  'container',
  'dag',
  'retryStrategy',
  'activeDeadlineSeconds',
  'synchronization',
  'parallelism',
]);

const IGNORED_CONTAINER_FIELDS = new Set([
  'name',
  'image',
  'imagePullPolicy',
  'resources',
  'volumeMounts',
  'volumeDevices',
  'securityContext',
  'ports',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'resizePolicy',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
]);
const SUPPORTED_CONTAINER_FIELDS = new Set(['command', 'args', 'env']);

const SUPPORTED_TASK_FIELDS = new Set([
  'name',
  'template',
  'templateRef',
  'arguments',
  'depends',
  'dependencies',
  'when',
  'withItems',
  'withParam',
  'withSequence',
  'continueOn',
]);
const UNSUPPORTED_TASK_FIELDS: Record<string, string> = { onExit: 'onExit handlers', hooks: 'lifecycle hooks', inline: 'inline templates' };

const IGNORED_SPEC_FIELDS = new Set([
  'serviceAccountName',
  'automountServiceAccountToken',
  'podGC',
  'ttlStrategy',
  'securityContext',
  'podMetadata',
  'workflowMetadata',
  'volumes',
  'nodeSelector',
  'tolerations',
  'affinity',
  'imagePullSecrets',
  'priority',
  'podPriorityClassName',
  'podPriority',
  'podDisruptionBudget',
  'archiveLogs',
  'artifactRepositoryRef',
  'metrics',
  'hostNetwork',
  'dnsPolicy',
  'dnsConfig',
  'schedulerName',
  'executor',
  'volumeClaimGC',
]);
const SUPPORTED_SPEC_FIELDS = new Set(['entrypoint', 'arguments', 'templates', 'activeDeadlineSeconds', 'parallelism']);
const UNSUPPORTED_SPEC_FIELDS: Record<string, string> = {
  onExit: 'onExit handlers',
  hooks: 'lifecycle hooks',
  templateDefaults: 'templateDefaults',
  retryStrategy: 'a workflow-level retryStrategy',
  volumeClaimTemplates: 'volumeClaimTemplates',
  synchronization: 'workflow-level synchronization',
  suspend: 'suspend',
  shutdown: 'shutdown',
  workflowTemplateRef: 'workflowTemplateRef',
  podSpecPatch: 'a workflow-level podSpecPatch',
};

const RETRY_POLICIES = ['Always', 'OnFailure', 'OnError', 'OnTransientError'];

// Variables a template may use, beyond its inputs (checked separately).
const GLOBAL_NAMES =
  /^(workflow\.(name|namespace|uid|serviceAccountName|creationTimestamp|mainEntrypoint|parameters)|retries|lastRetry\.(exitCode|status|duration|message)|pod\.name|node\.name)$/;

interface Context {
  wf: LoadedWorkflow;
  problems: string[];
}

function checkExpression(body: string, where: string, ctx: Context): void {
  try {
    const ast = parseExpression(body, 'expr');
    for (const fn of calledFunctions(ast))
      if (!(fn in FUNCTIONS))
        ctx.problems.push(`${where}: expression function "${fn}" is not supported (supported: ${Object.keys(FUNCTIONS).join(', ')})`);
  } catch (e) {
    ctx.problems.push(`${where}: ${(e as Error).message}`);
  }
}

/** Checks the `{{...}}` tags of a string used in a template. `names` says whether a plain tag may resolve. */
function checkTags(text: unknown, where: string, ctx: Context, resolvable: (name: string) => string | null): void {
  if (typeof text !== 'string') return;
  for (const tag of tags(text)) {
    if (tag.expression) checkExpression(tag.body, where, ctx);
    else {
      const problem = resolvable(tag.body);
      if (problem) ctx.problems.push(`${where}: {{${tag.body}}} ${problem}`);
    }
  }
}

function checkParameters(params: Parameter[] | undefined, where: string, ctx: Context, allowValueFromPath: boolean): void {
  for (const p of params ?? []) {
    if (!p.valueFrom) continue;
    const keys = Object.keys(p.valueFrom).filter((k) => !(allowValueFromPath && (k === 'path' || k === 'default')));
    if (keys.length) ctx.problems.push(`${where}: parameter "${p.name}": valueFrom.${keys[0]} is not supported`);
  }
  for (const p of params ?? [])
    if ('globalName' in p) ctx.problems.push(`${where}: parameter "${p.name}": globalName (global outputs) is not supported`);
}

function checkFields(
  obj: object,
  where: string,
  ctx: Context,
  supported: Set<string>,
  ignored: Set<string>,
  unsupported: Record<string, string>,
): void {
  for (const key of Object.keys(obj)) {
    if (supported.has(key) || ignored.has(key)) continue;
    ctx.problems.push(
      `${where}: ${unsupported[key] ?? `field "${key}"`} ${unsupported[key] ? 'are' : 'is'} not supported by the local executor`,
    );
  }
}

function taskReferenceProblem(name: string, tasks: Map<string, DagTask>, inputs: Set<string>, globals: Set<string>): string | null {
  const m = /^tasks\.([^.]+)\.(.+)$/.exec(name);
  if (m) {
    if (!tasks.has(m[1])) return `refers to an unknown task "${m[1]}"`;
    if (m[2] === 'outputs.result') return 'is not supported (outputs.result: captured stdout)';
    if (m[2].startsWith('outputs.artifacts')) return 'is not supported (artifacts)';
    if (/^(outputs\.parameters(\.[^.]+)?|status|exitCode|startedAt|finishedAt|id|ip)$/.test(m[2])) return null;
    return 'is not a task variable the local executor knows';
  }
  return templateReferenceProblem(name, inputs, globals);
}

function templateReferenceProblem(name: string, inputs: Set<string>, globals: Set<string>): string | null {
  if (name.startsWith('inputs.parameters.'))
    return inputs.has(name.slice('inputs.parameters.'.length)) ? null : 'names an input parameter the template does not declare';
  if (name === 'inputs.parameters') return null;
  if (name.startsWith('inputs.artifacts')) return 'is not supported (artifacts)';
  if (name.startsWith('workflow.parameters.'))
    return globals.has(name.slice('workflow.parameters.'.length)) ? null : 'names a workflow parameter the workflow does not declare';
  if (name === 'item' || name.startsWith('item.')) return null;
  if (name.startsWith('steps.')) return 'is not supported (steps templates)';
  if (name.startsWith('workflow.outputs')) return 'is not supported (global outputs)';
  if (GLOBAL_NAMES.test(name)) return null;
  return 'is not a variable the local executor knows';
}

function checkSynchronization(t: Template, where: string, ctx: Context): void {
  const sync = t.synchronization;
  if (!sync) return;
  const refs = [...(sync.semaphores ?? []), ...(sync.semaphore ? [sync.semaphore] : [])];
  for (const ref of refs) {
    const cm = ref.configMapKeyRef;
    if (!cm) {
      ctx.problems.push(`${where}: synchronization semaphore without configMapKeyRef (${Object.keys(ref).join(', ')}) is not supported`);
      continue;
    }
    const limit = ctx.wf.configMaps.get(cm.name)?.[cm.key];
    if (limit === undefined)
      ctx.problems.push(`${where}: semaphore ConfigMap "${cm.name}" key "${cm.key}" not found among the rendered resources`);
    else if (!/^[0-9]+$/.test(String(limit).trim()))
      ctx.problems.push(`${where}: semaphore ConfigMap "${cm.name}" key "${cm.key}" is not an integer: ${limit}`);
  }
  for (const m of [...(sync.mutexes ?? []), ...(sync.mutex ? [sync.mutex] : [])])
    if (Object.keys(m).some((k) => k !== 'name' && k !== 'namespace')) ctx.problems.push(`${where}: database mutexes are not supported`);
  for (const key of Object.keys(sync))
    if (!['semaphores', 'semaphore', 'mutexes', 'mutex'].includes(key))
      ctx.problems.push(`${where}: synchronization.${key} is not supported`);
}

function checkRetry(t: Template, where: string, ctx: Context): void {
  const r = t.retryStrategy;
  if (!r) return;
  if (t.dag) ctx.problems.push(`${where}: retryStrategy on a dag template is not supported`);
  if (r.retryPolicy !== undefined && !RETRY_POLICIES.includes(r.retryPolicy))
    ctx.problems.push(
      `${where}: retryStrategy.retryPolicy must be one of ${RETRY_POLICIES.join(', ')}, got ${JSON.stringify(r.retryPolicy)}`,
    );
  if (r.expression) checkExpression(r.expression, `${where}: retryStrategy.expression`, ctx);
  for (const key of Object.keys(r))
    if (!['limit', 'retryPolicy', 'expression', 'backoff', 'affinity'].includes(key))
      ctx.problems.push(`${where}: retryStrategy.${key} is not supported`);
  for (const key of Object.keys(r.backoff ?? {}))
    if (!['duration', 'factor', 'maxDuration', 'cap'].includes(key))
      ctx.problems.push(`${where}: retryStrategy.backoff.${key} is not supported`);
}

function checkDag(
  t: Template,
  scope: TemplateScope,
  where: string,
  ctx: Context,
  globals: Set<string>,
  visit: (scope: TemplateScope, task: DagTask) => void,
): void {
  const dag = t.dag!;
  for (const key of Object.keys(dag))
    if (!['tasks', 'failFast', 'target'].includes(key)) ctx.problems.push(`${where}: dag.${key} is not supported`);
  const tasks = new Map((dag.tasks ?? []).map((task) => [task.name, task]));
  const inputs = new Set((t.inputs?.parameters ?? []).map((p) => p.name));
  const deps = new Map<string, string[]>();
  for (const task of dag.tasks ?? []) {
    const tw = `${where}: task "${task.name}"`;
    checkFields(task, tw, ctx, SUPPORTED_TASK_FIELDS, new Set(), UNSUPPORTED_TASK_FIELDS);
    if (task.templateRef?.clusterScope) ctx.problems.push(`${tw}: ClusterWorkflowTemplate references are not supported`);
    if (task.arguments?.artifacts?.length) ctx.problems.push(`${tw}: artifact arguments are not supported`);
    checkParameters(task.arguments?.parameters, tw, ctx, false);
    let logic = task.depends;
    if (task.depends && task.dependencies) ctx.problems.push(`${tw}: has both depends and dependencies`);
    if (!logic && task.dependencies?.length) logic = dependenciesToDepends(task.dependencies, (d) => tasks.get(d)?.continueOn);
    try {
      const names = logic ? dependsTasks(parseDepends(logic)) : [];
      for (const n of names) if (!tasks.has(n)) ctx.problems.push(`${tw}: depends on an unknown task "${n}"`);
      deps.set(task.name, names);
    } catch (e) {
      ctx.problems.push(`${tw}: ${(e as Error).message}`);
      deps.set(task.name, []);
    }
    const refProblem = (name: string) => taskReferenceProblem(name, tasks, inputs, globals);
    for (const p of task.arguments?.parameters ?? []) checkTags(p.value, `${tw}: argument "${p.name}"`, ctx, refProblem);
    checkTags(task.when, `${tw}: when`, ctx, refProblem);
    checkTags(task.withParam, `${tw}: withParam`, ctx, refProblem);
    for (const v of Object.values(task.withSequence ?? {})) checkTags(v, `${tw}: withSequence`, ctx, refProblem);
    if (!task.template && !task.templateRef) ctx.problems.push(`${tw}: names no template`);
    else visit(scope, task);
  }
  // Cycles: depth-first search over the dependency graph.
  const state = new Map<string, 'visiting' | 'done'>();
  const walk = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      ctx.problems.push(`${where}: dependency cycle ${[...path.slice(path.indexOf(name)), name].join(' -> ')}`);
      return;
    }
    state.set(name, 'visiting');
    for (const d of deps.get(name) ?? []) if (tasks.has(d)) walk(d, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of tasks.keys()) walk(name, []);
}

function checkTemplate(
  t: Template,
  scope: TemplateScope,
  label: string,
  ctx: Context,
  globals: Set<string>,
  visit: (scope: TemplateScope, task: DagTask) => void,
): void {
  const where = `template "${label}"`;
  for (const [kind, words] of Object.entries(UNSUPPORTED_KINDS))
    if (kind in t) ctx.problems.push(`${where}: ${words} are not supported by the local executor`);
  const kinds = Object.keys(UNSUPPORTED_KINDS).filter((k) => k in t);
  for (const [field, words] of Object.entries(UNSUPPORTED_TEMPLATE_FIELDS))
    if (field in t) ctx.problems.push(`${where}: ${words} are not supported by the local executor`);
  const known = new Set([
    ...SUPPORTED_TEMPLATE_FIELDS,
    ...IGNORED_TEMPLATE_FIELDS,
    ...Object.keys(UNSUPPORTED_KINDS),
    ...Object.keys(UNSUPPORTED_TEMPLATE_FIELDS),
  ]);
  for (const key of Object.keys(t))
    if (!known.has(key)) ctx.problems.push(`${where}: field "${key}" is not supported by the local executor`);
  if (!t.container && !t.dag && kinds.length === 0) ctx.problems.push(`${where}: has neither a container nor a dag`);
  if (t.inputs?.artifacts?.length) ctx.problems.push(`${where}: input artifacts are not supported`);
  if (t.outputs?.artifacts?.length) ctx.problems.push(`${where}: output artifacts are not supported`);
  for (const key of Object.keys(t.outputs ?? {}))
    if (key !== 'parameters' && key !== 'artifacts') ctx.problems.push(`${where}: outputs.${key} is not supported`);
  checkParameters(t.inputs?.parameters, `${where}: input`, ctx, false);
  checkParameters(t.outputs?.parameters, `${where}: output`, ctx, !!t.container);
  if (t.dag && t.outputs?.parameters?.length) ctx.problems.push(`${where}: outputs of a dag template are not supported`);
  if (t.dag && t.activeDeadlineSeconds !== undefined)
    ctx.problems.push(`${where}: activeDeadlineSeconds on a dag template is not supported`);
  checkRetry(t, where, ctx);
  checkSynchronization(t, where, ctx);
  const inputs = new Set((t.inputs?.parameters ?? []).map((p) => p.name));
  const refProblem = (name: string) => templateReferenceProblem(name, inputs, globals);
  if (t.container) {
    const c = t.container;
    checkFields(c, `${where}: container`, ctx, SUPPORTED_CONTAINER_FIELDS, IGNORED_CONTAINER_FIELDS, {});
    if (!c.command?.length) ctx.problems.push(`${where}: container.command is required locally (an image's entrypoint is not known)`);
    for (const e of c.env ?? []) if (e.valueFrom !== undefined) ctx.problems.push(`${where}: env "${e.name}": valueFrom is not supported`);
    for (const s of [...(c.command ?? []), ...(c.args ?? []), ...(c.env ?? []).map((e) => e.value)]) checkTags(s, where, ctx, refProblem);
    for (const p of t.outputs?.parameters ?? []) checkTags(p.valueFrom?.path, `${where}: output "${p.name}"`, ctx, refProblem);
    checkTags(t.podSpecPatch, `${where}: podSpecPatch`, ctx, refProblem);
    checkTags(t.activeDeadlineSeconds, `${where}: activeDeadlineSeconds`, ctx, refProblem);
  }
  if (t.dag) checkDag(t, scope, where, ctx, globals, visit);
}

/** Throws UnsupportedWorkflowError listing every problem; returns quietly when the workflow can run locally. */
export function validateWorkflow(wf: LoadedWorkflow): void {
  const ctx: Context = { wf, problems: [] };
  const spec = wf.spec;
  checkFields(spec, 'workflow spec', ctx, SUPPORTED_SPEC_FIELDS, IGNORED_SPEC_FIELDS, UNSUPPORTED_SPEC_FIELDS);
  if (spec.arguments?.artifacts?.length) ctx.problems.push('workflow spec: artifact arguments are not supported');
  checkParameters(spec.arguments?.parameters, 'workflow spec: argument', ctx, false);
  const globals = new Set((spec.arguments?.parameters ?? []).map((p) => p.name));
  const seen = new Set<string>();
  const queue: { scope: TemplateScope; template: Template; label: string }[] = [];
  const entry = spec.entrypoint ? wf.templates.get('')?.get(spec.entrypoint) : undefined;
  if (!spec.entrypoint) ctx.problems.push('workflow spec: no entrypoint');
  else if (!entry) ctx.problems.push(`workflow spec: entrypoint template "${spec.entrypoint}" not found`);
  else queue.push({ scope: '', template: entry, label: entry.name });
  const visit = (scope: TemplateScope, task: DagTask) => {
    try {
      queue.push(resolveTaskTemplate(wf, scope, task));
    } catch (e) {
      ctx.problems.push(`task "${task.name}": ${(e as Error).message}`);
    }
  };
  // Every template of the workflow and of each WorkflowTemplate it references is checked, reachable or not
  // (as argo lint does), so a message names every unsupported feature at once.
  const scopes = new Set<string>();
  const enqueueScope = (scope: TemplateScope) => {
    if (scopes.has(scope)) return;
    scopes.add(scope);
    for (const t of wf.templates.get(scope)?.values() ?? [])
      queue.push({ scope, template: t, label: scope ? `${scope}/${t.name}` : t.name });
  };
  enqueueScope('');
  while (queue.length) {
    const next = queue.shift()!;
    if (seen.has(next.label)) continue;
    seen.add(next.label);
    enqueueScope(next.scope);
    checkTemplate(next.template, next.scope, next.label, ctx, globals, visit);
  }
  if (ctx.problems.length) throw new UnsupportedWorkflowError([...new Set(ctx.problems)]);
}
