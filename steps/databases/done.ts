// The done-manifest `<root>/<name>/.openfold-argo-done.json`: written last, inside the staging folder, so it
// appears together with the database when the folder is renamed into place. Its presence with every recorded
// file at its recorded size (and, when checked, sha256) is what "installed" means; a rerun skips such a database.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExpectedFile } from './expect.js';
import { checkFiles, type FilesCheck } from './files.js';
import type { HashPool } from './hasher.js';
import type { DatabaseEntry, Unpack } from './manifest.js';
import type { VerifiedBy } from './verify.js';

export const DONE_FILE = '.openfold-argo-done.json';

export interface DoneObject {
  /** Full key in the bucket. */
  key: string;
  size: number;
  etag: string;
  lastModified?: string;
  sha256: string;
  /** Present when the ETag was a plain MD5 and was verified. */
  md5?: string;
  /** What the download was checked against before unpacking; empty: nothing could be (installed as received). */
  verifiedBy?: VerifiedBy[];
  /** The part size that reproduced a multipart ETag. */
  partSize?: number;
  unpack: Unpack;
  /** Where a gz / none object landed, relative to databases.root (refresh replaces it there). */
  path?: string;
}

export interface DoneManifest {
  /** 2: files carry sha256 and mtime. */
  format?: number;
  name: string;
  version: string;
  preset: string;
  source: { bucket: string; prefix: string; endpoint: string; region: string };
  completedAt: string;
  refreshedAt?: string;
  objects: DoneObject[];
  /** The entry's `expect` patterns. */
  expect: string[];
  /** Every file of the database with its size, sha256 and mtime; the directories `expect` asks for. */
  files: ExpectedFile[];
}

export const donePath = (dbDir: string): string => join(dbDir, DONE_FILE);

export async function readDone(dbDir: string): Promise<DoneManifest | undefined> {
  try {
    return JSON.parse(await readFile(donePath(dbDir), 'utf8')) as DoneManifest;
  } catch {
    return undefined;
  }
}

/** Writes the done-manifest atomically (temporary file, then rename). */
export async function writeDone(dbDir: string, done: DoneManifest): Promise<void> {
  const tmp = `${donePath(dbDir)}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(done, null, 1)}\n`);
  await rename(tmp, donePath(dbDir));
}

export type DoneCheck =
  { ok: true; done: DoneManifest; files: FilesCheck } | { ok: false; reason: string; done?: DoneManifest; files?: FilesCheck };

/**
 * Whether a database is installed and still valid: done-manifest present, same version and bucket, every
 * non-prefix object of the entry recorded, and every recorded file still there with its size; a file whose
 * mtime moved is hashed again, and with `verify` every file is.
 */
export async function checkDone(
  root: string,
  entry: DatabaseEntry,
  version: string,
  bucket: string,
  fullKeys: string[],
  opts: { pool: HashPool; verify?: boolean },
): Promise<DoneCheck> {
  const done = await readDone(join(root, entry.name));
  if (!done) return { ok: false, reason: 'not installed' };
  if (done.version !== version) return { ok: false, reason: `installed version ${done.version}, wanted ${version}`, done };
  if (done.source.bucket !== bucket) return { ok: false, reason: `installed from bucket ${done.source.bucket}, wanted ${bucket}`, done };
  const recorded = new Set(done.objects.map((o) => o.key));
  const absent = fullKeys.find((k) => !recorded.has(k));
  if (absent !== undefined) return { ok: false, reason: `object ${absent} is not recorded`, done };
  const files = await checkFiles(root, done.files, opts.pool, opts.verify ?? false);
  if (files.problem) return { ok: false, reason: files.problem, done, files };
  return { ok: true, done, files };
}

/** The done-manifest with the given file records replaced (same content, new mtime; or a first sha256). */
export function withUpdatedFiles(done: DoneManifest, updated: ExpectedFile[]): DoneManifest {
  const byPath = new Map(updated.map((f) => [f.path, f]));
  return { ...done, files: done.files.map((f) => byPath.get(f.path) ?? f) };
}
