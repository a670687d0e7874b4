// Shared types of `openfold-argo lint` and its library API (lint/index.ts).

/** One parsed YAML document: the file it came from and its 0-based position among the file's documents. */
export interface SourceDocument {
  file: string;
  index: number;
  doc: unknown;
}

/**
 * The layer that found a problem: 1 = Argo's JSON schema (patched, strict), 2 = the v4 CRD limits and CEL
 * rules, 3 = the semantic checks of `argo lint`, 4 = Argo's own validation package (Go, when built).
 */
export type Layer = 1 | 2 | 3 | 4;

export interface Diagnostic {
  file: string;
  index: number;
  kind?: string;
  name?: string;
  /** Dotted JSON path inside the document, e.g. `spec.templates[2].dag.tasks[0].depends`; '' = whole document. */
  path: string;
  message: string;
  layer: Layer;
  /** A warning (not one of Argo's rules): printed, but the document passes. */
  warning?: boolean;
}

export interface LintOptions {
  /** Argo version whose schema to use (default v4.1.2). */
  argoVersion?: string;
  /** A local copy of Argo's api/jsonschema/schema.json (no download). */
  schemaFile?: string;
  /** A folder holding schema-<version>.json, consulted before downloading (default: env OPENFOLD_ARGO_SCHEMA_DIR). */
  schemaDir?: string;
  /** Where downloaded schemas are cached (default $XDG_CACHE_HOME/openfold-argo/schemas or ~/.cache/...). */
  cacheDir?: string;
  /** Run layer 4 (Argo's Go validation) when its binary is found (default true). */
  go?: boolean;
  /** Path of the argo-validate binary (default: PATH, then <project>/.cache/bin). */
  goBinary?: string;
  /** Environment to read OPENFOLD_ARGO_SCHEMA_DIR, XDG_CACHE_HOME, HOME and PATH from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** The Argo kinds lint validates; other documents (ConfigMaps, RBAC...) are skipped. */
export const LINTED_KINDS = ['Workflow', 'WorkflowTemplate', 'ClusterWorkflowTemplate', 'CronWorkflow'] as const;
export type LintedKind = (typeof LINTED_KINDS)[number];

export function isLintedKind(kind: unknown): kind is LintedKind {
  return typeof kind === 'string' && (LINTED_KINDS as readonly string[]).includes(kind);
}

/** A lint set-up problem the user can fix (no schema, unreadable file): the CLI prints it as one line. */
export class LintSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LintSetupError';
  }
}

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Appends a property or index to a dotted path: joinPath('spec', 'templates') = 'spec.templates', joinPath(p, 3) = 'p[3]'. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (/^[A-Za-z_$][-\w$]*$/.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${JSON.stringify(key)}]`;
}
