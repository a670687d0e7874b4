// Layer 3: the semantic checks of `argo lint` (Argo's workflow/validate package, v4.1.2), ported: template
// references, `{{...}}` variables in scope, DAG dependencies, arguments, leaf-only fields, enums, names and
// cron schedules. Unlike Argo, which stops at the first problem, this reports every problem with its path.
// This file checks a document's metadata, a CronWorkflow's schedule and the WorkflowSpec (globals, arguments,
// entrypoint, exit handler), then every template (templates.ts, steps-and-dags.ts).
import { isObject, type JsonObject, type LintedKind, type SourceDocument } from '../types.js';
import { checkArguments, checkFieldNames, checkHooks } from './arguments.js';
import type { Checker, SemanticOptions, SemanticProblem, TemplateLibrary } from './checker.js';
import { cronScheduleProblem, timeZoneProblem } from './cron.js';
import { generateNameProblems, MAX_CRON_WORKFLOW_NAME, MAX_OBJECT_NAME, objectNameProblems } from './names.js';
import { arr, obj, present, str } from './read.js';
import { checkSupplied, resolve, resolvedTemplate } from './references.js';
import { addGlobalOutputs } from './steps-and-dags.js';
import { validateTemplate } from './templates.js';
import { Scope } from './variables.js';

export type { SemanticOptions, SemanticProblem, TemplateLibrary } from './checker.js';
export { explainUnresolved } from './explain.js';

const POD_GC_STRATEGIES = ['', 'OnPodCompletion', 'OnPodSuccess', 'OnWorkflowCompletion', 'OnWorkflowSuccess'];
const CONCURRENCY_POLICIES = ['', 'Allow', 'Forbid', 'Replace'];

export function buildLibrary(docs: SourceDocument[]): TemplateLibrary {
  const lib: TemplateLibrary = { workflowTemplates: new Map(), clusterWorkflowTemplates: new Map() };
  for (const { doc } of docs) {
    if (!isObject(doc) || !isObject(doc.metadata) || typeof doc.metadata.name !== 'string') continue;
    if (doc.kind === 'WorkflowTemplate') lib.workflowTemplates.set(doc.metadata.name, doc);
    if (doc.kind === 'ClusterWorkflowTemplate') lib.clusterWorkflowTemplates.set(doc.metadata.name, doc);
  }
  return lib;
}

export function checkMetadata(c: Checker): void {
  const meta = obj(c.doc.metadata);
  const max = c.kind === 'CronWorkflow' ? MAX_CRON_WORKFLOW_NAME : MAX_OBJECT_NAME;
  if (typeof meta.name === 'string') for (const p of objectNameProblems(meta.name, max)) c.report('metadata.name', p);
  else if (typeof meta.generateName === 'string')
    for (const p of generateNameProblems(meta.generateName)) c.report('metadata.generateName', p);
  // Argo's validation does not check this (`argo submit --name` can supply it); `kubectl create` refuses it.
  else c.report('metadata', 'metadata.name or metadata.generateName is missing: kubectl create refuses it', true);
}

export function checkCron(c: Checker): void {
  const spec = obj(c.doc.spec);
  if (present(spec.schedule)) c.report('spec.schedule', 'Argo v4 removed `schedule`; use `schedules: ["<cron>"]`');
  const schedules = arr(spec.schedules);
  if (schedules.length === 0) c.report('spec.schedules', 'cron workflow must have at least one schedule');
  schedules.forEach((s, i) => {
    const problem = cronScheduleProblem(String(s));
    if (problem) c.report(`spec.schedules[${i}]`, `cron schedule ${JSON.stringify(s)} is malformed: ${problem}`);
  });
  if (typeof spec.timezone === 'string' && spec.timezone !== '') {
    const problem = timeZoneProblem(spec.timezone);
    if (problem) c.report('spec.timezone', `invalid timezone ${JSON.stringify(spec.timezone)}: ${problem}`);
  }
  if (present(spec.concurrencyPolicy) && !CONCURRENCY_POLICIES.includes(str(spec.concurrencyPolicy))) {
    c.report('spec.concurrencyPolicy', `'${String(spec.concurrencyPolicy)}' is not a valid concurrencyPolicy (Allow, Forbid or Replace)`);
  }
  if (typeof spec.startingDeadlineSeconds === 'number' && spec.startingDeadlineSeconds < 0) {
    c.report('spec.startingDeadlineSeconds', 'startingDeadlineSeconds must be positive');
  }
}

// ---- the WorkflowSpec: globals, arguments, entrypoint, exit handler, every template ----

export function checkWorkflowSpec(c: Checker): void {
  const spec = c.spec;
  const sp = c.specPath;
  const templates = arr(spec.templates);
  let refSpec: JsonObject | undefined;
  const wftRef = spec.workflowTemplateRef;
  if (isObject(wftRef)) {
    if (templates.length > 0) c.report(`${sp}.templates`, 'templates cannot be given with workflowTemplateRef');
    const name = str(wftRef.name);
    const found = wftRef.clusterScope === true ? c.lib.clusterWorkflowTemplates.get(name) : c.lib.workflowTemplates.get(name);
    if (found) refSpec = obj(found.spec);
    else if (!c.opts.allowExternalTemplateRefs) {
      const kind = wftRef.clusterScope === true ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate';
      c.report(`${sp}.workflowTemplateRef.name`, `${kind} "${name}" not found among the files linted`);
    }
  }
  checkFieldNames(c, templates, `${sp}.templates`, 'template');

  const args = obj(spec.arguments);
  const params = [...arr(args.parameters)];
  const artifacts = [...arr(args.artifacts)];
  if (refSpec) {
    const refArgs = obj(refSpec.arguments);
    const names = new Set(params.map((p) => obj(p).name));
    for (const p of arr(refArgs.parameters)) if (!names.has(obj(p).name)) params.push(p);
    const artNames = new Set(artifacts.map((a) => obj(a).name));
    for (const a of arr(refArgs.artifacts)) if (!artNames.has(obj(a).name)) artifacts.push(a);
  }
  const allowEmptyValues = c.kind !== 'CronWorkflow';
  checkArguments(c, args, `${sp}.arguments`, allowEmptyValues);
  setGlobals(c, params, refSpec);

  let entrypoint = str(spec.entrypoint);
  if (!entrypoint && refSpec) entrypoint = str(refSpec.entrypoint);
  const ignoreEntrypoint = c.templateValidation && entrypoint === '';
  const wfArgs: JsonObject = { parameters: params, artifacts };
  if (!ignoreEntrypoint) {
    if (entrypoint === '') c.report(`${sp}.entrypoint`, 'spec.entrypoint is required');
    else if (refSpec || !isObject(wftRef)) {
      const holder = refSpec
        ? { templateRef: { name: str(obj(wftRef).name), template: entrypoint, clusterScope: obj(wftRef).clusterScope } }
        : { template: entrypoint };
      const resolved = resolvedTemplate(resolve(c, holder, `${sp}.entrypoint`, c.spec));
      // A WorkflowTemplate is validated with made-up arguments: the Workflow that uses it brings them.
      if (resolved && !c.templateValidation) checkSupplied(c, resolved.template, wfArgs, `${sp}.entrypoint`);
    }
  }

  const onExit = str(spec.onExit) || (refSpec ? str(refSpec.onExit) : '');
  if (onExit && (!isObject(wftRef) || refSpec)) {
    const holder = refSpec
      ? { templateRef: { name: str(obj(wftRef).name), template: onExit, clusterScope: obj(wftRef).clusterScope } }
      : { template: onExit };
    const resolved = resolvedTemplate(resolve(c, holder, `${sp}.onExit`, c.spec));
    if (resolved) checkSupplied(c, resolved.template, args, `${sp}.onExit`);
  }
  checkHooks(c, spec.hooks, `${sp}.hooks`);
  const podGC = obj(spec.podGC);
  if (present(podGC.strategy) && !POD_GC_STRATEGIES.includes(str(podGC.strategy))) {
    c.report(
      `${sp}.podGC.strategy`,
      `unknown podGC strategy '${String(podGC.strategy)}' (${POD_GC_STRATEGIES.filter(Boolean).join(', ')})`,
    );
  }
  templates.forEach((t, i) => {
    if (isObject(t)) validateTemplate(c, t, `${sp}.templates[${i}]`, c.spec);
  });
}

export function setGlobals(c: Checker, params: unknown[], refSpec: JsonObject | undefined): void {
  const g = c.globals;
  g.add('workflow.name', 'workflow.namespace', 'workflow.mainEntrypoint', 'workflow.serviceAccountName', 'workflow.uid', 'workflow.status');
  g.add('workflow.annotations', 'workflow.annotations.json', 'workflow.labels', 'workflow.labels.json');
  if (params.length > 0) g.add('workflow.parameters', 'workflow.parameters.json');
  for (const p of params) if (str(obj(p).name)) g.add(`workflow.parameters.${str(obj(p).name)}`);
  const meta = obj(c.doc.metadata);
  const specs = [c.spec, ...(refSpec ? [refSpec] : [])];
  // CronWorkflows hand their own labels and annotations to the Workflows they create.
  const sources = [
    meta,
    ...specs.map((s) => obj(s.workflowMetadata)),
    ...(c.kind === 'CronWorkflow' ? [obj(obj(c.doc.spec).workflowMetadata)] : []),
  ];
  for (const src of sources) {
    for (const k of Object.keys(obj(src.annotations))) g.add(`workflow.annotations.${k}`);
    for (const k of [...Object.keys(obj(src.labels)), ...Object.keys(obj(src.labelsFrom))]) g.add(`workflow.labels.${k}`);
  }
  if (present(c.spec.priority)) g.add('workflow.priority');
  if (str(c.spec.onExit) || (refSpec && str(refSpec.onExit))) g.add('workflow.failures');
  if (c.templateValidation) g.anyWorkflowParameter = true;
  // Global outputs (globalName) of every template of this document are known before any template is checked.
  for (const s of specs) for (const t of arr(s.templates)) addGlobalOutputs(obj(t), g);
}

export function semanticProblems(doc: JsonObject, kind: LintedKind, lib: TemplateLibrary, opts: SemanticOptions = {}): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const spec = obj(doc.spec);
  const c: Checker = {
    doc,
    kind,
    lib,
    opts,
    specPath: kind === 'CronWorkflow' ? 'spec.workflowSpec' : 'spec',
    spec: kind === 'CronWorkflow' ? obj(spec.workflowSpec) : spec,
    templateValidation: kind === 'WorkflowTemplate' || kind === 'ClusterWorkflowTemplate',
    globals: new Scope(),
    validated: new Set(),
    report: (path, message, warning = false) => problems.push({ path, message, ...(warning ? { warning } : {}) }),
    validateTemplate: (t, path, tSpec) => validateTemplate(c, t, path, tSpec),
  };
  checkMetadata(c);
  if (kind === 'CronWorkflow') checkCron(c);
  checkWorkflowSpec(c);
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\n${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
