// Layers 3 and 4 agree: the port of `argo lint`'s rules (lint/semantic) and Argo's own Go validation package
// (test/go/argo-validate) give the same verdict, valid or invalid, per document, on the upstream examples and
// on invalid fixtures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { relative } from 'node:path';
import { loadDocuments } from '../../lint/index.js';
import { findGoValidator, runGoValidator } from '../../lint/go.js';
import { isLintedDocument } from '../../lint/documents.js';
import { buildLibrary, semanticProblems } from '../../lint/semantic/validate.js';
import type { LintedKind, SourceDocument } from '../../lint/types.js';
import { missingArgoMaterial } from '../helpers/argo.js';
import { missingTools } from '../helpers/env.js';
import { firstMissing, requires } from '../helpers/gate.js';
import { INVALID_CASES } from './cases.js';
import { docsOf, EXAMPLES_DIR } from './helpers.js';

const noValidator = missingTools(['argo-validate'], 'bash .ci/setup.d/40-argo-validate.sh (needs Go)');
const withValidator = requires(noValidator);
const withValidatorAndExamples = requires(firstMissing(noValidator, missingArgoMaterial()));

function layer3(docs: SourceDocument[]): Map<SourceDocument, string[]> {
  const lib = buildLibrary(docs);
  return new Map(
    docs.map((d) => [
      d,
      // Warnings are checks Argo's Go code does not make (a missing name): they do not make a document invalid.
      semanticProblems(d.doc as Record<string, unknown>, (d.doc as { kind: LintedKind }).kind, lib)
        .filter((p) => !p.warning)
        .map((p) => p.message),
    ]),
  );
}

withValidatorAndExamples('same verdict per document on the upstream examples', async () => {
  const docs = loadDocuments([EXAMPLES_DIR]).documents.filter(isLintedDocument);
  const started = Date.now();
  const go = await runGoValidator(findGoValidator()!, docs);
  console.log(`argo-validate on ${docs.length} documents: ${Date.now() - started} ms`);
  assert.is(go.length, docs.length, 'one Go verdict per document');
  const ours = layer3(docs);
  const disagreements = go
    .filter((v) => {
      return v.valid !== ((ours.get(v.doc) ?? []).length === 0);
    })
    .map(
      (v) =>
        `${relative(EXAMPLES_DIR, v.doc.file)}#${v.doc.index}: go=${v.valid ? 'valid' : v.error} ours=${(ours.get(v.doc) ?? []).join('; ') || 'valid'}`,
    );
  assert.equal(disagreements, []);
});

withValidator('both refuse each invalid fixture', async () => {
  const binary = findGoValidator()!;
  for (const [name, text] of Object.entries(INVALID_CASES)) {
    const docs = docsOf(text, `${name}.yaml`);
    const [verdict] = await runGoValidator(binary, docs);
    const ours = layer3(docs).get(docs[0]) ?? [];
    assert.ok(verdict && !verdict.valid, `${name}: Argo's Go validation accepts it`);
    assert.ok(ours.length > 0, `${name}: layer 3 accepts it (Go says: ${verdict.error})`);
  }
});

test.run();
