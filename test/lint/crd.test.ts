// Layer 2 is code (lint/crd.ts), not a copy of the CRDs: this test reads the v4.1.2 CRDs from ../shared, maps
// each constraint to the JSON-schema definition it sits on, and checks that every rule lint implements is in
// the CRDs with the same value (and that every CRD constraint is implemented, listing any that is not).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { CRD_CEL_RULES, CRD_LIMITS, type LimitCheck } from '../../lint/crd.js';
import { CRD_DIR, SCHEMA_FILE } from './helpers.js';

type Node = Record<string, unknown>;
const CHECKS: LimitCheck[] = ['maxItems', 'minItems', 'maxLength', 'minLength', 'minimum', 'maximum', 'pattern', 'enum'];
const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { definitions: Record<string, Node> };
const refName = (n: Node | undefined) => (typeof n?.$ref === 'string' ? n.$ref.replace('#/definitions/', '') : undefined);

/** `definition|field|items|check|value` for limits, `definition|field|CEL|rule` for CEL rules. */
const limitKey = (definition: string, field: string | undefined, items: boolean, check: string, value: unknown) =>
  `${definition}|${field ?? ''}|${items ? '[]' : ''}|${check}|${JSON.stringify(value)}`;
const celKey = (definition: string, field: string | undefined, rule: string) => `${definition}|${field ?? ''}|CEL|${rule}`;

/** Every constraint of the CRDs' spec, keyed like lint's rules, with one CRD path where it occurs. */
function crdConstraints(): Map<string, string> {
  const found = new Map<string, string>();
  const unmapped: string[] = [];
  // crd: the CRD's OpenAPI node; js: the JSON-schema node at the same place; owner: the definition and field above.
  const walk = (crd: Node, js: Node | undefined, owner: { definition: string; field?: string; items: boolean }, path: string) => {
    const ref = refName(js);
    const here = ref ? { definition: ref, field: undefined, items: false } : owner;
    const node = ref ? schema.definitions[ref] : js;
    for (const check of CHECKS) if (check in crd) found.set(limitKey(here.definition, here.field, here.items, check, crd[check]), path);
    for (const v of (crd['x-kubernetes-validations'] as { rule: string }[] | undefined) ?? [])
      found.set(celKey(here.definition, here.field, v.rule), path);
    if (!node) return void (crd.properties || crd.items ? unmapped.push(path) : undefined);
    const definition = ref ?? owner.definition;
    for (const [key, child] of Object.entries((crd.properties as Record<string, Node>) ?? {})) {
      const jsChild = (node.properties as Record<string, Node> | undefined)?.[key];
      if (!jsChild) unmapped.push(`${path}.${key}`);
      else walk(child, jsChild, { definition, field: ref || !owner.field ? key : `${owner.field}.${key}`, items: false }, `${path}.${key}`);
    }
    if (crd.items) walk(crd.items as Node, node.items as Node, { ...here, definition, items: true }, `${path}[]`);
    if (typeof crd.additionalProperties === 'object')
      walk(crd.additionalProperties as Node, node.additionalProperties as Node, { ...here, definition, items: true }, `${path}{}`);
  };
  for (const [file, kind] of [
    ['argoproj.io_workflows.yaml', 'Workflow'],
    ['argoproj.io_workflowtemplates.yaml', 'WorkflowTemplate'],
    ['argoproj.io_clusterworkflowtemplates.yaml', 'ClusterWorkflowTemplate'],
    ['argoproj.io_cronworkflows.yaml', 'CronWorkflow'],
  ]) {
    const crd = yaml.load(readFileSync(join(CRD_DIR, file), 'utf8')) as { spec: { versions: { schema: { openAPIV3Schema: Node } }[] } };
    const spec = (crd.spec.versions[0].schema.openAPIV3Schema.properties as Record<string, Node>).spec;
    walk(
      { properties: { spec } },
      { $ref: `#/definitions/io.argoproj.workflow.v1alpha1.${kind}` },
      { definition: kind, items: false },
      kind,
    );
  }
  assert.equal(unmapped, [], 'every CRD field has a JSON-schema counterpart');
  return found;
}

const crd = crdConstraints();
const implemented = new Map<string, string>([
  ...CRD_LIMITS.map(
    (l) => [limitKey(l.definition, l.field, l.items ?? false, l.check, l.value), `${l.check} on ${l.definition} ${l.field ?? ''}`] as const,
  ),
  ...CRD_CEL_RULES.map((r) => [celKey(r.definition, r.field, r.rule), `CEL on ${r.definition} ${r.field ?? ''}`] as const),
]);

test('the CRDs carry the limits this task is about: 200 templates, 200 DAG tasks', () => {
  assert.ok(crd.has(limitKey('io.argoproj.workflow.v1alpha1.WorkflowSpec', 'templates', false, 'maxItems', 200)));
  assert.ok(crd.has(limitKey('io.argoproj.workflow.v1alpha1.DAGTemplate', 'tasks', false, 'maxItems', 200)));
  assert.ok(crd.size > 40, `found ${crd.size} constraints`);
});

test('every limit and CEL rule lint implements is in the v4.1.2 CRDs, with the same value', () => {
  const notInCrd = [...implemented.entries()].filter(([key]) => !crd.has(key)).map(([, what]) => what);
  assert.equal(notInCrd, []);
});

test('every constraint of the v4.1.2 CRDs is implemented (lists any that is not)', () => {
  const missing = [...crd.entries()].filter(([key]) => !implemented.has(key)).map(([key, path]) => `${key} (at ${path})`);
  if (missing.length) console.log(`CRD constraints not implemented by lint/crd.ts:\n  ${missing.join('\n  ')}`);
  assert.equal(missing, []);
  console.log(`${implemented.size} CRD rules implemented (${CRD_LIMITS.length} limits, ${CRD_CEL_RULES.length} CEL rules); none missing`);
});

test.run();
