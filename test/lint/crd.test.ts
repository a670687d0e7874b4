// Layer 2 is code (lint/crd.ts), not a copy of the CRDs: this test reads Argo's full CRDs of the version under
// test (from its Go module: helpers/argo.ts), maps
// each constraint to the JSON-schema definition it sits on, and checks that every rule lint implements is in
// the CRDs with the same value (and that every CRD constraint is implemented, listing any that is not).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { CRD_CEL_RULES, CRD_LIMITS, type LimitCheck } from '../../lint/crd.js';
import { ARGO_VERSION, CRD_DIR, SCHEMA_FILE, withArgo } from './helpers.js';

type Node = Record<string, unknown>;
const CHECKS: LimitCheck[] = ['maxItems', 'minItems', 'maxLength', 'minLength', 'minimum', 'maximum', 'pattern', 'enum'];
const refName = (n: Node | undefined) => (typeof n?.$ref === 'string' ? n.$ref.replace('#/definitions/', '') : undefined);

/** `definition|field|items|check|value` for limits, `definition|field|CEL|rule` for CEL rules. */
const limitKey = (definition: string, field: string | undefined, items: boolean, check: string, value: unknown) =>
  `${definition}|${field ?? ''}|${items ? '[]' : ''}|${check}|${JSON.stringify(value)}`;
const celKey = (definition: string, field: string | undefined, rule: string) => `${definition}|${field ?? ''}|CEL|${rule}`;

/** Every constraint of the CRDs' spec, keyed like lint's rules, with one CRD path where it occurs. */
function crdConstraints(): Map<string, string> {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { definitions: Record<string, Node> };
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

let constraints: Map<string, string> | undefined;
const crdRules = () => (constraints ??= crdConstraints());
const implemented = new Map<string, string>([
  ...CRD_LIMITS.map(
    (l) => [limitKey(l.definition, l.field, l.items ?? false, l.check, l.value), `${l.check} on ${l.definition} ${l.field ?? ''}`] as const,
  ),
  ...CRD_CEL_RULES.map((r) => [celKey(r.definition, r.field, r.rule), `CEL on ${r.definition} ${r.field ?? ''}`] as const),
]);

withArgo(`the ${ARGO_VERSION} CRDs carry the limits this task is about: 200 templates, 200 DAG tasks`, () => {
  const crd = crdRules();
  assert.ok(crd.has(limitKey('io.argoproj.workflow.v1alpha1.WorkflowSpec', 'templates', false, 'maxItems', 200)));
  assert.ok(crd.has(limitKey('io.argoproj.workflow.v1alpha1.DAGTemplate', 'tasks', false, 'maxItems', 200)));
  assert.ok(crd.size > 40, `found ${crd.size} constraints`);
});

/**
 * lint/crd.ts holds the rules of Argo v4.1.2's CRDs (the version the project targets; the Go module proxy here
 * serves v4.0.5 only, so that is what this test reads). Where v4.0.5's CRDs differ, the difference is listed
 * here with why, and must be exactly this: any other difference fails.
 */
const V405_CRON =
  '^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|@every\\s+([0-9]+(ns|us|µs|ms|s|m|h))+|([0-9*,/?-]+\\s+){4}[0-9*,/?-]+)$';
const V41_CHANGES = {
  /** In lint (v4.1.2) but not in v4.0.5's CRDs. */
  added: [
    // S3 addressingStyle: a field v4.1 added (v4.0.5's schema does not have it either).
    'enum on io.argoproj.workflow.v1alpha1.S3Artifact addressingStyle',
    // Cron aliases (Jan, Mon-Fri) allowed in schedules: argoproj/argo-workflows#16100, after v4.0.5.
    'pattern on io.argoproj.workflow.v1alpha1.CronWorkflowSpec schedules',
  ],
  /** In v4.0.5's CRDs, replaced in lint by the v4.1.2 rule above. */
  replaced: [
    `${limitKey('io.argoproj.workflow.v1alpha1.CronWorkflowSpec', 'schedules', true, 'pattern', V405_CRON)} (at CronWorkflow.spec.schedules[])`,
  ],
};
const rulesDiffer = ARGO_VERSION === 'v4.0.5';

withArgo(
  `every limit and CEL rule lint implements is in the ${ARGO_VERSION} CRDs, with the same value${rulesDiffer ? ' (but the two v4.1 changes, listed)' : ''}`,
  () => {
    const crd = crdRules();
    const notInCrd = [...implemented.entries()].filter(([key]) => !crd.has(key)).map(([, what]) => what);
    assert.equal(notInCrd, rulesDiffer ? V41_CHANGES.added : []);
  },
);

withArgo(`every constraint of the ${ARGO_VERSION} CRDs is implemented${rulesDiffer ? ' (but the cron pattern v4.1 changed)' : ''}`, () => {
  const crd = crdRules();
  const missing = [...crd.entries()].filter(([key]) => !implemented.has(key)).map(([key, path]) => `${key} (at ${path})`);
  if (missing.length) console.log(`${ARGO_VERSION} CRD constraints not implemented by lint/crd.ts:\n  ${missing.join('\n  ')}`);
  assert.equal(missing, rulesDiffer ? V41_CHANGES.replaced : []);
  console.log(`${implemented.size} CRD rules implemented (${CRD_LIMITS.length} limits, ${CRD_CEL_RULES.length} CEL rules)`);
});

test.run();
