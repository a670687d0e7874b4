// No false positives on Argo's upstream examples (of the version under test, from its Go module: helpers/argo.ts):
// every document js-yaml can parse passes layers 1-3 (and 4 when argo-validate is built), templateRefs resolving
// among the whole corpus as the examples use each other. Two examples have neither metadata.name nor generateName (kubectl create refuses them; Argo's rules do
// not check it): they pass, with a warning each.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { relative } from 'node:path';
import { errorsOf, lintDocuments, loadDocuments } from '../../lint/index.js';
import { findGoValidator } from '../../lint/go.js';
import { isLintedDocument } from '../../lint/documents.js';
import { missingArgoMaterial } from '../helpers/argo.js';
import { firstMissing, requires } from '../helpers/gate.js';
import { ARGO_VERSION, EXAMPLES_DIR, OFFLINE, SCHEMA_DIR, show, withArgo } from './helpers.js';

/** Upstream oddities lint warns about: file -> the one warning expected for it. */
const NAMELESS = 'metadata.name or metadata.generateName is missing: kubectl create refuses it';
const KNOWN_WARNINGS: Record<string, string> = {
  'fun-with-gifs.yaml': NAMELESS, // generateName sits under labels
  'k8s-jobs.yaml': NAMELESS, // the name sits in an annotation's text
};

let loaded: ReturnType<typeof loadDocuments> | undefined;
const examples = () => (loaded ??= loadDocuments([EXAMPLES_DIR]));
const binary = findGoValidator();
const noValidator = binary ? null : 'argo-validate not built (bash .ci/setup.d/40-argo-validate.sh, needs Go)';
const withArgoAndValidator = requires(firstMissing(missingArgoMaterial(), noValidator));

withArgo(`the ${ARGO_VERSION} corpus: every file read (one with a duplicated key, read as Kubernetes reads it, with a warning)`, () => {
  const corpus = examples();
  const linted = corpus.documents.filter(isLintedDocument);
  console.log(`examples: ${corpus.files.length} files, ${corpus.documents.length} documents (${linted.length} Argo)`);
  assert.ok(linted.length > 200);
  assert.equal(corpus.unparsable, []);
  assert.equal(
    corpus.warned.map((w) => [relative(EXAMPLES_DIR, w.file), w.warnings]),
    [['k8s-patch-json-workflow.yaml', ['duplicated mapping key (13:3): the later value is used and the earlier one lost']]],
  );
  const patched = corpus.documents.find((d) => d.file.endsWith('k8s-patch-json-workflow.yaml'))!.doc as {
    metadata: { annotations: Record<string, string> };
  };
  assert.equal(Object.keys(patched.metadata.annotations), ['workflows.argoproj.io/description']);
});

withArgo(`layers 1-3 pass every ${ARGO_VERSION} upstream example untouched (two warnings, no error)`, async () => {
  const corpus = examples();
  const started = Date.now();
  const diags = await lintDocuments(corpus.documents, OFFLINE);
  console.log(`layers 1-3 on ${corpus.documents.length} documents: ${Date.now() - started} ms`);
  assert.equal(show(errorsOf(diags)), '', 'false positives');
  assert.ok(diags.every((d) => d.warning && KNOWN_WARNINGS[relative(EXAMPLES_DIR, d.file)] === d.message));
  assert.equal(diags.map((d) => relative(EXAMPLES_DIR, d.file)).sort(), Object.keys(KNOWN_WARNINGS).sort());
});

withArgoAndValidator(`layer 4 (Argo's Go validation) reports nothing on the ${ARGO_VERSION} upstream examples`, async () => {
  const diags = await lintDocuments(examples().documents, { schemaDir: SCHEMA_DIR, argoVersion: ARGO_VERSION, goBinary: binary });
  assert.equal(show(diags.filter((d) => d.layer === 4)), '');
});

test.run();
