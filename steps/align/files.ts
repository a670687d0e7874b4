// What an alignment directory holds, by content: each output's size, sha256 and mtime as recorded when it was
// written, and the checks a reader makes before trusting it (size always; sha256 when asked, or when the size
// matches but the mtime moved). Files reach a run folder or the cache by copy (a reflink where the file
// system can), never by a shared hard link, so damage to one copy cannot reach the other; a copy out of the
// cache is hashed and must match the entry's record.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, constants, copyFileSync, createReadStream, existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';

export const rand = (): string => randomBytes(4).toString('hex');

/** The content record of one file, as written into a done-manifest. */
export interface FileRecord {
  size: number;
  sha256: string;
  /** Modification time (ISO 8601, ms) when recorded: a file whose mtime moved is hashed again. */
  mtime: string;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const mtimeOf = (ms: number): string => new Date(Math.floor(ms)).toISOString();

/** Size, sha256 and mtime of a file as it is now. */
export async function recordFile(path: string): Promise<FileRecord> {
  const before = statSync(path);
  const sha256 = await sha256File(path);
  return { size: before.size, sha256, mtime: mtimeOf(before.mtimeMs) };
}

export interface VerifyOptions {
  /** Hash every file, whatever its size and mtime say (`--verify`). */
  full?: boolean;
}

/**
 * Why a file does not hold what its record says, or null when it does: a missing file or another size fails
 * at once; the sha256 is compared when `full` is set or the mtime moved (a same-size rewrite).
 */
export async function fileProblem(path: string, rec: FileRecord, opts: VerifyOptions = {}): Promise<string | null> {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 'missing';
  }
  if (!st.isFile()) return 'not a regular file';
  if (st.size !== rec.size) return `size ${st.size} bytes, recorded ${rec.size}`;
  if (!opts.full && mtimeOf(st.mtimeMs) === rec.mtime) return null;
  const sha = await sha256File(path);
  return sha === rec.sha256 ? null : `sha256 ${sha.slice(0, 12)}…, recorded ${rec.sha256.slice(0, 12)}…`;
}

/**
 * Copies `src` to `dst` (a reflink where the file system supports it, else a full copy; never a hard link)
 * and returns the copy's record; throws when its sha256 is not `expected` (the source changed under its
 * record), leaving no `dst` behind.
 */
export async function copyVerified(src: string, dst: string, expected?: string): Promise<FileRecord> {
  copyFileSync(src, dst, constants.COPYFILE_FICLONE);
  const rec = await recordFile(dst);
  if (expected !== undefined && rec.sha256 !== expected) {
    rmSync(dst, { force: true });
    throw new ContentMismatchError(`${src}: sha256 ${rec.sha256.slice(0, 12)}… differs from its record ${expected.slice(0, 12)}…`);
  }
  return rec;
}

/** A file whose content is not what its done-manifest recorded. */
export class ContentMismatchError extends Error {
  override name = 'ContentMismatchError';
}

/** Removes write permission (cache entries are never written after they are stored). */
export function makeReadOnly(path: string): void {
  chmodSync(path, statSync(path).mode & ~0o222);
}

/** The record of a file just written with `content` (hashed from memory, not read back). */
export function recordWritten(path: string, content: string | Buffer): FileRecord {
  const st = statSync(path);
  return { size: st.size, sha256: createHash('sha256').update(content).digest('hex'), mtime: mtimeOf(st.mtimeMs) };
}

/**
 * Copies `src` to `dst` (a reflink where the file system can, never a hard link) and checks the copy against
 * `rec` (size and sha256, read synchronously: for the small files of the MSA-server mode); throws
 * ContentMismatchError and leaves no `dst` when it differs.
 */
export function copyMatchingSync(src: string, dst: string, rec: FileRecord): void {
  copyFileSync(src, dst, constants.COPYFILE_FICLONE);
  const data = readFileSync(dst);
  const sha = createHash('sha256').update(data).digest('hex');
  if (data.length !== rec.size || sha !== rec.sha256) {
    rmSync(dst, { force: true });
    throw new ContentMismatchError(
      `${src}: ${data.length} bytes, sha256 ${sha.slice(0, 12)}…; recorded ${rec.size}, ${rec.sha256.slice(0, 12)}…`,
    );
  }
}

/** Renames a complete folder onto `final`, moving an invalid one out of the way first. */
export function publish(tmp: string, final: string): void {
  if (existsSync(final)) {
    const old = `${final}.old-${process.pid}-${rand()}`;
    renameSync(final, old);
    renameSync(tmp, final);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(tmp, final);
  }
}
