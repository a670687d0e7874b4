// The done-manifest `<root>/<name>/.openfold-argo-done.json`: written last, inside the staging folder, so it
// appears together with the database when the folder is renamed into place. Its presence with every recorded
// file at its recorded size is what "installed" means; a rerun skips such a database.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { firstDifference, type ExpectedFile } from './expect.js';
import type { DatabaseEntry, Unpack } from './manifest.js';

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
  unpack: Unpack;
  /** Where a gz / none object landed, relative to databases.root (refresh replaces it there). */
  path?: string;
}

export interface DoneManifest {
  name: string;
  version: string;
  preset: string;
  source: { bucket: string; prefix: string; endpoint: string; region: string };
  completedAt: string;
  refreshedAt?: string;
  objects: DoneObject[];
  /** The entry's `expect` patterns and the files they matched, with sizes. */
  expect: string[];
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

export type DoneCheck = { ok: true; done: DoneManifest } | { ok: false; reason: string; done?: DoneManifest };

/**
 * Whether a database is installed and still valid: done-manifest present, same version and bucket, every
 * non-prefix object of the entry recorded, and every recorded file still there with its size.
 */
export async function checkDone(
  root: string,
  entry: DatabaseEntry,
  version: string,
  bucket: string,
  fullKeys: string[],
): Promise<DoneCheck> {
  const done = await readDone(join(root, entry.name));
  if (!done) return { ok: false, reason: 'not installed' };
  if (done.version !== version) return { ok: false, reason: `installed version ${done.version}, wanted ${version}`, done };
  if (done.source.bucket !== bucket) return { ok: false, reason: `installed from bucket ${done.source.bucket}, wanted ${bucket}`, done };
  const recorded = new Set(done.objects.map((o) => o.key));
  const absent = fullKeys.find((k) => !recorded.has(k));
  if (absent !== undefined) return { ok: false, reason: `object ${absent} is not recorded`, done };
  const diff = await firstDifference(root, done.files);
  if (diff) return { ok: false, reason: diff, done };
  return { ok: true, done };
}
