// Everything the generators render passes all four lint layers — for each example config and each mode — each
// layer named in the test that ran it: layers 1-3 (Argo's schema, the v4 CRD rules, argo lint's semantics) with
// Argo's files of the version under test (from its Go module), layer 4 (Argo's own Go validation) where
// argo-validate is built. Each group skips with its reason where its prerequisite is missing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { loadConfig, resolveConfig } from '../../generators/config/load.js';
import { renderFiles } from '../../generators/render.js';
import { isLintedDocument } from '../../lint/documents.js';
import { findGoValidator, runGoValidator } from '../../lint/go.js';
import { formatDiagnostic, lintDocuments, type SourceDocument } from '../../lint/index.js';
import type { Config } from '../../generators/config/types.js';
import { ARGO, missingArgoMaterial, withoutNewerArgoFields } from '../helpers/argo.js';
import { ROOT, missingTools } from '../helpers/env.js';
import { requires } from '../helpers/gate.js';
import { withoutKeys } from '../helpers/json.js';

const withArgo = requires(missingArgoMaterial());
// Layer 4 is Argo's Go code; CI builds it (.ci/setup.d/40-argo-validate.sh), a user's machine may not have it.
const withValidator = requires(missingTools(['argo-validate'], 'bash .ci/setup.d/40-argo-validate.sh (needs Go)'));
const OFFLINE = { schemaDir: ARGO.schemaDir, argoVersion: ARGO.version, go: false };

/** The resources rendered for the Argo version whose schema, CRDs and Go validation the tests read. */
function rendered(name: string, c: Config): SourceDocument[] {
  return renderFiles(forArgoUnderTest(c), name).flatMap((f) => yaml.loadAll(f.text).map((doc, index) => ({ file: f.file, index, doc })));
}

function forArgoUnderTest(c: Config): Config {
  return { ...c, argoVersion: ARGO.version };
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
  withArgo(
    `GIVEN the ${name} config WHEN rendered THEN layers 1-3 pass (Argo ${ARGO.version}'s schema, CRD rules, argo lint's checks)`,
    async () => {
      const diagnostics = await lintDocuments(rendered(name, make()), OFFLINE);
      assert.equal(diagnostics.map(formatDiagnostic), []);
    },
  );
  withValidator(`GIVEN the ${name} config WHEN rendered THEN layer 4 passes (Argo's own Go validation, argo-validate)`, async () => {
    const docs = rendered(name, make()).filter(isLintedDocument);
    const verdicts = await runGoValidator(findGoValidator()!, docs);
    assert.is(verdicts.length, docs.length, 'one verdict per Argo document');
    assert.equal(
      verdicts.filter((v) => !v.valid).map((v) => `${v.doc.file}#${v.doc.index}: ${v.error}`),
      [],
    );
  });
}

test(`rendered for ${'v4.1.2'} (the default argoVersion), the resources differ from those for ${ARGO.version} only by pendingTimeout`, () => {
  // The tests read Argo's files of the version the Go module proxy serves; the fields a newer argoVersion adds
  // are listed here, so the lint of the older rendering covers everything else.
  // The config each step receives (OPENFOLD_ARGO_CONFIG) names the version too.
  const strip = (v: unknown) =>
    withoutKeys(withoutNewerArgoFields(v), new Set(), (t) => t.replace('"argoVersion":"v4.1.2"', `"argoVersion":"${ARGO.version}"`));
  const c = loadConfig({ env: {} });
  assert.is(c.argoVersion, 'v4.1.2');
  const docs = (cfg: Config) => renderFiles(cfg, 'x').map((f) => yaml.loadAll(f.text));
  const newer = docs(c);
  assert.ok(JSON.stringify(newer).includes('"pendingTimeout"'), 'v4.1 renders pendingTimeout');
  assert.equal(strip(newer), docs(forArgoUnderTest(c)));
});

withArgo('the linter is not vacuous: a broken rendering is caught', async () => {
  const c = forArgoUnderTest(loadConfig({ env: {} }));
  const files = renderFiles(c, 'x');
  const text = files
    .find((f) => f.file === 'template-openfold-pipeline.yaml')!
    .text.replace('depends: split.Succeeded', 'depends: splitt.Succeeded');
  const docs = [{ file: 'p.yaml', index: 0, doc: yaml.load(text) }];
  const found = (await lintDocuments(docs, { ...OFFLINE, allowExternalTemplateRefs: true })).map(formatDiagnostic);
  assert.ok(
    found.some((l) => l.includes('splitt')),
    found.join('\n'),
  );
});

test.run();
