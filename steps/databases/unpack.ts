// Unpacking a downloaded object that has already been verified (verify.ts): the system `tar` into a folder,
// `gzip -dc` into a file, or a rename. A full disk is told apart from a corrupt archive: the first keeps the
// download for the rerun, the second discards it.
import { spawn } from 'node:child_process';
import { mkdir, open as openFile, rename, rm, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Unpack } from './manifest.js';
import { DiskFullError, isDiskFull } from './transfer.js';

export class CorruptArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptArchiveError';
  }
}

export class MissingToolError extends Error {
  constructor(readonly tool: string) {
    super(`${tool} not found on PATH (install it, or use the tools image)`);
    this.name = 'MissingToolError';
  }
}

export interface UnpackRequest {
  /** The downloaded object. */
  file: string;
  unpack: Unpack;
  /** tar / tar.gz: the folder to extract into; gz / none: the output file. */
  target: string;
  /** s3://bucket/key, for messages. */
  where: string;
}

/** Runs a tool with the file as its stdin; its messages in the C locale (to recognise a full disk). */
async function runTool(tool: string, args: string[], file: string, stdout: number | 'ignore'): Promise<{ code: number; stderr: string }> {
  const input = await openFile(file, 'r');
  try {
    const child = spawn(tool, args, { stdio: [input.fd, stdout, 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new MissingToolError(tool) : e));
      child.on('close', (c, signal) => resolve(c ?? (signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : 1)));
    });
    return { code, stderr };
  } finally {
    await input.close();
  }
}

// GNU tar reports a short write as "Wrote only N of M bytes" without the reason; a regular file on a local or
// network file system is written short only when the disk (or a quota) is full.
const DISK_FULL = /No space left on device|Disk quota exceeded|Wrote only \d+ of \d+ bytes/;
const lastLines = (s: string) => s.trim().split('\n').slice(-3).join('; ');

async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir).catch(() => undefined);
  return s ? s.bavail * s.bsize : Infinity;
}

async function failure(req: UnpackRequest, tool: string, code: number, stderr: string, under: string): Promise<Error> {
  if (DISK_FULL.test(stderr) || (await freeBytes(under)) < 1024 * 1024)
    return new DiskFullError(`${req.where}: disk full while unpacking into ${under} (${lastLines(stderr)})`, under);
  return new CorruptArchiveError(
    `${req.where}: corrupt ${tool === 'tar' ? 'archive' : 'gzip file'} (${tool} exited with ${code}): ${lastLines(stderr)}`,
  );
}

/** Unpacks the file to `target`; CorruptArchiveError when the tool rejects it, DiskFullError when the disk is full. */
export async function unpack(req: UnpackRequest): Promise<void> {
  if (req.unpack === 'tar' || req.unpack === 'tar.gz') {
    await mkdir(req.target, { recursive: true });
    const args = [
      '-x',
      ...(req.unpack === 'tar.gz' ? ['-z'] : []),
      '-f',
      '-',
      '-C',
      req.target,
      '--no-same-owner',
      '--no-same-permissions',
    ];
    const { code, stderr } = await runTool('tar', args, req.file, 'ignore');
    if (code !== 0) throw await failure(req, 'tar', code, stderr, req.target);
    return;
  }
  await mkdir(dirname(req.target), { recursive: true });
  if (req.unpack === 'gz') {
    const out = await openFile(req.target, 'w');
    try {
      const { code, stderr } = await runTool('gzip', ['-d', '-c'], req.file, out.fd);
      if (code !== 0) throw await failure(req, 'gzip', code, stderr, dirname(req.target));
    } catch (e) {
      await out.close();
      await rm(req.target, { force: true });
      throw e;
    }
    await out.close();
    return;
  }
  // none: move it into place (same file system: a rename).
  await rename(req.file, req.target).catch((e: unknown) => {
    throw isDiskFull(e) ? new DiskFullError(`${req.where}: disk full while moving it into ${req.target}`, req.target) : e;
  });
}
