// Everything the generators render passes all four lint layers (Argo's schema, the v4 CRD rules, argo lint's
// semantics, and Argo's own Go validation where it is built) — for each example config and each mode.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { loadConfig, resolveConfig } from '../../generators/config/load.js';
import { renderFiles } from '../../generators/render.js';
import { formatDiagnostic, lintDocuments } from '../../lint/index.js';
import type { Config } from '../../generators/config/types.js';
import { ROOT, SHARED, missingTools } from '../helpers/env.js';

const schemaDir = join(SHARED, 'argo');
// Layer 4 is Argo's Go code; CI builds it (.ci/setup.d/40-argo-validate.sh), a user's machine may not have it.
const noGo = missingTools(['argo-validate'], 'bash .ci/setup.d/40-argo-validate.sh (needs Go)');

async function lintConfig(name: string, c: Config): Promise<string[]> {
  const docs = renderFiles(c, name).flatMap((f) => yaml.loadAll(f.text).map((doc, index) => ({ file: f.file, index, doc })));
  const diagnostics = await lintDocuments(docs, { schemaDir, go: noGo === null });
  return diagnostics.map(formatDiagnostic);
}

const configs: [string, () => Config][] = [
  ['eks-fsx (default)', () => loadConfig({ env: {} })],
  ['generic-rwx', () => loadConfig({ file: join(ROOT, 'generators/config/examples/generic-rwx.yaml'), env: {} })],
  ['openfold3', () => loadConfig({ file: join(ROOT, 'generators/config/examples/openfold3.yaml'), env: {} })],
  ['cameo', () => loadConfig({ file: join(ROOT, 'cameo/openfold-argo.cameo.yaml'), env: {} })],
  [
    'mmseqs + per-database fan-out',
    () =>
      resolveConfig({
        databases: { preset: 'mmseqs', paths: { colabfoldEnv: 'colabfold_env/colabfold_envdb_202108' } },
        alignment: { mode: 'mmseqs', perDatabaseFanOut: true },
      }),
  ],
  ['digests, no retries', () => resolveConfig({ retries: { limit: 0 }, images: { tools: { digest: `sha256:${'a'.repeat(64)}` } } })],
];

for (const [name, make] of configs) {
  test(`GIVEN the ${name} config WHEN rendered THEN every layer passes`, async () => {
    assert.equal(await lintConfig(name, make()), []);
  });
}

test('the linter is not vacuous: a broken rendering is caught', async () => {
  const c = loadConfig({ env: {} });
  const files = renderFiles(c, 'x');
  const text = files
    .find((f) => f.file === 'template-openfold-pipeline.yaml')!
    .text.replace('depends: split.Succeeded', 'depends: splitt.Succeeded');
  const docs = [{ file: 'p.yaml', index: 0, doc: yaml.load(text) }];
  const found = (await lintDocuments(docs, { schemaDir, go: false, allowExternalTemplateRefs: true })).map(formatDiagnostic);
  assert.ok(
    found.some((l) => l.includes('splitt')),
    found.join('\n'),
  );
});

test.run();
