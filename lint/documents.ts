// Reads the files and folders given to lint into documents: every YAML document of every .yaml/.yml/.json file,
// with its file and index, so diagnostics can point at `file:doc`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import yaml from 'js-yaml';
import { isLintedKind, isObject, LintSetupError, type SourceDocument } from './types.js';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

// js-yaml's built-in types (missing from @types/js-yaml).
const types = (yaml as unknown as { types: Record<string, yaml.Type & yaml.TypeConstructorOptions> }).types;
const YAML11_OCTAL = /^[-+]?0[0-7]+$/;

/** Integers as Kubernetes' YAML reader (go-yaml, YAML 1.1) reads them: `mode: 0755` is octal 493, not 755. */
const kubernetesInt = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (s: string | null) => (s !== null && YAML11_OCTAL.test(s)) || types.int.resolve!(s),
  construct: (s: string) =>
    YAML11_OCTAL.test(s) ? (s.startsWith('-') ? -1 : 1) * parseInt(s.replace(/^[-+]/, ''), 8) : types.int.construct!(s),
  predicate: types.int.predicate,
  represent: types.int.represent,
});

/**
 * Kubernetes' reading of YAML: the core schema with YAML 1.1 octals, and timestamps left as strings (they are
 * strings once Kubernetes converts YAML to JSON).
 */
export const KUBERNETES_YAML_SCHEMA = new yaml.Schema({
  implicit: [types.null, types.bool, kubernetesInt, types.float, types.merge],
  explicit: [types.str, types.seq, types.map, types.binary, types.omap, types.pairs, types.set],
});

/** Every manifest file under the given paths (folders recursively, sorted); a named file is taken as is. */
export function manifestFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw new LintSetupError(`${path}: no such file or folder`);
    }
    if (!stat.isDirectory()) {
      files.push(path);
      continue;
    }
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir).sort()) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (MANIFEST_EXTENSIONS.has(extname(name))) files.push(p);
      }
    };
    walk(path);
  }
  return files;
}

export interface ParsedFile {
  file: string;
  documents: SourceDocument[];
  /** Set when the file is not valid YAML: js-yaml's message (with line and column). */
  error?: string;
  /** Problems read past: a duplicated key (the later value kept, as Kubernetes' YAML reader keeps it). */
  warnings?: string[];
}

/** Parses one YAML text into documents; empty documents (null) are kept so indexes match the file. */
export function parseYamlText(file: string, text: string, lastKeyWins = false): ParsedFile {
  try {
    const docs = yaml.loadAll(text, undefined, { schema: KUBERNETES_YAML_SCHEMA, json: lastKeyWins });
    return { file, documents: docs.map((doc, index) => ({ file, index, doc })) };
  } catch (e) {
    const error = (e as Error).message.split('\n')[0];
    if (!error.startsWith('duplicated mapping key')) return { file, documents: [], error };
    // js-yaml's json mode keeps the later value, as go-yaml's (non-strict) reading in kubectl does.
    const reread = parseYamlText(file, text, true);
    return reread.error ? reread : { ...reread, warnings: [`${error}: the later value is used and the earlier one lost`] };
  }
}

export function readManifestFile(file: string): ParsedFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LintSetupError(`${file}: cannot read (${(e as Error).message})`);
  }
  return parseYamlText(file, text);
}

/** Kind and name (metadata.name, else generateName) of a document, for messages. */
export function describeDocument(doc: unknown): { kind?: string; name?: string } {
  if (!isObject(doc)) return {};
  const kind = typeof doc.kind === 'string' ? doc.kind : undefined;
  const meta = isObject(doc.metadata) ? doc.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? meta.generateName : undefined;
  return { kind, name };
}

export function isLintedDocument(d: SourceDocument): boolean {
  return isObject(d.doc) && isLintedKind(d.doc.kind);
}
