// Names of templates, tasks, parameters and artifacts; arguments (values, valueFrom, enums, artifact sources);
// lifecycle hooks.
import { isObject, joinPath, type JsonObject } from '../types.js';
import type { Checker } from './checker.js';
import { paramOrArtifactNameProblem, workflowFieldNameProblem } from './names.js';
import { arr, hasLocationOrKey, obj, present, str } from './read.js';

/** Names of templates, steps, tasks (or parameters/artifacts): required, well-formed, unique. */
export function checkFieldNames(c: Checker, items: unknown[], path: string, what: 'template' | 'task' | 'parameter' | 'artifact'): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const name = obj(item).name;
    if (typeof name !== 'string' || name === '') return c.report(`${path}[${i}].name`, `${what} name is required`);
    const problem = what === 'parameter' || what === 'artifact' ? paramOrArtifactNameProblem(name) : workflowFieldNameProblem(name);
    if (problem) c.report(`${path}[${i}].name`, problem);
    if (seen.has(name)) c.report(`${path}[${i}].name`, `${what} name '${name}' is not unique`);
    seen.add(name);
  });
}

export function checkArguments(c: Checker, args: JsonObject, path: string, allowEmptyValues: boolean): void {
  const params = arr(args.parameters);
  const artifacts = arr(args.artifacts);
  checkFieldNames(c, params, `${path}.parameters`, 'parameter');
  checkFieldNames(c, artifacts, `${path}.artifacts`, 'artifact');
  params.forEach((raw, i) => {
    const p = obj(raw);
    const at = `${path}.parameters[${i}]`;
    const name = str(p.name);
    if (!present(p.value) && !present(p.valueFrom) && !allowEmptyValues)
      c.report(at, `parameter '${name}': value or valueFrom is required`);
    if (isObject(p.valueFrom)) {
      const vf = p.valueFrom;
      const allowed = present(vf.configMapKeyRef) || str(vf.event) !== '' || present(vf.supplied);
      const forbidden = ['path', 'jsonPath', 'parameter', 'expression'].some((k) => str(vf[k]) !== '');
      if (!allowed || forbidden)
        c.report(`${at}.valueFrom`, `parameter '${name}': valueFrom only allows: default, configMapKeyRef and supplied`);
    }
    if (Array.isArray(p.enum)) {
      if (p.enum.length === 0) c.report(`${at}.enum`, `parameter '${name}': enum should contain at least one value`);
      else if (!present(p.value)) {
        if (!allowEmptyValues) c.report(at, `parameter '${name}': value is required`);
      } else if (!p.enum.map(String).includes(String(p.value))) {
        c.report(`${at}.value`, `parameter '${name}': value ${JSON.stringify(p.value)} should be present in the enum list`);
      }
    }
  });
  artifacts.forEach((raw, i) => {
    const a = obj(raw);
    const at = `${path}.artifacts[${i}]`;
    if (!str(a.from) && !hasLocationOrKey(a)) c.report(at, `artifact '${str(a.name)}': from, artifact location, or key is required`);
    if (str(a.from) && str(a.fromExpression)) c.report(at, `artifact '${str(a.name)}' shouldn't have both \`from\` and \`fromExpression\``);
  });
}

export function checkHooks(c: Checker, hooks: unknown, path: string): void {
  for (const [name, hook] of Object.entries(obj(hooks))) {
    if (name !== 'exit' && !str(obj(hook).expression)) c.report(joinPath(path, name), `hook '${name}': expression required`);
  }
}
