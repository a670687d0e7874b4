import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import {
  ConfigError,
  DEFAULT_CONFIG_FILE,
  EXAMPLES_DIR,
  loadConfig,
  parseConfigText,
  resolveConfig,
} from '../../../generators/config/load.js';

function problems(doc: unknown): string[] {
  try {
    resolveConfig(doc, 'test.yaml');
  } catch (e) {
    assert.instance(e, ConfigError);
    return (e as ConfigError).problems;
  }
  assert.unreachable('expected a ConfigError');
  return [];
}

test('an empty document resolves to the EKS + FSx defaults', () => {
  const c = resolveConfig({});
  assert.is(c.namespace, 'openfold');
  assert.is(c.volume.mountPath, '/fsx');
  assert.is(c.inference.configPreset, 'model_1_ptm');
  assert.is(c.inference.gpu.count, 1);
  assert.is(c.databases.paths.mgnify, 'mgnify/mgy_clusters_2022_05.fa');
  assert.equal(c.nodeClasses[c.inference.gpu.nodeClass].tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
});

test('the EKS + FSx example is exactly the defaults (it is what commands use without --config)', () => {
  const example = loadConfig({ file: DEFAULT_CONFIG_FILE, env: {} });
  assert.equal(example, resolveConfig({}));
  assert.equal(loadConfig({ env: {} }), example);
});

test('the generic RWX example is valid and differs where it should', () => {
  const c = loadConfig({ file: join(EXAMPLES_DIR, 'generic-rwx.yaml'), env: {} });
  assert.is(c.volume.mountPath, '/data');
  assert.is(c.databases.root, '/data/databases');
  assert.equal(c.nodeClasses[c.inference.gpu.nodeClass].nodeSelector, { 'nvidia.com/gpu.present': 'true' });
});

test('a bad value names the path and the expectation', () => {
  assert.equal(problems({ inference: { gpu: { count: 0 } } }), ['inference.gpu.count: must be >= 1, got 0']);
  assert.equal(problems({ alignment: { mode: 'fast' } }), [
    'alignment.mode: must be one of "full_dbs", "mmseqs", "colabfold_server", got "fast"',
  ]);
  assert.equal(problems({ deadlines: { align: '6 hours' } }), [
    'deadlines.align: must be a duration such as 30s, 10m, 6h or 2d, got "6 hours"',
  ]);
});

test('a misspelled field is one line naming it', () => {
  assert.equal(problems({ inference: { maxTemplateDat: '2022-01-01' } }), ['inference.maxTemplateDat: unknown field']);
});

test('every problem is reported, one line each', () => {
  const p = problems({ namespace: 'Bad_NS', retries: { limit: -1 }, inference: { gpu: { count: 'two' } } });
  assert.is(p.length, 3);
  assert.ok(p.some((l) => l.startsWith('namespace: must be a DNS label')));
  assert.ok(p.some((l) => l === 'retries.limit: must be >= 0, got -1'));
  assert.ok(p.some((l) => l === 'inference.gpu.count: must be integer, got "two"'));
});

test('cross-field rules: paths must live on the shared volume', () => {
  assert.equal(problems({ databases: { root: '/mnt/db' } }), ['databases.root: must be under volume.mountPath (/fsx), got "/mnt/db"']);
  assert.equal(problems({ databases: { paths: { uniref90: '../etc/passwd' } } }), [
    'databases.paths.uniref90: must be relative to databases.root without "..", got "../etc/passwd"',
  ]);
});

test('YAML syntax errors give a line and column', () => {
  try {
    parseConfigText('namespace: [unclosed\n', 'x.yaml');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as ConfigError).problems[0], /^line \d+, column \d+: /);
  }
});

test('the config travels to steps as JSON in $OPENFOLD_ARGO_CONFIG', () => {
  const c = resolveConfig({ inference: { randomSeed: 7 } });
  const fromEnv = loadConfig({ env: { OPENFOLD_ARGO_CONFIG: JSON.stringify(c) } });
  assert.is(fromEnv.inference.randomSeed, 7);
});

test('numbers are accepted for quantities', () => {
  const c = resolveConfig(yaml.load('alignment: { resources: { cpu: 2, memory: 4Gi } }'));
  assert.is(c.alignment.resources.cpu, 2);
  assert.ok(readFileSync(DEFAULT_CONFIG_FILE, 'utf8').includes('maxTemplateDate'));
});

test('inference.mode server needs model openfold3 and a server URL', () => {
  const need = 'inference.mode: server needs model: openfold3 and inference.serverUrl (the `openfold-argo serve` URL)';
  assert.ok(problems({ model: 'openfold3', inference: { mode: 'server' } }).includes(need));
  assert.ok(problems({ model: 'openfold', inference: { mode: 'server', serverUrl: 'http://serve:8000' } }).includes(need));
  assert.ok(problems({ inference: { serverUrl: 'http://a b' } }).some((p) => p.includes('serverUrl')));
  const ok = resolveConfig({ model: 'openfold3', inference: { mode: 'server', serverUrl: 'http://ofa-serve.proteins:8000' } }, 'ok.yaml');
  assert.is(ok.inference.mode, 'server');
  assert.is(resolveConfig({}, 'default.yaml').inference.mode, 'batch');
});

test('paths are normalised before the volume check: /fsx/../../x is /x, outside the volume, and refused', () => {
  assert.equal(problems({ input: { runsRoot: '/fsx/../../x' } }), [
    'input.runsRoot: must be under volume.mountPath (/fsx), got "/fsx/../../x" (normalised: "/x")',
  ]);
  assert.equal(problems({ alignment: { cacheDir: '/fsx/cache/../../etc' } }), [
    'alignment.cacheDir: must be under volume.mountPath (/fsx), got "/fsx/cache/../../etc" (normalised: "/etc")',
  ]);
  assert.match(problems({ databases: { root: '/fsxother/db' } })[0], 'databases.root: must be under volume.mountPath');
  assert.match(problems({ cron: { benchmark: { fasta: '/tmp/../etc/x.fasta' } } })[0], 'cron.benchmark.fasta: must be under');
  assert.match(problems({ inference: { checkpoint: '../../etc/x.pt' } })[0], 'inference.checkpoint: a relative path must stay under');
  // Spelled differently, the same place: accepted and used in its normal form.
  const c = resolveConfig({ input: { runsRoot: '/fsx/./runs//x/../y/' }, volume: { mountPath: '/fsx' } });
  assert.is(c.input.runsRoot, '/fsx/runs/y');
});

test('"{{" anywhere (Argo would expand it) and credentials in a URL are refused; the credentials are not echoed', () => {
  assert.equal(problems({ inference: { configPreset: 'model_1' }, namespace: 'openfold', databases: { version: '{{workflow.name}}' } }), [
    'databases.version: must not contain "{{" (Argo would expand it as a template expression), got "{{workflow.name}}"',
  ]);
  assert.match(
    problems({ nodeClasses: { gpu: { ...resolveConfig({}).nodeClasses.gpu, nodeSelector: { '{{x}}': 'y' } } } })[0],
    'nodeClasses.gpu.nodeSelector.{{x}} (the key): must not contain "{{"',
  );
  const creds = problems({ databases: { source: { endpoint: 'https://AKIA:s3cr3t@s3.example.org' } } });
  assert.equal(creds.length, 1);
  assert.match(creds[0], 'databases.source.endpoint: must not carry credentials (user:password@) in the URL');
  assert.not.match(creds[0], 's3cr3t');
  assert.match(
    problems({ cron: { cameoWeekly: { listingUrl: 'http://user@cameo.example' } } })[0],
    'cron.cameoWeekly.listingUrl: must not carry credentials',
  );
});

test('image references follow the registry grammar (docker/distribution reference)', () => {
  const image = (repository: string, tag = '1.0') => problems({ images: { tools: { repository, tag } } });
  for (const ok of ['ghcr.io/openfold-argo/tools', 'localhost:5000/a/b', 'tools', 'registry.example.org:443/team/x__y.z-w', '[::1]:5000/x'])
    assert.not.throws(() => resolveConfig({ images: { tools: { repository: ok } } }), ok);
  for (const bad of ['GHCR.io/Tools', 'ghcr.io/tools/', 'ghcr.io//tools', 'tools:1.0', 'a/-b', 'x y', 'ghcr.io/a/b@sha256:00'])
    assert.match(image(bad)[0] ?? '', 'images.tools.repository: must be an image repository', bad);
  assert.match(image('ghcr.io/x', '-bad')[0], 'images.tools.tag: must be an image tag');
  assert.match(image('ghcr.io/x', 'a'.repeat(129))[0], 'images.tools.tag: must be an image tag');
  assert.not.throws(() => resolveConfig({ images: { tools: { tag: 'v1.2.3-rc.1_x' } } }));
});

test.run();
