// Layer 3: the semantic checks of `argo lint` (Argo's workflow/validate package, v4.1.2), ported: template
// references, `{{...}}` variables in scope, DAG dependencies, arguments, leaf-only fields, enums, names and
// cron schedules. Unlike Argo, which stops at the first problem, this reports every problem with its path.
import yaml from 'js-yaml';
import { isObject, joinPath, type JsonObject, type LintedKind, type SourceDocument } from '../types.js';
import { cronScheduleProblem, timeZoneProblem } from './cron.js';
import { ancestry, findCycle, hasItems, invalidTaskResults, taskDependencies } from './dag.js';
import {
  generateNameProblems,
  isParameterReference,
  MAX_CRON_WORKFLOW_NAME,
  MAX_OBJECT_NAME,
  objectNameProblems,
  paramOrArtifactNameProblem,
  workflowFieldNameProblem,
} from './names.js';
import { checkedTags, Scope } from './variables.js';

export interface SemanticProblem {
  path: string;
  message: string;
  /** Not an Argo rule: reported, but the document still passes. */
  warning?: boolean;
}

/** WorkflowTemplates and ClusterWorkflowTemplates among the documents linted, by name: templateRefs resolve here. */
export interface TemplateLibrary {
  workflowTemplates: Map<string, JsonObject>;
  clusterWorkflowTemplates: Map<string, JsonObject>;
}

export function buildLibrary(docs: SourceDocument[]): TemplateLibrary {
  const lib: TemplateLibrary = { workflowTemplates: new Map(), clusterWorkflowTemplates: new Map() };
  for (const { doc } of docs) {
    if (!isObject(doc) || !isObject(doc.metadata) || typeof doc.metadata.name !== 'string') continue;
    if (doc.kind === 'WorkflowTemplate') lib.workflowTemplates.set(doc.metadata.name, doc);
    if (doc.kind === 'ClusterWorkflowTemplate') lib.clusterWorkflowTemplates.set(doc.metadata.name, doc);
  }
  return lib;
}

export interface SemanticOptions {
  /** Do not report templateRefs to WorkflowTemplates that are not among the documents (they live in the cluster). */
  allowExternalTemplateRefs?: boolean;
}

const TEMPLATE_TYPES = ['container', 'containerSet', 'steps', 'script', 'resource', 'dag', 'suspend', 'data', 'http', 'plugin'];
const LEAF_TYPES = new Set(['container', 'containerSet', 'script', 'resource', 'data', 'http', 'plugin']);
const POD_TYPES = new Set(['container', 'containerSet', 'script', 'resource', 'data']);
const RETRY_POLICIES = ['Always', 'OnFailure', 'OnError', 'OnTransientError'];
const POD_GC_STRATEGIES = ['', 'OnPodCompletion', 'OnPodSuccess', 'OnWorkflowCompletion', 'OnWorkflowSuccess'];
const CONCURRENCY_POLICIES = ['', 'Allow', 'Forbid', 'Replace'];
const RESOURCE_ACTIONS = ['get', 'create', 'apply', 'delete', 'replace', 'patch'];
const ARTIFACT_LOCATIONS = ['s3', 'git', 'http', 'artifactory', 'hdfs', 'raw', 'oss', 'gcs', 'azure', 'plugin'];
const METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const present = (v: unknown): boolean => v !== undefined && v !== null;
const hasTag = (s: string): boolean => s.includes('{{');

function templateType(t: JsonObject): string | undefined {
  return TEMPLATE_TYPES.find((k) => present(t[k]));
}
const isPod = (t: JsonObject) => POD_TYPES.has(templateType(t) ?? '');

function hasContainerNamed(t: JsonObject, name: string): boolean {
  return arr(obj(t.containerSet).containers).some((c) => obj(c).name === name);
}

/** Whether a template exposes outputs.result and exitCode (Argo's HasOutput). */
function hasOutput(t: JsonObject): boolean {
  return (
    present(t.container) || hasContainerNamed(t, 'main') || present(t.script) || present(t.data) || present(t.http) || present(t.plugin)
  );
}

/** An artifact has a location when any storage is given (or a key for the default repository). */
function hasLocationOrKey(a: JsonObject): boolean {
  return ARTIFACT_LOCATIONS.some((k) => present(a[k])) || typeof a.key === 'string';
}

/** A template found by a reference: where it is defined and the WorkflowSpec it belongs to. */
interface Resolved {
  template: JsonObject;
  /** Path of the template in the current document, or undefined when it lives in another document. */
  path?: string;
  spec: JsonObject;
}

/** The outcome of resolving a template holder: a template, a reference only known at run time, or an error (reported). */
type Resolution = Resolved | 'dynamic' | 'error';
const resolvedTemplate = (r: Resolution): Resolved | undefined => (typeof r === 'object' ? r : undefined);

class DocumentValidator {
  readonly problems: SemanticProblem[] = [];
  private readonly globals = new Scope();
  private readonly validated = new Set<string>();
  private readonly spec: JsonObject;
  private readonly specPath: string;
  private readonly templateValidation: boolean;

  constructor(
    private readonly doc: JsonObject,
    private readonly kind: LintedKind,
    private readonly lib: TemplateLibrary,
    private readonly opts: SemanticOptions,
  ) {
    const spec = obj(doc.spec);
    this.specPath = kind === 'CronWorkflow' ? 'spec.workflowSpec' : 'spec';
    this.spec = kind === 'CronWorkflow' ? obj(spec.workflowSpec) : spec;
    this.templateValidation = kind === 'WorkflowTemplate' || kind === 'ClusterWorkflowTemplate';
  }

  private report(path: string, message: string, warning = false): void {
    this.problems.push({ path, message, ...(warning ? { warning } : {}) });
  }

  run(): SemanticProblem[] {
    this.checkMetadata();
    if (this.kind === 'CronWorkflow') this.checkCron();
    this.checkWorkflowSpec();
    return this.problems;
  }

  private checkMetadata(): void {
    const meta = obj(this.doc.metadata);
    const max = this.kind === 'CronWorkflow' ? MAX_CRON_WORKFLOW_NAME : MAX_OBJECT_NAME;
    if (typeof meta.name === 'string') for (const p of objectNameProblems(meta.name, max)) this.report('metadata.name', p);
    else if (typeof meta.generateName === 'string')
      for (const p of generateNameProblems(meta.generateName)) this.report('metadata.generateName', p);
    // Argo's validation does not check this (`argo submit --name` can supply it); `kubectl create` refuses it.
    else this.report('metadata', 'metadata.name or metadata.generateName is missing: kubectl create refuses it', true);
  }

  private checkCron(): void {
    const spec = obj(this.doc.spec);
    if (present(spec.schedule)) this.report('spec.schedule', 'Argo v4 removed `schedule`; use `schedules: ["<cron>"]`');
    const schedules = arr(spec.schedules);
    if (schedules.length === 0) this.report('spec.schedules', 'cron workflow must have at least one schedule');
    schedules.forEach((s, i) => {
      const problem = cronScheduleProblem(String(s));
      if (problem) this.report(`spec.schedules[${i}]`, `cron schedule ${JSON.stringify(s)} is malformed: ${problem}`);
    });
    if (typeof spec.timezone === 'string' && spec.timezone !== '') {
      const problem = timeZoneProblem(spec.timezone);
      if (problem) this.report('spec.timezone', `invalid timezone ${JSON.stringify(spec.timezone)}: ${problem}`);
    }
    if (present(spec.concurrencyPolicy) && !CONCURRENCY_POLICIES.includes(str(spec.concurrencyPolicy))) {
      this.report(
        'spec.concurrencyPolicy',
        `'${String(spec.concurrencyPolicy)}' is not a valid concurrencyPolicy (Allow, Forbid or Replace)`,
      );
    }
    if (typeof spec.startingDeadlineSeconds === 'number' && spec.startingDeadlineSeconds < 0) {
      this.report('spec.startingDeadlineSeconds', 'startingDeadlineSeconds must be positive');
    }
  }

  // ---- the WorkflowSpec: globals, arguments, entrypoint, exit handler, every template ----

  private checkWorkflowSpec(): void {
    const spec = this.spec;
    const sp = this.specPath;
    const templates = arr(spec.templates);
    let refSpec: JsonObject | undefined;
    const wftRef = spec.workflowTemplateRef;
    if (isObject(wftRef)) {
      if (templates.length > 0) this.report(`${sp}.templates`, 'templates cannot be given with workflowTemplateRef');
      const name = str(wftRef.name);
      const found = wftRef.clusterScope === true ? this.lib.clusterWorkflowTemplates.get(name) : this.lib.workflowTemplates.get(name);
      if (found) refSpec = obj(found.spec);
      else if (!this.opts.allowExternalTemplateRefs) {
        const kind = wftRef.clusterScope === true ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate';
        this.report(`${sp}.workflowTemplateRef.name`, `${kind} "${name}" not found among the files linted`);
      }
    }
    this.checkFieldNames(templates, `${sp}.templates`, 'template');

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
    const allowEmptyValues = this.kind !== 'CronWorkflow';
    this.checkArguments(args, `${sp}.arguments`, allowEmptyValues);
    this.setGlobals(params, refSpec);

    let entrypoint = str(spec.entrypoint);
    if (!entrypoint && refSpec) entrypoint = str(refSpec.entrypoint);
    const ignoreEntrypoint = this.templateValidation && entrypoint === '';
    const wfArgs: JsonObject = { parameters: params, artifacts };
    if (!ignoreEntrypoint) {
      if (entrypoint === '') this.report(`${sp}.entrypoint`, 'spec.entrypoint is required');
      else if (refSpec || !isObject(wftRef)) {
        const holder = refSpec
          ? { templateRef: { name: str(obj(wftRef).name), template: entrypoint, clusterScope: obj(wftRef).clusterScope } }
          : { template: entrypoint };
        const resolved = resolvedTemplate(this.resolve(holder, `${sp}.entrypoint`, this.spec));
        // A WorkflowTemplate is validated with made-up arguments: the Workflow that uses it brings them.
        if (resolved && !this.templateValidation) this.checkSupplied(resolved.template, wfArgs, `${sp}.entrypoint`);
      }
    }

    const onExit = str(spec.onExit) || (refSpec ? str(refSpec.onExit) : '');
    if (onExit && (!isObject(wftRef) || refSpec)) {
      const holder = refSpec
        ? { templateRef: { name: str(obj(wftRef).name), template: onExit, clusterScope: obj(wftRef).clusterScope } }
        : { template: onExit };
      const resolved = resolvedTemplate(this.resolve(holder, `${sp}.onExit`, this.spec));
      if (resolved) this.checkSupplied(resolved.template, args, `${sp}.onExit`);
    }
    this.checkHooks(spec.hooks, `${sp}.hooks`);
    const podGC = obj(spec.podGC);
    if (present(podGC.strategy) && !POD_GC_STRATEGIES.includes(str(podGC.strategy))) {
      this.report(
        `${sp}.podGC.strategy`,
        `unknown podGC strategy '${String(podGC.strategy)}' (${POD_GC_STRATEGIES.filter(Boolean).join(', ')})`,
      );
    }
    templates.forEach((t, i) => {
      if (isObject(t)) this.validateTemplate(t, `${sp}.templates[${i}]`, this.spec);
    });
  }

  private setGlobals(params: unknown[], refSpec: JsonObject | undefined): void {
    const g = this.globals;
    g.add(
      'workflow.name',
      'workflow.namespace',
      'workflow.mainEntrypoint',
      'workflow.serviceAccountName',
      'workflow.uid',
      'workflow.status',
    );
    g.add('workflow.annotations', 'workflow.annotations.json', 'workflow.labels', 'workflow.labels.json');
    if (params.length > 0) g.add('workflow.parameters', 'workflow.parameters.json');
    for (const p of params) if (str(obj(p).name)) g.add(`workflow.parameters.${str(obj(p).name)}`);
    const meta = obj(this.doc.metadata);
    const specs = [this.spec, ...(refSpec ? [refSpec] : [])];
    // CronWorkflows hand their own labels and annotations to the Workflows they create.
    const sources = [
      meta,
      ...specs.map((s) => obj(s.workflowMetadata)),
      ...(this.kind === 'CronWorkflow' ? [obj(obj(this.doc.spec).workflowMetadata)] : []),
    ];
    for (const src of sources) {
      for (const k of Object.keys(obj(src.annotations))) g.add(`workflow.annotations.${k}`);
      for (const k of [...Object.keys(obj(src.labels)), ...Object.keys(obj(src.labelsFrom))]) g.add(`workflow.labels.${k}`);
    }
    if (present(this.spec.priority)) g.add('workflow.priority');
    if (str(this.spec.onExit) || (refSpec && str(refSpec.onExit))) g.add('workflow.failures');
    if (this.templateValidation) g.anyWorkflowParameter = true;
    // Global outputs (globalName) of every template of this document are known before any template is checked.
    for (const s of specs) for (const t of arr(s.templates)) this.addGlobalOutputs(obj(t), g);
  }

  private addGlobalOutputs(t: JsonObject, scope: Scope): void {
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

  // ---- references ----

  private resolve(holder: JsonObject, path: string, spec: JsonObject): Resolution {
    if (isObject(holder.inline)) return { template: holder.inline, path: joinPath(path, 'inline'), spec };
    const ref = holder.templateRef;
    if (isObject(ref)) {
      if (str(holder.template)) {
        this.report(path, 'template name cannot be specified with templateRef');
        return 'error';
      }
      const name = str(ref.name);
      const template = str(ref.template);
      if (!name) return this.fail(`${path}.templateRef.name`, 'resource name is required');
      if (!template) return this.fail(`${path}.templateRef.template`, 'template name is required');
      if (hasTag(name) || hasTag(template)) return 'dynamic';
      const cluster = ref.clusterScope === true;
      const owner = cluster ? this.lib.clusterWorkflowTemplates.get(name) : this.lib.workflowTemplates.get(name);
      if (!owner) {
        if (this.opts.allowExternalTemplateRefs) return 'dynamic';
        return this.fail(
          `${path}.templateRef.name`,
          `${cluster ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate'} "${name}" not found among the files linted`,
        );
      }
      const ownerSpec = obj(owner.spec);
      const found = arr(ownerSpec.templates).find((t) => obj(t).name === template);
      if (!isObject(found)) return this.fail(`${path}.templateRef.template`, `template reference ${name}.${template} not found`);
      // The template belongs to another document, which is linted on its own.
      return { template: found, spec: ownerSpec, path: owner === this.doc ? this.templatePath(ownerSpec, found) : undefined };
    }
    const name = str(holder.template);
    if (!name) return this.fail(path, 'a template, templateRef or inline template is required');
    if (hasTag(name)) return 'dynamic';
    const found = arr(spec.templates).find((t) => obj(t).name === name);
    if (!isObject(found)) {
      const where = path.endsWith('.entrypoint') || path.endsWith('.onExit') ? path : joinPath(path, 'template');
      return this.fail(where, `template name '${name}' undefined`);
    }
    return { template: found, spec, path: spec === this.spec ? this.templatePath(spec, found) : undefined };
  }

  private templatePath(spec: JsonObject, t: JsonObject): string | undefined {
    const i = arr(spec.templates).indexOf(t);
    return i < 0 ? undefined : `${this.specPath}.templates[${i}]`;
  }

  private fail(path: string, message: string): 'error' {
    this.report(path, message);
    return 'error';
  }

  /** Argo's ProcessArgs with real arguments: every input without a value or default must be supplied. */
  private checkSupplied(t: JsonObject, args: JsonObject, path: string): void {
    const given = new Map(arr(args.parameters).map((p) => [str(obj(p).name), obj(p)]));
    const tname = str(t.name) || '(inline)';
    for (const p of arr(obj(t.inputs).parameters).map(obj)) {
      const arg = given.get(str(p.name));
      let hasValue = present(p.value) || present(p.default) || present(p.valueFrom);
      // An argument replaces the input's value, even when it has none (Argo's overwriteWithArguments).
      if (arg) hasValue = present(arg.value) || present(arg.valueFrom);
      if (!hasValue) {
        const why = arg ? 'the argument has no value' : 'no argument and no default';
        this.report(path, `template '${tname}' input parameter '${str(p.name)}' was not supplied (${why})`);
      }
    }
    const givenArtifacts = new Set(arr(args.artifacts).map((a) => str(obj(a).name)));
    for (const a of arr(obj(t.inputs).artifacts).map(obj)) {
      if (a.optional === true || hasLocationOrKey(a) || givenArtifacts.has(str(a.name))) continue;
      this.report(path, `template '${tname}' input artifact '${str(a.name)}' was not supplied`);
    }
  }

  // ---- names, arguments, hooks ----

  /** Names of templates, steps, tasks (or parameters/artifacts): required, well-formed, unique. */
  private checkFieldNames(items: unknown[], path: string, what: 'template' | 'task' | 'parameter' | 'artifact'): void {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      const name = obj(item).name;
      if (typeof name !== 'string' || name === '') return this.report(`${path}[${i}].name`, `${what} name is required`);
      const problem = what === 'parameter' || what === 'artifact' ? paramOrArtifactNameProblem(name) : workflowFieldNameProblem(name);
      if (problem) this.report(`${path}[${i}].name`, problem);
      if (seen.has(name)) this.report(`${path}[${i}].name`, `${what} name '${name}' is not unique`);
      seen.add(name);
    });
  }

  private checkArguments(args: JsonObject, path: string, allowEmptyValues: boolean): void {
    const params = arr(args.parameters);
    const artifacts = arr(args.artifacts);
    this.checkFieldNames(params, `${path}.parameters`, 'parameter');
    this.checkFieldNames(artifacts, `${path}.artifacts`, 'artifact');
    params.forEach((raw, i) => {
      const p = obj(raw);
      const at = `${path}.parameters[${i}]`;
      const name = str(p.name);
      if (!present(p.value) && !present(p.valueFrom) && !allowEmptyValues)
        this.report(at, `parameter '${name}': value or valueFrom is required`);
      if (isObject(p.valueFrom)) {
        const vf = p.valueFrom;
        const allowed = present(vf.configMapKeyRef) || str(vf.event) !== '' || present(vf.supplied);
        const forbidden = ['path', 'jsonPath', 'parameter', 'expression'].some((k) => str(vf[k]) !== '');
        if (!allowed || forbidden)
          this.report(`${at}.valueFrom`, `parameter '${name}': valueFrom only allows: default, configMapKeyRef and supplied`);
      }
      if (Array.isArray(p.enum)) {
        if (p.enum.length === 0) this.report(`${at}.enum`, `parameter '${name}': enum should contain at least one value`);
        else if (!present(p.value)) {
          if (!allowEmptyValues) this.report(at, `parameter '${name}': value is required`);
        } else if (!p.enum.map(String).includes(String(p.value))) {
          this.report(`${at}.value`, `parameter '${name}': value ${JSON.stringify(p.value)} should be present in the enum list`);
        }
      }
    });
    artifacts.forEach((raw, i) => {
      const a = obj(raw);
      const at = `${path}.artifacts[${i}]`;
      if (!str(a.from) && !hasLocationOrKey(a)) this.report(at, `artifact '${str(a.name)}': from, artifact location, or key is required`);
      if (str(a.from) && str(a.fromExpression))
        this.report(at, `artifact '${str(a.name)}' shouldn't have both \`from\` and \`fromExpression\``);
    });
  }

  private checkHooks(hooks: unknown, path: string): void {
    for (const [name, hook] of Object.entries(obj(hooks))) {
      if (name !== 'exit' && !str(obj(hook).expression)) this.report(joinPath(path, name), `hook '${name}': expression required`);
    }
  }

  // ---- templates ----

  private validateTemplate(t: JsonObject, path: string, spec: JsonObject): void {
    if (this.validated.has(path)) return;
    this.validated.add(path);
    const name = str(t.name) || '(inline)';
    const types = TEMPLATE_TYPES.filter((k) => present(t[k]));
    if (types.length === 0) {
      return this.report(path, `template '${name}': template type unspecified; choose one of: ${TEMPLATE_TYPES.join(', ')}`);
    }
    if (types.length > 1)
      return this.report(path, `template '${name}': multiple template types specified (${types.join(', ')}); choose one`);
    const type = types[0];
    const leaf = LEAF_TYPES.has(type);

    const retryPolicy = obj(t.retryStrategy).retryPolicy;
    if (present(retryPolicy) && retryPolicy !== '' && !RETRY_POLICIES.includes(str(retryPolicy))) {
      this.report(
        `${path}.retryStrategy.retryPolicy`,
        `${JSON.stringify(retryPolicy)} is not a valid RetryPolicy (${RETRY_POLICIES.join(', ')})`,
      );
    }
    const scope = this.inputScope(t, path, leaf);
    arr(t.initContainers).forEach((c, i) => {
      if (!str(obj(c).name)) this.report(`${path}.initContainers[${i}].name`, 'initContainers must all have container name');
    });
    if (isPod(t)) scope.add('pod.name');
    if (present(t.retryStrategy)) scope.add('retries', 'lastRetry.exitCode', 'lastRetry.status', 'lastRetry.duration', 'lastRetry.message');

    if (present(t.timeout) && t.timeout !== '') {
      if (!leaf) this.report(`${path}.timeout`, `${type} template doesn't support timeout field (leaf templates only)`);
      else if (/^[-+]?\d+$/.test(String(t.timeout)))
        this.report(`${path}.timeout`, `'${String(t.timeout)}' has invalid duration format in timeout (use e.g. 30s, 10m)`);
    }
    if (present(t.pendingTimeout) && t.pendingTimeout !== '' && !leaf) {
      this.report(`${path}.pendingTimeout`, `${type} template doesn't support pendingTimeout field (leaf templates only)`);
    }

    if (type === 'steps') this.validateSteps(t, path, spec, scope);
    else if (type === 'dag') this.validateDag(t, path, spec, scope);
    else this.validateLeaf(t, path, spec, scope);
    this.validateOutputs(t, path, scope, leaf, type);

    const git = obj(obj(t.archiveLocation).git);
    if (isObject(obj(t.archiveLocation).git) && !str(git.repo)) this.report(`${path}.archiveLocation.git.repo`, 'git.repo is required');
    arr(obj(t.metrics).prometheus).forEach((m, i) => {
      const metric = obj(m);
      const at = `${path}.metrics.prometheus[${i}]`;
      if (!METRIC_NAME.test(str(metric.name)))
        this.report(`${at}.name`, `metric name '${str(metric.name)}' is invalid: alphanumeric characters or '_' only`);
      if (!str(metric.help)) this.report(`${at}.help`, `metric '${str(metric.name)}' must contain a help string under 'help: '`);
    });
  }

  /** Names of the template's inputs, and the scope they define. */
  private inputScope(t: JsonObject, path: string, leaf: boolean): Scope {
    const inputs = obj(t.inputs);
    const params = arr(inputs.parameters);
    const artifacts = arr(inputs.artifacts);
    this.checkFieldNames(params, `${path}.inputs.parameters`, 'parameter');
    this.checkFieldNames(artifacts, `${path}.inputs.artifacts`, 'artifact');
    const scope = this.globals.copy();
    for (const p of params) scope.add(`inputs.parameters.${str(obj(p).name)}`);
    if (params.length > 0) scope.add('inputs.parameters');
    artifacts.forEach((raw, i) => {
      const a = obj(raw);
      const name = str(a.name);
      scope.add(`inputs.artifacts.${name}`);
      if (leaf) scope.add(`inputs.artifacts.${name}.path`);
      else if (str(a.path))
        this.report(`${path}.inputs.artifacts[${i}].path`, `inputs.artifacts.${name}.path only valid in container/script templates`);
      if (str(a.from)) this.report(`${path}.inputs.artifacts[${i}].from`, `inputs.artifacts.${name}.from not valid in inputs`);
      if (isObject(a.git) && !str(a.git.repo)) this.report(`${path}.inputs.artifacts[${i}].git.repo`, 'git.repo is required');
    });
    if (leaf) {
      const outputs = obj(t.outputs);
      for (const a of arr(outputs.artifacts)) if (str(obj(a).path)) scope.add(`outputs.artifacts.${str(obj(a).name)}.path`);
      for (const p of arr(outputs.parameters))
        if (str(obj(obj(p).valueFrom).path)) scope.add(`outputs.parameters.${str(obj(p).name)}.path`);
    }
    return scope;
  }

  /** Reports each `{{tag}}` of a value that does not resolve in the scope. */
  private checkVariables(value: unknown, path: string, scope: Scope, context: VariableContext): void {
    for (const problem of checkedTags(value, path)) {
      if (problem.unclosed) {
        this.report(
          problem.path,
          `unclosed "{{" in ${JSON.stringify(problem.tag.length > 80 ? `${problem.tag.slice(0, 77)}...` : problem.tag)}`,
        );
      } else if (!scope.resolves(problem.tag)) {
        this.report(problem.path, `cannot resolve {{${problem.tag}}}: ${explainUnresolved(problem.tag, context)}`);
      }
    }
  }

  private validateLeaf(t: JsonObject, path: string, spec: JsonObject, scope: Scope): void {
    const name = str(t.name) || '(inline)';
    this.checkVariables(t, path, scope, { template: name, kind: 'leaf' });
    if (present(t.activeDeadlineSeconds)) {
      const v = t.activeDeadlineSeconds;
      const ok = typeof v === 'number' ? v >= 0 : /^\d+$/.test(String(v)) || hasTag(String(v));
      if (!ok) this.report(`${path}.activeDeadlineSeconds`, 'activeDeadlineSeconds must be a positive integer > 0 or an argo variable');
    }
    if (present(t.parallelism)) this.report(`${path}.parallelism`, 'parallelism is only valid for steps and dag templates');
    const defaults = obj(spec.templateDefaults);
    if (isObject(t.container)) {
      const mounts = new Map<string, string>();
      arr(t.container.volumeMounts).forEach((m, i) => {
        const mountPath = str(obj(m).mountPath);
        const prev = mounts.get(mountPath);
        if (prev) this.report(`${path}.container.volumeMounts[${i}].mountPath`, `'${mountPath}' already mounted in ${prev}`);
        mounts.set(mountPath, `container.volumeMounts.${str(obj(m).name)}`);
      });
      arr(obj(t.inputs).artifacts).forEach((a, i) => {
        const artPath = str(obj(a).path);
        const prev = mounts.get(artPath);
        if (prev) this.report(`${path}.inputs.artifacts[${i}].path`, `'${artPath}' already mounted in ${prev}`);
        mounts.set(artPath, `inputs.artifacts.${str(obj(a).name)}`);
      });
      if (!str(t.container.image) && !str(obj(defaults.container).image))
        this.report(`${path}.container.image`, `template '${name}': container.image may not be empty`);
    }
    if (isObject(t.script) && !str(t.script.image) && !str(obj(defaults.script).image)) {
      this.report(`${path}.script.image`, `template '${name}': script.image may not be empty`);
    }
    if (isObject(t.containerSet)) {
      const inputsOrOutputs =
        arr(obj(t.inputs).artifacts).length + arr(obj(t.outputs).parameters).length + arr(obj(t.outputs).artifacts).length > 0;
      if (inputsOrOutputs && !hasContainerNamed(t, 'main')) {
        this.report(`${path}.containerSet.containers`, 'containerSet.containers must have a container named "main" for input or output');
      }
    }
    if (isObject(t.resource)) this.validateResource(t, t.resource, `${path}.resource`);
  }

  private validateResource(t: JsonObject, r: JsonObject, path: string): void {
    const action = str(r.action);
    if (!hasTag(action) && !RESOURCE_ACTIONS.includes(action))
      this.report(`${path}.action`, `resource.action must be one of: ${RESOURCE_ACTIONS.join(', ')}`);
    if (action === 'delete' || action === 'get') return;
    const manifest = str(r.manifest);
    if (!manifest && !present(r.manifestFrom)) this.report(path, 'either resource.manifest or resource.manifestFrom must be specified');
    if (manifest && present(r.manifestFrom)) this.report(path, "shouldn't have both `manifest` and `manifestFrom` specified");
    const artifact = str(obj(obj(r.manifestFrom).artifact).name);
    if (artifact && !arr(obj(t.inputs).artifacts).some((a) => obj(a).name === artifact)) {
      this.report(`${path}.manifestFrom.artifact`, `artifact ${artifact} in \`manifestFrom\` refers to a non-existent input artifact`);
    }
    if (manifest && !/^\s*{{[^}]*}}\s*$/.test(manifest)) {
      let n = 0;
      // Tags become placeholders, as in Argo: `name: {{x}}` is YAML once substituted.
      const substituted = manifest.replace(/{{[^}]*}}/g, () => `argo-placeholder-${n++}`);
      try {
        yaml.loadAll(substituted);
      } catch (e) {
        this.report(`${path}.manifest`, `resource.manifest must be valid YAML: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }

  private validateSteps(t: JsonObject, path: string, spec: JsonObject, scope: Scope): void {
    const name = str(t.name);
    if (present(t.activeDeadlineSeconds))
      this.report(`${path}.activeDeadlineSeconds`, 'activeDeadlineSeconds is only valid for leaf templates');
    const seen = new Set<string>();
    const stepNames = new Set<string>();
    for (const g of arr(t.steps)) for (const s of arr(g)) stepNames.add(str(obj(s).name));
    arr(t.steps).forEach((group, gi) => {
      arr(group).forEach((raw, si) => {
        const step = obj(raw);
        const at = `${path}.steps[${gi}][${si}]`;
        const stepName = str(step.name);
        if (!stepName) return this.report(`${at}.name`, 'step name is required');
        if (seen.has(stepName)) this.report(`${at}.name`, `step name '${stepName}' is not unique`);
        const nameProblem = workflowFieldNameProblem(stepName.replace(/{{[^}]*}}/g, 'x'));
        if (nameProblem) this.report(`${at}.name`, nameProblem);
        seen.add(stepName);
        scope.add(`steps.${stepName}.status`);
        this.addItems(step, at, scope);
        this.checkArguments(obj(step.arguments), `${at}.arguments`, false);
        const resolved = this.resolve(step, at, spec);
        if (resolved === 'error') return;
        const tmpl = resolvedTemplate(resolved);
        if (tmpl?.path) this.validateTemplate(tmpl.template, tmpl.path, tmpl.spec);
        if (hasExitHook(step)) this.addOutputs(tmpl?.template, 'steps', stepName, scope, false, false);
        this.checkHooks(step.hooks, `${at}.hooks`);
        const stepScope = scope.copy();
        for (const p of arr(obj(obj(step.inline).inputs).parameters)) stepScope.add(`inputs.parameters.${str(obj(p).name)}`);
        this.checkVariables(step, at, stepScope, { template: name, kind: 'steps', known: stepNames, self: stepName });
        this.addOutputs(tmpl?.template, 'steps', stepName, scope, hasItems(step) && !isObject(step.withSequence), false);
        if (tmpl) this.checkSupplied(tmpl.template, obj(step.arguments), at);
      });
    });
  }

  /** withItems/withParam/withSequence define {{item}} (and {{item.key}} for maps) from here on, as in Argo. */
  private addItems(step: JsonObject, path: string, scope: Scope): void {
    const withItems = arr(step.withItems);
    const defined = [withItems.length > 0, str(step.withParam) !== '', isObject(step.withSequence)].filter(Boolean).length;
    if (defined > 1) this.report(path, 'only one of withItems, withParam, withSequence can be specified');
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
        this.report(`${path}.withSequence`, 'only one of count or end can be defined in withSequence');
      scope.add('item');
    }
  }

  private addOutputs(
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
    this.addGlobalOutputs(t, scope);
    this.addGlobalOutputs(t, this.globals);
    if (aggregate) {
      if (present(t.script) || present(t.containerSet)) scope.add(`${p}.outputs.result`, `${p}.exitCode`);
      scope.add(`${p}.outputs.parameters`);
    }
  }

  private validateDag(t: JsonObject, path: string, spec: JsonObject, scope: Scope): void {
    const name = str(t.name);
    if (present(t.activeDeadlineSeconds))
      this.report(`${path}.activeDeadlineSeconds`, 'activeDeadlineSeconds is only valid for leaf templates');
    const tasks = arr(obj(t.dag).tasks).map(obj);
    const at = (i: number) => `${path}.dag.tasks[${i}]`;
    if (tasks.length === 0) return this.report(`${path}.dag.tasks`, `template '${name}' must have at least one task`);
    this.checkFieldNames(tasks, `${path}.dag.tasks`, 'task');
    const byName = new Map(tasks.map((task) => [str(task.name), task]));
    const usingDepends = tasks.some((task) => str(task.depends) !== '');
    const graph = new Map<string, string[]>();
    const resolvedByName = new Map<string, JsonObject | undefined>();
    tasks.forEach((task, i) => {
      const taskName = str(task.name);
      const deps = taskDependencies(task);
      graph.set(taskName, [...deps.keys()]);
      if ((usingDepends || arr(task.dependencies).length > 0) && /^[0-9]/.test(taskName)) {
        this.report(`${at(i)}.name`, `task name '${taskName}' cannot begin with a digit when using either 'depends' or 'dependencies'`);
      }
      if (usingDepends && arr(task.dependencies).length > 0)
        this.report(`${at(i)}.dependencies`, "cannot use both 'depends' and 'dependencies' in the same DAG template");
      if (usingDepends && present(task.continueOn))
        this.report(`${at(i)}.continueOn`, "cannot use 'continueOn' when using 'depends'; use 'dep-task.Failed'/'dep-task.Errored'");
      const resolved = this.resolve(task, at(i), spec);
      const tmpl = resolvedTemplate(resolved);
      if (tmpl?.path) this.validateTemplate(tmpl.template, tmpl.path, tmpl.spec);
      resolvedByName.set(taskName, tmpl?.template);
      this.addOutputs(tmpl?.template, 'tasks', taskName, scope, hasItems(task) && !isObject(task.withSequence), false);
      for (const problem of invalidTaskResults(str(task.depends))) this.report(`${at(i)}.depends`, problem);
      for (const [dep, type] of deps) {
        const field = str(task.depends) ? 'depends' : 'dependencies';
        const depTask = byName.get(dep);
        if (!depTask)
          this.report(
            `${at(i)}.${field}`,
            `dependency '${dep}' not defined (tasks of template '${name}': ${[...byName.keys()].join(', ')})`,
          );
        else if (type === 'items' && !hasItems(depTask)) {
          this.report(
            `${at(i)}.${field}`,
            `dependency '${dep}' uses an items-based condition such as .AnySucceeded or .AllFailed but does not contain any items`,
          );
        }
      }
    });
    const cycle = findCycle(graph);
    if (cycle) this.report(`${path}.dag.tasks`, `dependency cycle detected: ${cycle}`);
    const target = str(obj(t.dag).target);
    if (target) {
      this.checkVariables(target, `${path}.dag.target`, scope, { template: name, kind: 'dag' });
      for (const tname of target.split(' ')) {
        if (tname && !isParameterReference(tname) && !byName.has(tname))
          this.report(`${path}.dag.target`, `target '${tname}' is not defined`);
      }
    }
    tasks.forEach((task, i) => {
      const taskName = str(task.name);
      if (present(task.hooks)) scope.add(`tasks.${taskName}.status`);
      const taskScope = scope.copy();
      const ancestors = cycle ? new Set<string>() : ancestry(graph, taskName);
      for (const a of ancestors) {
        const ancestorTask = byName.get(a);
        this.addOutputs(
          resolvedByName.get(a),
          'tasks',
          a,
          taskScope,
          hasItems(ancestorTask) && !isObject(ancestorTask?.withSequence),
          true,
        );
      }
      for (const p of arr(obj(obj(task.inline).inputs).parameters)) taskScope.add(`inputs.parameters.${str(obj(p).name)}`);
      this.addItems(task, at(i), taskScope);
      this.checkVariables(task, at(i), taskScope, {
        template: name,
        kind: 'dag',
        known: new Set(byName.keys()),
        self: taskName,
        ancestors,
      });
      this.checkArguments(obj(task.arguments), `${at(i)}.arguments`, false);
      this.checkArgumentDependencies(task, at(i), ancestors);
      const tmpl = resolvedByName.get(taskName);
      if (tmpl) this.checkSupplied(tmpl, obj(task.arguments), at(i));
    });
  }

  /** An argument taken from another task's output needs that task among its dependencies. */
  private checkArgumentDependencies(task: JsonObject, path: string, ancestors: Set<string>): void {
    const args = obj(task.arguments);
    arr(args.parameters).forEach((p, i) => {
      const value = typeof obj(p).value === 'string' ? str(obj(p).value) : '';
      const ref = /^{{tasks\.([^.}]+)\./.exec(value);
      if (ref && !ancestors.has(ref[1]))
        this.report(`${path}.arguments.parameters[${i}].value`, `missing dependency '${ref[1]}' for parameter '${str(obj(p).name)}'`);
    });
    arr(args.artifacts).forEach((a, i) => {
      const ref = /^{{tasks\.([^.}]+)\./.exec(str(obj(a).from));
      if (ref && !ancestors.has(ref[1]))
        this.report(`${path}.arguments.artifacts[${i}].from`, `missing dependency '${ref[1]}' for artifact '${str(obj(a).name)}'`);
    });
  }

  private validateOutputs(t: JsonObject, path: string, scope: Scope, leaf: boolean, type: string): void {
    const outputs = obj(t.outputs);
    const params = arr(outputs.parameters);
    const artifacts = arr(outputs.artifacts);
    this.checkFieldNames(params, `${path}.outputs.parameters`, 'parameter');
    this.checkFieldNames(artifacts, `${path}.outputs.artifacts`, 'artifact');
    if (!leaf) this.checkVariables(outputs, `${path}.outputs`, scope, { template: str(t.name), kind: type === 'dag' ? 'dag' : 'steps' });
    artifacts.forEach((raw, i) => {
      const a = obj(raw);
      const at = `${path}.outputs.artifacts[${i}]`;
      if (!leaf && str(a.path)) this.report(`${at}.path`, `outputs.artifacts.${str(a.name)}.path only valid in container/script templates`);
      const g = str(a.globalName);
      if (g && !isParameterReference(g) && paramOrArtifactNameProblem(g))
        this.report(`${at}.globalName`, `globalName: ${paramOrArtifactNameProblem(g)}`);
    });
    params.forEach((raw, i) => {
      const p = obj(raw);
      const at = `${path}.outputs.parameters[${i}]`;
      const pname = str(p.name);
      const vf = p.valueFrom;
      if (present(vf) && present(p.value))
        this.report(at, `output parameter '${pname}' has both valueFrom and value specified, choose one`);
      else if (!present(p.value)) {
        if (!isObject(vf)) this.report(at, `output parameter '${pname}' does not have valueFrom or value specified`);
        else {
          const kinds = ['path', 'jqFilter', 'jsonPath', 'parameter', 'expression'].filter((k) => str(vf[k]) !== '');
          const count = kinds.length + (present(vf.supplied) ? 1 : 0);
          if (count === 0)
            this.report(
              `${at}.valueFrom`,
              'valueFrom type unspecified; choose one of: path, jqFilter, jsonPath, parameter, expression, supplied',
            );
          if (count > 1) this.report(`${at}.valueFrom`, `multiple valueFrom types specified (${kinds.join(', ')}); choose one`);
        }
      }
      if (isObject(vf)) {
        if (['container', 'containerSet', 'script'].includes(type) && !str(vf.path))
          this.report(`${at}.valueFrom`, `valueFrom.path must be specified for ${type} templates`);
        if (type === 'resource' && !str(vf.jqFilter) && !str(vf.jsonPath))
          this.report(`${at}.valueFrom`, 'valueFrom.jqFilter or jsonPath must be specified for resource templates');
        if (type === 'dag' || type === 'steps') {
          if (!str(vf.parameter) && !str(vf.expression))
            this.report(`${at}.valueFrom`, `valueFrom.parameter or expression must be specified for ${type} templates`);
          if (str(vf.parameter) && str(vf.expression))
            this.report(`${at}.valueFrom`, `shouldn't have both \`parameter\` and \`expression\` in valueFrom for ${type} templates`);
        }
      }
      const g = str(p.globalName);
      if (g && !isParameterReference(g) && paramOrArtifactNameProblem(g))
        this.report(`${at}.globalName`, `globalName: ${paramOrArtifactNameProblem(g)}`);
    });
  }
}

function hasExitHook(step: JsonObject): boolean {
  return present(obj(step.hooks).exit) || str(step.onExit) !== '';
}

interface VariableContext {
  template: string;
  kind: 'leaf' | 'steps' | 'dag';
  /** Steps or tasks of the template. */
  known?: Set<string>;
  self?: string;
  ancestors?: Set<string>;
}

/** A hint for an unresolved tag: what is missing and where it could come from. */
export function explainUnresolved(tag: string, c: VariableContext): string {
  const [root, second, third] = tag.split('.');
  if (root === 'inputs') {
    if (second === 'artifacts' && tag.endsWith('.path')) return `no input artifact '${third}' with a path in template '${c.template}'`;
    return `template '${c.template}' has no input ${second === 'artifacts' ? 'artifact' : 'parameter'} '${third ?? ''}'`;
  }
  if (root === 'workflow') {
    if (second === 'parameters') return `the workflow has no parameter '${third ?? ''}' in spec.arguments.parameters`;
    if (second === 'outputs') return `no template exports a global output '${tag.split('.').slice(3).join('.')}' (globalName)`;
    if (second === 'labels' || second === 'annotations')
      return `the workflow has no ${second.slice(0, -1)} '${tag.split('.').slice(2).join('.')}'`;
    return `'${tag}' is not a workflow variable here`;
  }
  if (root === 'item')
    return '{{item}} is only defined in a step or task with withItems, withParam or withSequence (and its keys when items are maps)';
  if (root === 'pod') return `${tag} is only defined in templates that run a pod`;
  if (root === 'steps' || root === 'tasks') {
    const noun = root === 'steps' ? 'step' : 'task';
    if (c.kind === 'leaf')
      return `${root}.* variables are only defined in ${root === 'steps' ? 'steps' : 'dag'} templates; pass the value as an argument`;
    if (!c.known?.has(second)) return `template '${c.template}' has no ${noun} named '${second}'`;
    if (second === c.self) return `a ${noun} cannot refer to its own ${tag.split('.').slice(2).join('.')}`;
    if (root === 'tasks' && c.ancestors && !c.ancestors.has(second))
      return `task '${second}' is not among the dependencies of task '${c.self}' (add it to depends)`;
    if (root === 'steps' && c.kind === 'steps') return `step '${second}' has no such output, or does not run before step '${c.self}'`;
    return `${noun} '${second}' has no ${tag.split('.').slice(2).join('.')}`;
  }
  return 'not defined in this scope';
}

export function semanticProblems(doc: JsonObject, kind: LintedKind, lib: TemplateLibrary, opts: SemanticOptions = {}): SemanticProblem[] {
  const problems = new DocumentValidator(doc, kind, lib, opts).run();
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\n${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
