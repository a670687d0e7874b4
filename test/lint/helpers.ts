// Shared set-up of the lint tests: Argo's schema, CRDs and examples of the version under test (from its Go
// module: helpers/argo.ts), and fixtures built from small YAML strings.
import { parseYamlText } from '../../lint/documents.js';
import { lintDocuments, type Diagnostic, type LintDocumentsOptions } from '../../lint/index.js';
import type { Layer, SourceDocument } from '../../lint/types.js';
import { ARGO, missingArgoMaterial } from '../helpers/argo.js';
import { requires } from '../helpers/gate.js';

export const EXAMPLES_DIR = ARGO.examplesDir;
export const CRD_DIR = ARGO.crdDir;
export const SCHEMA_FILE = ARGO.schemaFile;
export const SCHEMA_DIR = ARGO.schemaDir;
export const ARGO_VERSION = ARGO.version;

/** Declares a test that needs Argo's files (skipped, with the reason, where Go cannot fetch them). */
export const withArgo = requires(missingArgoMaterial());

/** Layers 1-3 only: fixtures must not depend on whether the Go validator is built. */
export const OFFLINE: LintDocumentsOptions = { schemaDir: SCHEMA_DIR, argoVersion: ARGO_VERSION, go: false };

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
