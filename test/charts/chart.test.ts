// The Helm chart charts/openfold-argo, checked with the real helm (built by .ci/setup.d/20-helm.sh): lint
// --strict, template for the default values and each example, the Argo resources equal to what the generators
// produce and clean under `openfold-argo lint`, the core objects valid against the Kubernetes schemas, least
// privilege RBAC, and values.schema.json refusing bad values with a clear message.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { DEFAULT_CONFIG_FILE, loadConfig, resolveConfig } from '../../generators/config/load.js';
import { configSchema } from '../../generators/config/schema.js';
import { generateResources } from '../../generators/index.js';
import { chartFiles, escapeForHelm, goJson, writeChart } from '../../generators/chart.js';
import { formatDiagnostic, lintDocuments } from '../../lint/index.js';
import { ARGO, missingArgoMaterial, withoutNewerArgoFields } from '../helpers/argo.js';
import { ROOT, missingTools, tempDir } from '../helpers/env.js';
import { firstMissing, requires } from '../helpers/gate.js';
import { CORE_KINDS, kubeSchemaProblems, strictFieldProblems } from './kube-schema.js';

const CHART = join(ROOT, 'charts', 'openfold-argo');
const EXAMPLES = readdirSync(join(CHART, 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const config = loadConfig({ file: DEFAULT_CONFIG_FILE });
const run = promisify(execFile);
const noHelm = missingTools(['helm'], 'bash .ci/setup.d/20-helm.sh (builds helm v3.22.0 into .cache/bin)');
const it = requires(noHelm);
const withHelmAndArgo = requires(firstMissing(noHelm, missingArgoMaterial()));

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };

async function helm(args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout, stderr } = await run('helm', args, { maxBuffer: 64 << 20 });
    return { ok: true, out: stdout + stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

async function template(namespace: string, extra: string[] = []): Promise<Obj[]> {
  const r = await helm(['template', 'ofa', CHART, '--namespace', namespace, ...extra]);
  assert.ok(r.ok, r.out);
  return yaml.loadAll(r.out).filter((d): d is Obj => d !== null && typeof d === 'object');
}

const CLUSTER_SCOPED = new Set(['PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'Namespace', 'StorageClass', 'CustomResourceDefinition']);

/** Least privilege: no cluster-wide RBAC, no wildcard, and the executor's rule only; every object namespaced. */
export function rbacProblems(objects: Obj[], namespace: string, allowPersistentVolume: boolean): string[] {
  const problems: string[] = [];
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.name}`;
    if (CLUSTER_SCOPED.has(o.kind)) {
      if (!(o.kind === 'PersistentVolume' && allowPersistentVolume)) problems.push(`${id}: cluster-scoped object`);
      continue;
    }
    if (o.metadata.namespace !== namespace) problems.push(`${id}: namespace ${o.metadata.namespace}, expected ${namespace}`);
    if (o.kind === 'Role') {
      for (const [i, rule] of ((o.rules as Record<string, string[]>[]) ?? []).entries()) {
        for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames'])
          if ((rule[field] ?? []).some((v) => v.includes('*'))) problems.push(`${id}: rules[${i}].${field} has a wildcard`);
        if (rule.nonResourceURLs) problems.push(`${id}: rules[${i}] grants nonResourceURLs`);
      }
    }
    if (o.kind === 'RoleBinding' && (o.roleRef as { kind: string }).kind !== 'Role') problems.push(`${id}: binds a ${(o.roleRef as { kind: string }).kind}`);
  }
  return problems;
}

// ---- pure: the chart's generated files ---------------------------------------------------------------------

test('the committed chart is what the generators produce from the default config', () => {
  for (const f of chartFiles(config, 'generators/config/examples/eks-fsx.yaml')) {
    const path = join(CHART, f.file);
    assert.ok(existsSync(path), `${f.file} missing: run npm run render`);
    assert.is(readFileSync(path, 'utf8'), f.text, `${f.file} differs: run npm run render`);
  }
});

test("values.yaml's config equals the config the chart was generated from", () => {
  const values = yaml.load(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as { config: unknown; semaphores: unknown };
  assert.equal(values.config, config);
  assert.equal(resolveConfig(values.config), config, 'and it re-renders the same chart');
  assert.equal(values.semaphores, {
    gpu: config.inference.maxConcurrentGpus,
    align: config.alignment.maxParallelPods,
    msaServer: config.alignment.msaServer.maxConcurrent,
  });
});

test('values.schema.json carries the config schema and the chart values', () => {
  const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8'));
  assert.equal(Object.keys(schema.properties.config.properties), Object.keys(configSchema.properties as object));
  for (const key of ['serviceAccount', 'rbac', 'volume', 'semaphores', 'gpuQuota']) assert.ok(schema.properties[key], key);
  assert.not.ok(schema.properties.memoCache, 'no memoization cache: no template memoizes');
  assert.is(schema.additionalProperties, false);
});

test('escapeForHelm and goJson: Argo expressions survive, JSON matches Go (sorted keys, HTML escapes)', () => {
  assert.is(escapeForHelm('x: "{{inputs.parameters.a}}"'), 'x: "{{ "{{" }}inputs.parameters.a}}"');
  assert.is(goJson({ b: 1, a: ['<&>', { d: true, c: 2.5 }] }), '{"a":["\\u003c\\u0026\\u003e",{"c":2.5,"d":true}],"b":1}');
});

test('the RBAC check itself fails on a wildcard, a ClusterRole and a foreign namespace', () => {
  const role = (rules: unknown): Obj => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'ns' }, rules });
  assert.equal(rbacProblems([role([{ apiGroups: ['argoproj.io'], resources: ['*'], verbs: ['create'] }])], 'ns', false), [
    'Role/r: rules[0].resources has a wildcard',
  ]);
  assert.equal(rbacProblems([{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'c' } }], 'ns', false), [
    'ClusterRole/c: cluster-scoped object',
  ]);
  assert.equal(rbacProblems([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm', namespace: 'other' } }], 'ns', false), [
    'ConfigMap/m: namespace other, expected ns',
  ]);
  assert.equal(strictFieldProblems({ metadata: { name: 'x', annotationz: {} } }, 'V1ServiceAccount'), ['metadata.annotationz: unknown field in V1ObjectMeta']);
});

// ---- real helm -----------------------------------------------------------------------------------------------

it('helm lint --strict passes for the default values and every example', async () => {
  for (const extra of [[], ...EXAMPLES.map((e) => ['-f', join(CHART, 'examples', e)])]) {
    const r = await helm(['lint', '--strict', CHART, ...extra]);
    assert.ok(r.ok, `${extra.join(' ')}\n${r.out}`);
    assert.match(r.out, '1 chart(s) linted, 0 chart(s) failed');
  }
});

const releases: [string, string[], { pv: boolean; claim: boolean }][] = [
  ['default values', [], { pv: false, claim: false }],
  ...EXAMPLES.map((e): [string, string[], { pv: boolean; claim: boolean }] => [
    e,
    ['-f', join(CHART, 'examples', e)],
    { pv: e.includes('fsx'), claim: !e.includes('existing') },
  ]),
];

it('helm template: the Argo resources equal the generated ones, namespaced to the release', async () => {
  const expected = generateResources(config).map((r) => r.resource);
  for (const [name, extra] of releases) {
    const docs = await template('proteins', extra);
    for (const want of expected) {
      const got = docs.find((d) => d.kind === want.kind && d.metadata.name === want.metadata.name);
      assert.ok(got, `${name}: ${want.kind} ${want.metadata.name} missing`);
      const w = structuredClone(want) as unknown as Obj;
      w.metadata.namespace = 'proteins';
      if (want.kind === 'ConfigMap') {
        const values = yaml.load(readFileSync(extra[1] ?? join(CHART, 'values.yaml'), 'utf8')) as { semaphores?: Record<string, number> };
        for (const [k, v] of Object.entries(values.semaphores ?? {})) (w.data as Record<string, string>)[k] = String(v);
      }
      assert.equal(got, w, `${name}: ${want.kind} ${want.metadata.name}`);
    }
  }
});

withHelmAndArgo(`helm template: the Argo resources pass openfold-argo lint layers 1-3 (Argo ${ARGO.version}'s schema, CRD rules, argo lint's checks)`, async () => {
  for (const [name, extra] of releases) {
    const docs = await template('proteins', extra);
    const diagnostics = await lintDocuments(
      docs.map((doc, index) => ({ file: `helm-template(${name})`, index, doc: withoutNewerArgoFields(doc) })),
      { schemaDir: ARGO.schemaDir, argoVersion: ARGO.version, go: false },
    );
    assert.equal(diagnostics.map(formatDiagnostic), [], name);
    assert.ok(docs.filter((d) => d.apiVersion === 'argoproj.io/v1alpha1').length >= 6);
  }
});

it('helm template: every core object validates against the Kubernetes schemas; RBAC is least privilege', async () => {
  for (const [name, extra, expect] of releases) {
    const docs = await template('proteins', extra);
    const core = docs.filter((d) => d.apiVersion !== 'argoproj.io/v1alpha1');
    for (const d of core) {
      assert.ok(CORE_KINDS.includes(`${d.apiVersion}/${d.kind}`), `${name}: unexpected ${d.apiVersion}/${d.kind}`);
      assert.equal(kubeSchemaProblems(d), [], `${name}: ${d.kind}/${d.metadata.name}`);
    }
    assert.equal(rbacProblems(docs, 'proteins', expect.pv), [], name);
    const role = docs.find((d) => d.kind === 'Role')!;
    assert.equal(role.rules, [{ apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] }]);
    const binding = docs.find((d) => d.kind === 'RoleBinding')!;
    assert.equal(binding.subjects, [{ kind: 'ServiceAccount', name: config.serviceAccount, namespace: 'proteins' }]);
    assert.is(docs.some((d) => d.kind === 'PersistentVolume'), expect.pv, `${name}: PersistentVolume`);
    const claim = docs.find((d) => d.kind === 'PersistentVolumeClaim');
    assert.is(Boolean(claim), expect.claim, `${name}: PersistentVolumeClaim`);
    if (claim) assert.is(claim.metadata.name, config.volume.claimName);
    const cache = docs.find((d) => d.kind === 'ConfigMap' && (d.metadata as { labels?: Record<string, string> }).labels?.['workflows.argoproj.io/configmap-type'] === 'Cache');
    assert.not.ok(cache, `${name}: no memoization cache ConfigMap (no template memoizes)`);
    const quota = docs.find((d) => d.kind === 'ResourceQuota') as (Obj & { spec: { hard: Record<string, string> } }) | undefined;
    if (name.includes('storage-class')) assert.equal(quota?.spec.hard, { 'requests.nvidia.com/gpu': '2' }, `${name}: GPU quota`);
    else assert.not.ok(quota, `${name}: no GPU quota unless asked for`);
  }
});

it('helm template: the FSx example mounts the file system through the FSx CSI driver, bound to its claim', async () => {
  const docs = await template('proteins', ['-f', join(CHART, 'examples', 'eks-fsx.yaml')]);
  const pv = docs.find((d) => d.kind === 'PersistentVolume') as Obj & { spec: Record<string, unknown> };
  assert.equal(pv.spec.csi, {
    driver: 'fsx.csi.aws.com',
    volumeHandle: 'fs-0123456789abcdef0',
    volumeAttributes: { dnsname: 'fs-0123456789abcdef0.fsx.us-east-1.amazonaws.com', mountname: 'abcdefgh' },
  });
  assert.equal(pv.spec.claimRef, { namespace: 'proteins', name: config.volume.claimName });
  const sa = docs.find((d) => d.kind === 'ServiceAccount')!;
  assert.equal((sa.metadata as { annotations?: unknown }).annotations, { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/openfold-workflow' });
  const sem = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'openfold-argo-semaphores')!;
  assert.equal(
    sem.data,
    { gpu: '8', align: String(config.alignment.maxParallelPods), msaServer: String(config.alignment.msaServer.maxConcurrent) },
    'semaphore limits are live values',
  );
});

it('render --chart DIR from another config makes a complete chart that installs with that config', async () => {
  const dir = join(tempDir('ofa-chart-'), 'chart');
  const generic = loadConfig({ file: join(ROOT, 'generators', 'config', 'examples', 'generic-rwx.yaml') });
  const written = writeChart(dir, chartFiles(generic, 'generic-rwx.yaml'));
  assert.ok(written.includes('templates/rbac.yaml') && written.includes('templates/argo/template-openfold-pipeline.yaml'), written.join(' '));
  assert.equal(writeChart(dir, chartFiles(generic, 'generic-rwx.yaml')), [], 'a second render changes nothing');
  const r = await helm(['template', 'ofa', dir, '--namespace', 'proteins', '-f', join(dir, 'examples', 'storage-class.yaml')]);
  assert.ok(r.ok, r.out);
  const docs = yaml.loadAll(r.out) as Obj[];
  assert.is(docs.find((d) => d.kind === 'PersistentVolumeClaim')?.metadata.name, 'openfold-shared');
  const pipeline = docs.find((d) => d.metadata?.name === 'openfold-pipeline')!;
  assert.match(JSON.stringify(pipeline), '"claimName":"openfold-shared"');
  assert.equal((yaml.load(readFileSync(join(dir, 'values.yaml'), 'utf8')) as { config: unknown }).config, generic);
});

it('bad values fail at install time with a message naming the value', async () => {
  const cases: [string[], RegExp][] = [
    [['--set', 'volume.type=nfs'], /at '\/volume\/type': value must be one of/],
    [['--set', 'volume.type=fsx'], /at '\/volume\/fsx\/fileSystemId': '' does not match pattern/],
    [['--set', 'semaphores.gpu=0'], /at '\/semaphores\/gpu': minimum: got 0, want 1/],
    [['--set', 'volume.sise=1Ti'], /at '\/volume': additional properties 'sise' not allowed/],
    [['--set', 'config.alignment.maxParallelPods=abc'], /at '\/config\/alignment\/maxParallelPods'/],
    [
      ['--set', 'config.inference.maxConcurrentGpus=8'],
      /values\.config differs from the config these Argo templates were rendered from \(generators\/config\/examples\/eks-fsx\.yaml\).*openfold-argo render --config my\.yaml --chart DIR/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = await helm(['template', 'ofa', CHART, ...args]);
    assert.not.ok(r.ok, `${args.join(' ')} should fail`);
    assert.match(r.out, message, args.join(' '));
  }
});

test.run();
