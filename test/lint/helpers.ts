// Shared set-up of the lint tests: the schema and examples from ../shared (never downloaded), and fixtures
// built from small YAML strings.
import { join } from 'node:path';
import { SHARED } from '../helpers/env.js';
import { parseYamlText } from '../../lint/documents.js';
import { lintDocuments, type Diagnostic, type LintDocumentsOptions } from '../../lint/index.js';
import type { Layer, SourceDocument } from '../../lint/types.js';

export const ARGO_SHARED = join(SHARED, 'argo');
export const EXAMPLES_DIR = join(ARGO_SHARED, 'examples-v4.1.2');
export const CRD_DIR = join(ARGO_SHARED, 'crds-v4.1.2');
export const SCHEMA_FILE = join(ARGO_SHARED, 'schema-v4.1.2.json');

/** Layers 1-3 only: fixtures must not depend on whether the Go validator is built. */
export const OFFLINE: LintDocumentsOptions = { schemaDir: ARGO_SHARED, go: false };

export function docsOf(text: string, file = 'fixture.yaml'): SourceDocument[] {
  const parsed = parseYamlText(file, text);
  if (parsed.error) throw new Error(`fixture does not parse: ${parsed.error}`);
  return parsed.documents;
}

export async function lintYaml(text: string, opts: LintDocumentsOptions = OFFLINE): Promise<Diagnostic[]> {
  return lintDocuments(docsOf(text), opts);
}

export const onLayer = (diags: Diagnostic[], layer: Layer) => diags.filter((d) => d.layer === layer);

/** A Workflow around the given `templates:` YAML (indented by the caller as list items at column 2). */
export function workflowYaml(templates: string, extraSpec = '', name = 'fixture'): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: ${name}
spec:
  entrypoint: main
${extraSpec}  templates:
${templates}`;
}

export const show = (diags: Diagnostic[]) => diags.map((d) => `L${d.layer} ${d.path}: ${d.message}`).join('\n');
