// One template: its type, inputs and the scope they define, retry policy, timeouts, metrics, outputs; a leaf's
// container, script, containerSet and resource fields. Steps and DAG templates continue in steps-and-dags.ts.
import yaml from 'js-yaml';
import { isObject, type JsonObject } from '../types.js';
import { checkFieldNames } from './arguments.js';
import type { Checker } from './checker.js';
import { checkVariables } from './explain.js';
import { isParameterReference, paramOrArtifactNameProblem } from './names.js';
import { arr, hasContainerNamed, hasTag, isPod, LEAF_TYPES, obj, present, str, TEMPLATE_TYPES } from './read.js';
import { validateDag, validateSteps } from './steps-and-dags.js';
import type { Scope } from './variables.js';

const RETRY_POLICIES = ['Always', 'OnFailure', 'OnError', 'OnTransientError'];
const RESOURCE_ACTIONS = ['get', 'create', 'apply', 'delete', 'replace', 'patch'];
const METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function validateTemplate(c: Checker, t: JsonObject, path: string, spec: JsonObject): void {
  if (c.validated.has(path)) return;
  c.validated.add(path);
  const name = str(t.name) || '(inline)';
  const types = TEMPLATE_TYPES.filter((k) => present(t[k]));
  if (types.length === 0) {
    return c.report(path, `template '${name}': template type unspecified; choose one of: ${TEMPLATE_TYPES.join(', ')}`);
  }
  if (types.length > 1) return c.report(path, `template '${name}': multiple template types specified (${types.join(', ')}); choose one`);
  const type = types[0];
  const leaf = LEAF_TYPES.has(type);

  const retryPolicy = obj(t.retryStrategy).retryPolicy;
  if (present(retryPolicy) && retryPolicy !== '' && !RETRY_POLICIES.includes(str(retryPolicy))) {
    c.report(
      `${path}.retryStrategy.retryPolicy`,
      `${JSON.stringify(retryPolicy)} is not a valid RetryPolicy (${RETRY_POLICIES.join(', ')})`,
    );
  }
  const scope = inputScope(c, t, path, leaf);
  arr(t.initContainers).forEach((container, i) => {
    if (!str(obj(container).name)) c.report(`${path}.initContainers[${i}].name`, 'initContainers must all have container name');
  });
  if (isPod(t)) scope.add('pod.name');
  if (present(t.retryStrategy)) scope.add('retries', 'lastRetry.exitCode', 'lastRetry.status', 'lastRetry.duration', 'lastRetry.message');

  if (present(t.timeout) && t.timeout !== '') {
    if (!leaf) c.report(`${path}.timeout`, `${type} template doesn't support timeout field (leaf templates only)`);
    else if (/^[-+]?\d+$/.test(String(t.timeout)))
      c.report(`${path}.timeout`, `'${String(t.timeout)}' has invalid duration format in timeout (use e.g. 30s, 10m)`);
  }
  if (present(t.pendingTimeout) && t.pendingTimeout !== '' && !leaf) {
    c.report(`${path}.pendingTimeout`, `${type} template doesn't support pendingTimeout field (leaf templates only)`);
  }

  if (type === 'steps') validateSteps(c, t, path, spec, scope);
  else if (type === 'dag') validateDag(c, t, path, spec, scope);
  else validateLeaf(c, t, path, spec, scope);
  validateOutputs(c, t, path, scope, leaf, type);

  const git = obj(obj(t.archiveLocation).git);
  if (isObject(obj(t.archiveLocation).git) && !str(git.repo)) c.report(`${path}.archiveLocation.git.repo`, 'git.repo is required');
  arr(obj(t.metrics).prometheus).forEach((m, i) => {
    const metric = obj(m);
    const at = `${path}.metrics.prometheus[${i}]`;
    if (!METRIC_NAME.test(str(metric.name)))
      c.report(`${at}.name`, `metric name '${str(metric.name)}' is invalid: alphanumeric characters or '_' only`);
    if (!str(metric.help)) c.report(`${at}.help`, `metric '${str(metric.name)}' must contain a help string under 'help: '`);
  });
}

/** Names of the template's inputs, and the scope they define. */
export function inputScope(c: Checker, t: JsonObject, path: string, leaf: boolean): Scope {
  const inputs = obj(t.inputs);
  const params = arr(inputs.parameters);
  const artifacts = arr(inputs.artifacts);
  checkFieldNames(c, params, `${path}.inputs.parameters`, 'parameter');
  checkFieldNames(c, artifacts, `${path}.inputs.artifacts`, 'artifact');
  const scope = c.globals.copy();
  for (const p of params) scope.add(`inputs.parameters.${str(obj(p).name)}`);
  if (params.length > 0) scope.add('inputs.parameters');
  artifacts.forEach((raw, i) => {
    const a = obj(raw);
    const name = str(a.name);
    scope.add(`inputs.artifacts.${name}`);
    if (leaf) scope.add(`inputs.artifacts.${name}.path`);
    else if (str(a.path))
      c.report(`${path}.inputs.artifacts[${i}].path`, `inputs.artifacts.${name}.path only valid in container/script templates`);
    if (str(a.from)) c.report(`${path}.inputs.artifacts[${i}].from`, `inputs.artifacts.${name}.from not valid in inputs`);
    if (isObject(a.git) && !str(a.git.repo)) c.report(`${path}.inputs.artifacts[${i}].git.repo`, 'git.repo is required');
  });
  if (leaf) {
    const outputs = obj(t.outputs);
    for (const a of arr(outputs.artifacts)) if (str(obj(a).path)) scope.add(`outputs.artifacts.${str(obj(a).name)}.path`);
    for (const p of arr(outputs.parameters)) if (str(obj(obj(p).valueFrom).path)) scope.add(`outputs.parameters.${str(obj(p).name)}.path`);
  }
  return scope;
}

export function validateLeaf(c: Checker, t: JsonObject, path: string, spec: JsonObject, scope: Scope): void {
  const name = str(t.name) || '(inline)';
  checkVariables(c, t, path, scope, { template: name, kind: 'leaf' });
  if (present(t.activeDeadlineSeconds)) {
    const v = t.activeDeadlineSeconds;
    const ok = typeof v === 'number' ? v >= 0 : /^\d+$/.test(String(v)) || hasTag(String(v));
    if (!ok) c.report(`${path}.activeDeadlineSeconds`, 'activeDeadlineSeconds must be a positive integer > 0 or an argo variable');
  }
  if (present(t.parallelism)) c.report(`${path}.parallelism`, 'parallelism is only valid for steps and dag templates');
  const defaults = obj(spec.templateDefaults);
  if (isObject(t.container)) {
    const mounts = new Map<string, string>();
    arr(t.container.volumeMounts).forEach((m, i) => {
      const mountPath = str(obj(m).mountPath);
      const prev = mounts.get(mountPath);
      if (prev) c.report(`${path}.container.volumeMounts[${i}].mountPath`, `'${mountPath}' already mounted in ${prev}`);
      mounts.set(mountPath, `container.volumeMounts.${str(obj(m).name)}`);
    });
    arr(obj(t.inputs).artifacts).forEach((a, i) => {
      const artPath = str(obj(a).path);
      const prev = mounts.get(artPath);
      if (prev) c.report(`${path}.inputs.artifacts[${i}].path`, `'${artPath}' already mounted in ${prev}`);
      mounts.set(artPath, `inputs.artifacts.${str(obj(a).name)}`);
    });
    if (!str(t.container.image) && !str(obj(defaults.container).image))
      c.report(`${path}.container.image`, `template '${name}': container.image may not be empty`);
  }
  if (isObject(t.script) && !str(t.script.image) && !str(obj(defaults.script).image)) {
    c.report(`${path}.script.image`, `template '${name}': script.image may not be empty`);
  }
  if (isObject(t.containerSet)) {
    const inputsOrOutputs =
      arr(obj(t.inputs).artifacts).length + arr(obj(t.outputs).parameters).length + arr(obj(t.outputs).artifacts).length > 0;
    if (inputsOrOutputs && !hasContainerNamed(t, 'main')) {
      c.report(`${path}.containerSet.containers`, 'containerSet.containers must have a container named "main" for input or output');
    }
  }
  if (isObject(t.resource)) validateResource(c, t, t.resource, `${path}.resource`);
}

export function validateResource(c: Checker, t: JsonObject, r: JsonObject, path: string): void {
  const action = str(r.action);
  if (!hasTag(action) && !RESOURCE_ACTIONS.includes(action))
    c.report(`${path}.action`, `resource.action must be one of: ${RESOURCE_ACTIONS.join(', ')}`);
  if (action === 'delete' || action === 'get') return;
  const manifest = str(r.manifest);
  if (!manifest && !present(r.manifestFrom)) c.report(path, 'either resource.manifest or resource.manifestFrom must be specified');
  if (manifest && present(r.manifestFrom)) c.report(path, "shouldn't have both `manifest` and `manifestFrom` specified");
  const artifact = str(obj(obj(r.manifestFrom).artifact).name);
  if (artifact && !arr(obj(t.inputs).artifacts).some((a) => obj(a).name === artifact)) {
    c.report(`${path}.manifestFrom.artifact`, `artifact ${artifact} in \`manifestFrom\` refers to a non-existent input artifact`);
  }
  if (manifest && !/^\s*{{[^}]*}}\s*$/.test(manifest)) {
    let n = 0;
    // Tags become placeholders, as in Argo: `name: {{x}}` is YAML once substituted.
    const substituted = manifest.replace(/{{[^}]*}}/g, () => `argo-placeholder-${n++}`);
    try {
      yaml.loadAll(substituted);
    } catch (e) {
      c.report(`${path}.manifest`, `resource.manifest must be valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }
}

export function validateOutputs(c: Checker, t: JsonObject, path: string, scope: Scope, leaf: boolean, type: string): void {
  const outputs = obj(t.outputs);
  const params = arr(outputs.parameters);
  const artifacts = arr(outputs.artifacts);
  checkFieldNames(c, params, `${path}.outputs.parameters`, 'parameter');
  checkFieldNames(c, artifacts, `${path}.outputs.artifacts`, 'artifact');
  if (!leaf) checkVariables(c, outputs, `${path}.outputs`, scope, { template: str(t.name), kind: type === 'dag' ? 'dag' : 'steps' });
  artifacts.forEach((raw, i) => {
    const a = obj(raw);
    const at = `${path}.outputs.artifacts[${i}]`;
    if (!leaf && str(a.path)) c.report(`${at}.path`, `outputs.artifacts.${str(a.name)}.path only valid in container/script templates`);
    const g = str(a.globalName);
    if (g && !isParameterReference(g) && paramOrArtifactNameProblem(g))
      c.report(`${at}.globalName`, `globalName: ${paramOrArtifactNameProblem(g)}`);
  });
  params.forEach((raw, i) => {
    const p = obj(raw);
    const at = `${path}.outputs.parameters[${i}]`;
    const pname = str(p.name);
    const vf = p.valueFrom;
    if (present(vf) && present(p.value)) c.report(at, `output parameter '${pname}' has both valueFrom and value specified, choose one`);
    else if (!present(p.value)) {
      if (!isObject(vf)) c.report(at, `output parameter '${pname}' does not have valueFrom or value specified`);
      else {
        const kinds = ['path', 'jqFilter', 'jsonPath', 'parameter', 'expression'].filter((k) => str(vf[k]) !== '');
        const count = kinds.length + (present(vf.supplied) ? 1 : 0);
        if (count === 0)
          c.report(
            `${at}.valueFrom`,
            'valueFrom type unspecified; choose one of: path, jqFilter, jsonPath, parameter, expression, supplied',
          );
        if (count > 1) c.report(`${at}.valueFrom`, `multiple valueFrom types specified (${kinds.join(', ')}); choose one`);
      }
    }
    if (isObject(vf)) {
      if (['container', 'containerSet', 'script'].includes(type) && !str(vf.path))
        c.report(`${at}.valueFrom`, `valueFrom.path must be specified for ${type} templates`);
      if (type === 'resource' && !str(vf.jqFilter) && !str(vf.jsonPath))
        c.report(`${at}.valueFrom`, 'valueFrom.jqFilter or jsonPath must be specified for resource templates');
      if (type === 'dag' || type === 'steps') {
        if (!str(vf.parameter) && !str(vf.expression))
          c.report(`${at}.valueFrom`, `valueFrom.parameter or expression must be specified for ${type} templates`);
        if (str(vf.parameter) && str(vf.expression))
          c.report(`${at}.valueFrom`, `shouldn't have both \`parameter\` and \`expression\` in valueFrom for ${type} templates`);
      }
    }
    const g = str(p.globalName);
    if (g && !isParameterReference(g) && paramOrArtifactNameProblem(g))
      c.report(`${at}.globalName`, `globalName: ${paramOrArtifactNameProblem(g)}`);
  });
}
