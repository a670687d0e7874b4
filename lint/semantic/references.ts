// Template references (template, templateRef, inline) resolved among the documents linted, and the check that
// a referenced template gets every input it has no value for (Argo's ProcessArgs).
import { isObject, joinPath, type JsonObject } from '../types.js';
import type { Checker } from './checker.js';
import { arr, hasLocationOrKey, hasTag, obj, present, str } from './read.js';

/** A template found by a reference: where it is defined and the WorkflowSpec it belongs to. */
export interface Resolved {
  template: JsonObject;
  /** Path of the template in the current document, or undefined when it lives in another document. */
  path?: string;
  spec: JsonObject;
}

/** The outcome of resolving a template holder: a template, a reference only known at run time, or an error (reported). */
export type Resolution = Resolved | 'dynamic' | 'error';
export const resolvedTemplate = (r: Resolution): Resolved | undefined => (typeof r === 'object' ? r : undefined);

export function resolve(c: Checker, holder: JsonObject, path: string, spec: JsonObject): Resolution {
  if (isObject(holder.inline)) return { template: holder.inline, path: joinPath(path, 'inline'), spec };
  const ref = holder.templateRef;
  if (isObject(ref)) {
    if (str(holder.template)) {
      c.report(path, 'template name cannot be specified with templateRef');
      return 'error';
    }
    const name = str(ref.name);
    const template = str(ref.template);
    if (!name) return fail(c, `${path}.templateRef.name`, 'resource name is required');
    if (!template) return fail(c, `${path}.templateRef.template`, 'template name is required');
    if (hasTag(name) || hasTag(template)) return 'dynamic';
    const cluster = ref.clusterScope === true;
    const owner = cluster ? c.lib.clusterWorkflowTemplates.get(name) : c.lib.workflowTemplates.get(name);
    if (!owner) {
      if (c.opts.allowExternalTemplateRefs) return 'dynamic';
      return fail(
        c,
        `${path}.templateRef.name`,
        `${cluster ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate'} "${name}" not found among the files linted`,
      );
    }
    const ownerSpec = obj(owner.spec);
    const found = arr(ownerSpec.templates).find((t) => obj(t).name === template);
    if (!isObject(found)) return fail(c, `${path}.templateRef.template`, `template reference ${name}.${template} not found`);
    // The template belongs to another document, which is linted on its own.
    return { template: found, spec: ownerSpec, path: owner === c.doc ? templatePath(c, ownerSpec, found) : undefined };
  }
  const name = str(holder.template);
  if (!name) return fail(c, path, 'a template, templateRef or inline template is required');
  if (hasTag(name)) return 'dynamic';
  const found = arr(spec.templates).find((t) => obj(t).name === name);
  if (!isObject(found)) {
    const where = path.endsWith('.entrypoint') || path.endsWith('.onExit') ? path : joinPath(path, 'template');
    return fail(c, where, `template name '${name}' undefined`);
  }
  return { template: found, spec, path: spec === c.spec ? templatePath(c, spec, found) : undefined };
}

export function templatePath(c: Checker, spec: JsonObject, t: JsonObject): string | undefined {
  const i = arr(spec.templates).indexOf(t);
  return i < 0 ? undefined : `${c.specPath}.templates[${i}]`;
}

export function fail(c: Checker, path: string, message: string): 'error' {
  c.report(path, message);
  return 'error';
}

/** Argo's ProcessArgs with real arguments: every input without a value or default must be supplied. */
export function checkSupplied(c: Checker, t: JsonObject, args: JsonObject, path: string): void {
  const given = new Map(arr(args.parameters).map((p) => [str(obj(p).name), obj(p)]));
  const tname = str(t.name) || '(inline)';
  for (const p of arr(obj(t.inputs).parameters).map(obj)) {
    const arg = given.get(str(p.name));
    let hasValue = present(p.value) || present(p.default) || present(p.valueFrom);
    // An argument replaces the input's value, even when it has none (Argo's overwriteWithArguments).
    if (arg) hasValue = present(arg.value) || present(arg.valueFrom);
    if (!hasValue) {
      const why = arg ? 'the argument has no value' : 'no argument and no default';
      c.report(path, `template '${tname}' input parameter '${str(p.name)}' was not supplied (${why})`);
    }
  }
  const givenArtifacts = new Set(arr(args.artifacts).map((a) => str(obj(a).name)));
  for (const a of arr(obj(t.inputs).artifacts).map(obj)) {
    if (a.optional === true || hasLocationOrKey(a) || givenArtifacts.has(str(a.name))) continue;
    c.report(path, `template '${tname}' input artifact '${str(a.name)}' was not supplied`);
  }
}
