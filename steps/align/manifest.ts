// The done-manifest of a target's alignment directory and the identities a rerun is compared on. A
// directory is trusted only when its manifest parses, its files hold what it recorded (size, sha256: see
// files.ts), and it matches what would be run now (sequence, mode, database identities, flags); otherwise
// the target is aligned again.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { AlignMode } from '../../generators/config/types.js';
import { fileProblem, type FileRecord, type VerifyOptions } from './files.js';

export const MANIFEST_FILE = 'manifest.json';
// 2: every search records its output's size, sha256 and mtime.
export const MANIFEST_VERSION = 2;

export interface DatabaseIdentity {
  /** Key of databases.paths, e.g. "uniref90". */
  name: string;
  /** The FASTA file, or the prefix of an HH-suite / MMseqs2 database. */
  path: string;
  /** Bytes (for a prefix: every file that starts with it). */
  size: number;
  /** Latest modification time, ISO 8601. */
  mtime: string;
}

export interface SearchRecord extends FileRecord {
  name: string;
  /** The output file (its size, sha256 and mtime are the FileRecord fields). */
  output: string;
  /** The command lines run, paths written as {query}, {output}, {work} and {db:NAME}. */
  flags: string[];
  seconds: number;
  /** Sequences in the MSA (the query included), or template hits for an .hhr. */
  depth: number;
  exitCode: number;
  /** Targets searched together in this one run (MMseqs2 searches an align group at once); `seconds` is the run's. */
  batch?: number;
}

export interface AlignManifest {
  version: number;
  tag: string;
  sequenceSha256: string;
  mode: AlignMode;
  tools: Record<string, string>;
  databases: DatabaseIdentity[];
  searches: SearchRecord[];
  msaDepth: Record<string, number>;
  wallSeconds: number;
  cached: boolean;
  completedAt: string;
}

/** What a finished directory must match to be reused (and what keys the cache). */
export interface AlignIdentity {
  sequenceSha256: string;
  mode: AlignMode;
  databases: DatabaseIdentity[];
  /** Planned flags per search name. */
  flags: Record<string, string[]>;
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Size and mtime of a database: a file, or every file in its folder whose name starts with the prefix. */
export function databaseIdentity(name: string, path: string): DatabaseIdentity | null {
  const files = existsSync(path) && statSync(path).isFile() ? [path] : prefixFiles(path);
  if (files.length === 0) return null;
  let size = 0;
  let mtimeMs = 0;
  for (const f of files) {
    const st = statSync(f);
    size += st.size;
    mtimeMs = Math.max(mtimeMs, st.mtimeMs);
  }
  return { name, path, size, mtime: new Date(Math.floor(mtimeMs)).toISOString() };
}

function prefixFiles(prefix: string): string[] {
  const dir = dirname(prefix);
  const base = basename(prefix);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(base))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

// --cpu changes the speed, not the result: it is left out when flags are compared.
const CPU_FLAG = /(--cpu|-cpu|--threads) \S+/g;
export const comparableFlags = (flags: string[]): string[] => flags.map((f) => f.replace(CPU_FLAG, '$1 *'));

const sameDatabases = (a: DatabaseIdentity[], b: DatabaseIdentity[]) =>
  a.length === b.length &&
  a.every((x, i) => x.name === b[i].name && x.path === b[i].path && x.size === b[i].size && x.mtime === b[i].mtime);

/** Why a manifest does not match the identity, or null when it does. */
export function mismatch(m: AlignManifest, id: AlignIdentity): string | null {
  if (m.sequenceSha256 !== id.sequenceSha256) return 'the sequence changed';
  if (m.mode !== id.mode) return `the mode changed (${m.mode} -> ${id.mode})`;
  if (!sameDatabases(m.databases, id.databases)) return 'a database changed (path, size or mtime)';
  const names = Object.keys(id.flags).sort();
  const done = m.searches.map((s) => s.name).sort();
  if (names.join() !== done.join()) return `the searches changed (${done.join(', ')} -> ${names.join(', ')})`;
  for (const s of m.searches) {
    if (JSON.stringify(comparableFlags(s.flags)) !== JSON.stringify(comparableFlags(id.flags[s.name])))
      return `the flags of ${s.name} changed`;
  }
  return null;
}

/** Cache key: sha256 of the sequence, mode, database identities and flags. */
export function identityKey(id: AlignIdentity): string {
  const flags = Object.fromEntries(
    Object.keys(id.flags)
      .sort()
      .map((k) => [k, comparableFlags(id.flags[k])]),
  );
  return sha256(JSON.stringify({ v: MANIFEST_VERSION, sequence: id.sequenceSha256, mode: id.mode, databases: id.databases, flags }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads DIR/manifest.json; null (never throws) when missing, unparsable, incomplete or naming absent files. */
export function readManifest(dir: string): AlignManifest | null {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8'));
  } catch {
    return null;
  }
  if (!isObject(doc) || doc.version !== MANIFEST_VERSION) return null;
  const strings = ['tag', 'sequenceSha256', 'mode', 'completedAt'];
  if (strings.some((k) => typeof doc[k] !== 'string')) return null;
  if (!Array.isArray(doc.searches) || !Array.isArray(doc.databases) || !isObject(doc.msaDepth) || !isObject(doc.tools)) return null;
  if (typeof doc.wallSeconds !== 'number' || typeof doc.cached !== 'boolean') return null;
  for (const s of doc.searches) {
    if (!isObject(s) || typeof s.name !== 'string' || typeof s.output !== 'string' || !Array.isArray(s.flags)) return null;
    if (s.output.includes('/') || !existsSync(join(dir, s.output))) return null;
    if (typeof s.size !== 'number' || typeof s.sha256 !== 'string' || typeof s.mtime !== 'string') return null;
  }
  return doc as unknown as AlignManifest;
}

/** The first output of the directory that does not hold what its manifest recorded, with why; null when all do. */
export async function outputsProblem(dir: string, m: AlignManifest, opts: VerifyOptions = {}): Promise<string | null> {
  for (const s of m.searches) {
    const problem = await fileProblem(join(dir, s.output), s, opts);
    if (problem) return `${s.output}: ${problem}`;
  }
  return null;
}

/**
 * For a reader of a finished alignment directory (predict): why its files no longer hold what the align step
 * recorded, or null (also null without a valid manifest: alignments made elsewhere carry none).
 */
export async function alignmentDirProblem(dir: string): Promise<string | null> {
  const m = readManifest(dir);
  return m ? outputsProblem(dir, m) : null;
}
