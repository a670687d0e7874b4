// Library API of `openfold-argo lint`: Argo's rules in four layers (see types.ts, Layer). Other code (the render
// and Helm tests, the CLI) calls lintDocuments on documents it holds, or lintPaths on files and folders.
import { checkCrdRules } from './crd.js';
import { describeDocument, isLintedDocument, manifestFiles, readManifestFile, type ParsedFile } from './documents.js';
import { findGoValidator, runGoValidator } from './go.js';
import { ARGO_DEFINITION_PREFIX, loadArgoSchema } from './schema.js';
import { buildLibrary, semanticProblems, type SemanticOptions } from './semantic/validate.js';
import { isObject, type Diagnostic, type Layer, type LintedKind, type LintOptions, type SourceDocument } from './types.js';

export type { Diagnostic, Layer, LintOptions, SourceDocument } from './types.js';
export { LintSetupError } from './types.js';

export interface LintDocumentsOptions extends LintOptions, SemanticOptions {}

function diagnostic(d: SourceDocument, layer: Layer, path: string, message: string, warning = false): Diagnostic {
  return { file: d.file, index: d.index, ...describeDocument(d.doc), path, message, layer, ...(warning ? { warning } : {}) };
}

/** The diagnostics that make a document invalid (warnings left out). */
export const errorsOf = (diagnostics: Diagnostic[]): Diagnostic[] => diagnostics.filter((d) => !d.warning);

/**
 * Lints the Argo documents among `docs` (Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow; others
 * are skipped). templateRefs resolve among all the documents given. Resolves to [] when everything is valid
 * (or to warnings only: see errorsOf).
 */
export async function lintDocuments(docs: SourceDocument[], opts: LintDocumentsOptions = {}): Promise<Diagnostic[]> {
  const schema = await loadArgoSchema(opts);
  const linted = docs.filter(isLintedDocument);
  const library = buildLibrary(linted);
  const out: Diagnostic[] = [];
  for (const d of linted) {
    const doc = d.doc as Record<string, unknown>;
    const kind = doc.kind as LintedKind;
    for (const p of schema.validate(kind, doc)) out.push(diagnostic(d, 1, p.path, p.message));
    for (const p of checkCrdRules(schema, `${ARGO_DEFINITION_PREFIX}${kind}`, doc)) out.push(diagnostic(d, 2, p.path, p.message));
    for (const p of semanticProblems(doc, kind, library, opts)) out.push(diagnostic(d, 3, p.path, p.message, p.warning));
  }
  const binary = opts.go === false ? undefined : (opts.goBinary ?? findGoValidator(opts.env));
  if (binary) {
    for (const v of await runGoValidator(binary, linted)) if (!v.valid) out.push(diagnostic(v.doc, 4, '', v.error ?? 'invalid'));
  }
  return out;
}

export interface LoadedDocuments {
  documents: SourceDocument[];
  /** Files that are not valid YAML, with js-yaml's message. */
  unparsable: ParsedFile[];
  /** Files read with warnings (a duplicated key). */
  warned: ParsedFile[];
  files: string[];
}

/** Reads every .yaml/.yml/.json file under the paths into documents. */
export function loadDocuments(paths: string[]): LoadedDocuments {
  const files = manifestFiles(paths);
  const parsed = files.map(readManifestFile);
  return {
    files,
    documents: parsed.flatMap((p) => p.documents),
    unparsable: parsed.filter((p) => p.error !== undefined),
    warned: parsed.filter((p) => p.warnings?.length),
  };
}

/** Lints files and folders; a file that is not valid YAML is itself a diagnostic. */
export async function lintPaths(paths: string[], opts: LintDocumentsOptions = {}): Promise<Diagnostic[]> {
  const { documents, unparsable, warned } = loadDocuments(paths);
  const parseErrors = unparsable.map((p): Diagnostic => ({
    file: p.file,
    index: 0,
    path: '',
    message: `not valid YAML: ${p.error}`,
    layer: 1,
  }));
  const parseWarnings = warned.flatMap((p) =>
    (p.warnings ?? []).map((message): Diagnostic => ({ file: p.file, index: 0, path: '', message, layer: 1, warning: true })),
  );
  return [...parseErrors, ...parseWarnings, ...(await lintDocuments(documents, opts))];
}

const LAYER_NAMES: Record<Layer, string> = { 1: 'schema', 2: 'crd', 3: 'argo-lint', 4: 'argo-go' };

/** `file:doc[kind/name] path: message (layer)`, the CLI's line for a diagnostic. */
export function formatDiagnostic(d: Diagnostic): string {
  const what = d.kind || d.name ? `[${d.kind ?? '?'}/${d.name ?? '?'}]` : '';
  return `${d.file}:${d.index}${what} ${d.path || '(document)'}: ${d.warning ? 'warning: ' : ''}${d.message} (${LAYER_NAMES[d.layer]})`;
}

export function isLintableDocument(doc: unknown): boolean {
  return isObject(doc) && isLintedDocument({ file: '', index: 0, doc });
}
