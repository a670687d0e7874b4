// No false positives on Argo's upstream examples (v4.1.2): every document js-yaml can parse passes layers 1-3
// (and 4 when argo-validate is built), templateRefs resolving among the whole corpus as the examples use each
// other. Two examples are really broken (no metadata.name nor generateName: the API server refuses them) and
// are expected to be reported, by name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { relative } from 'node:path';
import { lintDocuments, loadDocuments } from '../../lint/index.js';
import { findGoValidator } from '../../lint/go.js';
import { isLintedDocument } from '../../lint/documents.js';
import { ARGO_SHARED, EXAMPLES_DIR, OFFLINE, show } from './helpers.js';

/** Upstream defects lint rightly reports: file -> the one message expected for it. */
const KNOWN_DEFECTS: Record<string, string> = {
  'fun-with-gifs.yaml': 'metadata.name or metadata.generateName is required', // generateName sits under labels
  'k8s-jobs.yaml': 'metadata.name or metadata.generateName is required', // name sits under an annotation's text
};

const corpus = loadDocuments([EXAMPLES_DIR]);

test('the corpus: how many files, documents, and files js-yaml cannot parse', () => {
  const linted = corpus.documents.filter(isLintedDocument);
  console.log(
    `examples: ${corpus.files.length} files, ${corpus.documents.length} documents (${linted.length} Argo), ${corpus.unparsable.length} files skipped (not parseable by js-yaml: ${corpus.unparsable.map((u) => relative(EXAMPLES_DIR, u.file)).join(', ')})`,
  );
  assert.ok(linted.length > 200);
  assert.ok(corpus.unparsable.length <= 5);
});

test('layers 1-3 report nothing on the upstream examples but the two known defects', async () => {
  const started = Date.now();
  const diags = await lintDocuments(corpus.documents, OFFLINE);
  console.log(`layers 1-3 on ${corpus.documents.length} documents: ${Date.now() - started} ms`);
  const unexpected = diags.filter((d) => KNOWN_DEFECTS[relative(EXAMPLES_DIR, d.file)] !== d.message);
  assert.is(unexpected.length, 0, `false positives:\n${show(unexpected)}`);
  assert.equal(diags.map((d) => relative(EXAMPLES_DIR, d.file)).sort(), Object.keys(KNOWN_DEFECTS).sort());
});

test("layer 4 (Argo's Go validation) reports nothing on the upstream examples", async () => {
  const binary = findGoValidator();
  if (!binary) {
    console.log('SKIP layer 4 on the examples: argo-validate not built (bash .ci/setup.d/40-argo-validate.sh)');
    return;
  }
  const diags = await lintDocuments(corpus.documents, { schemaDir: ARGO_SHARED, goBinary: binary });
  assert.equal(show(diags.filter((d) => d.layer === 4)), '');
});

test.run();
