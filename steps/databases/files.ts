// The files of an installed database, as the done-manifest records them: every regular file with its size,
// sha256 and mtime. Before a folder is installed it is scanned with lstat: an archive may only install
// folders and plain files (no symbolic or hard links, devices, FIFOs, sockets, setuid/setgid bits). A rerun
// checks every recorded file's size, and re-hashes those whose mtime moved (or all of them with --verify).
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExpectedFile as RecordedFile } from './expect.js';
import type { HashPool } from './hasher.js';
import { eachLimit } from './transfer.js';

export class UnsafeEntryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeEntryError';
  }
}

function kindOf(st: import('node:fs').Stats): string | undefined {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isFile() && st.nlink > 1) return `a hard link (${st.nlink} names for one file)`;
  if (st.isFile() && (st.mode & 0o6000) !== 0) return 'a setuid/setgid file';
  return undefined;
}

/** The done-manifest (and its temporary files) at the top of a database folder: not part of the database. */
const isBookkeeping = (entry: string) => entry.startsWith('.openfold-argo-done.json');

/**
 * Every regular file under `dir` (paths relative to databases.root, as `name/...`); throws UnsafeEntryError
 * naming the first entry that is not a folder or a plain file.
 */
export async function scanTree(dir: string, name: string): Promise<{ path: string; abs: string; size: number; mtimeMs: number }[]> {
  const out: { path: string; abs: string; size: number; mtimeMs: number }[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    for (const entry of (await readdir(abs)).sort()) {
      if (rel === name && isBookkeeping(entry)) continue;
      const p = join(abs, entry);
      const r = `${rel}/${entry}`;
      const st = await lstat(p);
      const bad = kindOf(st);
      if (bad) {
        const to = st.isSymbolicLink() ? ` to ${JSON.stringify(await readlink(p).catch(() => '?'))}` : '';
        throw new UnsafeEntryError(`${r} is ${bad}${to}: refused (a database may only contain folders and plain files)`);
      }
      if (st.isDirectory()) await walk(p, r);
      else out.push({ path: r, abs: p, size: st.size, mtimeMs: st.mtimeMs });
    }
  };
  await walk(dir, name);
  return out;
}

/**
 * Scans and hashes the database folder `dir` (staging or live). A file whose size and mtime match a `known`
 * record (a refresh's unchanged files, a `none` object's download hash) is not read again.
 */
export async function recordFiles(
  dir: string,
  name: string,
  pool: HashPool,
  known: Map<string, RecordedFile> = new Map(),
): Promise<RecordedFile[]> {
  const files = await scanTree(dir, name);
  const out: RecordedFile[] = new Array(files.length);
  await eachLimit(
    files.map((f, i) => ({ f, i })),
    64,
    async ({ f, i }) => {
      const k = known.get(f.path);
      const reuse = k?.sha256 && k.size === f.size && (k.mtimeMs === undefined || k.mtimeMs === f.mtimeMs);
      out[i] = { path: f.path, size: f.size, sha256: reuse ? k.sha256 : await pool.hashFile(f.abs, f.size), mtimeMs: f.mtimeMs };
    },
  );
  return out;
}

export interface FilesCheck {
  /** The first difference, or undefined when every recorded file is as recorded. */
  problem?: string;
  /** Files re-read and hashed. */
  hashed: number;
  hashedBytes: number;
  /** Records whose content matched but whose mtime moved (or that had no sha256): rewrite them. */
  updated: RecordedFile[];
}

/**
 * Checks the recorded files under `root`: present, of their kind and size; hashed when `verify` is set, when
 * the mtime moved, or when no sha256 was recorded (a done-manifest of an older version) and `verify` is set.
 */
export async function checkFiles(root: string, files: RecordedFile[], pool: HashPool, verify: boolean): Promise<FilesCheck> {
  const problems: (string | undefined)[] = new Array(files.length);
  const updated: RecordedFile[] = [];
  let hashed = 0;
  let hashedBytes = 0;
  await eachLimit(
    files.map((f, i) => ({ f, i })),
    32,
    async ({ f, i }) => {
      const abs = join(root, f.path);
      const st = await lstat(abs).catch(() => undefined);
      if (!st) return void (problems[i] = `${f.path} is missing`);
      if (f.dir) return void (problems[i] = st.isDirectory() ? undefined : `${f.path} is not a directory`);
      if (!st.isFile()) return void (problems[i] = `${f.path} is no longer a plain file`);
      if (st.size !== f.size) return void (problems[i] = `${f.path} has ${st.size} bytes, recorded ${f.size}`);
      const moved = f.mtimeMs !== undefined && st.mtimeMs !== f.mtimeMs;
      if (!verify && !moved) return;
      if (!f.sha256) {
        if (verify) {
          updated.push({ ...f, sha256: await pool.hashFile(abs, st.size), mtimeMs: st.mtimeMs });
          hashed++;
          hashedBytes += st.size;
        }
        return;
      }
      const sha256 = await pool.hashFile(abs, st.size);
      hashed++;
      hashedBytes += st.size;
      if (sha256 !== f.sha256) return void (problems[i] = `${f.path}: sha256 ${sha256}, recorded ${f.sha256} (same size)`);
      if (moved) updated.push({ ...f, mtimeMs: st.mtimeMs });
    },
  );
  const found = problems.filter((p) => p !== undefined);
  const problem = found.length === 0 ? undefined : found.length === 1 ? found[0] : `${found[0]} (and ${found.length - 1} more)`;
  return { problem, hashed, hashedBytes, updated };
}
