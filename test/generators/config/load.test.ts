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

test.run();
