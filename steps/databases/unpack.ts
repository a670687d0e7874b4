// Verify and unpack in one pass: the downloaded file is read once, hashed (sha256, and MD5 when the ETag is
// one) while it streams into the system `tar` or `gzip`. A corrupt archive shows as the tool's non-zero exit
// code or as a checksum mismatch; either way the caller discards what was unpacked.
import { spawn } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open as openFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Crc64Nvme } from './crc64nvme.js';
import type { Unpack } from './manifest.js';

/** What the file's bytes are fed to: Node's hashes and the CRC-64/NVME. */
interface Updatable {
  update(data: Buffer): unknown;
}

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
  size: number;
  sha256?: string;
  /** Verify against this MD5 (a plain-MD5 ETag). */
  md5?: string;
  /** Verify against S3's full-object CRC-64/NVME (base64), when its HEAD gave one. */
  crc64nvme?: string;
}

export interface Checksums {
  sha256: string;
  md5?: string;
  crc64nvme?: string;
}

/**
 * Reads the file once, hashing every byte, and writes it into the tool's stdin. A tool that stops reading early
 * (a corrupt archive, or tar done before the trailing padding) closes the pipe: the rest is still hashed, and
 * the tool's exit code says whether that was a failure.
 */
async function feedTool(
  tool: string,
  args: string[],
  file: string,
  hashes: Updatable[],
  stdout: number | 'ignore',
): Promise<{ code: number; stderr: string }> {
  const child = spawn(tool, args, { stdio: ['pipe', stdout, 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new MissingToolError(tool) : e));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : 1)));
  });
  exited.catch(() => undefined); // awaited below; an early rejection must not go unhandled
  const stdin = child.stdin!;
  let open = true;
  stdin.on('error', () => (open = false)); // EPIPE: the tool closed its input
  stdin.on('close', () => (open = false));
  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        stdin.off('drain', done).off('close', done).off('error', done);
        resolve();
      };
      stdin.on('drain', done).on('close', done).on('error', done);
    });
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    for (const h of hashes) h.update(chunk as Buffer);
    if (open && !stdin.write(chunk)) await drained();
  }
  if (open) stdin.end();
  return { code: await exited, stderr };
}

function verify(req: UnpackRequest, sha: Hash, md5?: Hash, crc?: Crc64Nvme): Checksums {
  const sums: Checksums = {
    sha256: sha.digest('hex'),
    ...(md5 ? { md5: md5.digest('hex') } : {}),
    ...(crc ? { crc64nvme: crc.base64() } : {}),
  };
  if (req.crc64nvme && sums.crc64nvme !== req.crc64nvme)
    throw new CorruptArchiveError(`${req.where}: CRC-64/NVME ${sums.crc64nvme} does not match S3's ${req.crc64nvme}`);
  if (req.sha256 && sums.sha256 !== req.sha256)
    throw new CorruptArchiveError(`${req.where}: sha256 ${sums.sha256} does not match the manifest's ${req.sha256}`);
  if (req.md5 && sums.md5 !== req.md5) throw new CorruptArchiveError(`${req.where}: MD5 ${sums.md5} does not match the ETag ${req.md5}`);
  return sums;
}

/** Verifies the file's checksums and unpacks it to `target`; throws CorruptArchiveError on any mismatch. */
export async function verifyAndUnpack(req: UnpackRequest): Promise<Checksums> {
  const sha = createHash('sha256');
  const md5 = req.md5 ? createHash('md5') : undefined;
  const crc = req.crc64nvme ? new Crc64Nvme() : undefined;
  const hashes: Updatable[] = [sha, ...(md5 ? [md5] : []), ...(crc ? [crc] : [])];
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
    const { code, stderr } = await feedTool('tar', args, req.file, hashes, 'ignore');
    if (code !== 0)
      throw new CorruptArchiveError(
        `${req.where}: corrupt archive (tar exited with ${code}): ${stderr.trim().split('\n').slice(-3).join('; ')}`,
      );
    return verify(req, sha, md5, crc);
  }
  await mkdir(dirname(req.target), { recursive: true });
  if (req.unpack === 'gz') {
    const out = await openFile(req.target, 'w');
    try {
      const { code, stderr } = await feedTool('gzip', ['-d', '-c'], req.file, hashes, out.fd);
      if (code !== 0) throw new CorruptArchiveError(`${req.where}: corrupt gzip file (gzip exited with ${code}): ${stderr.trim()}`);
    } catch (e) {
      await out.close();
      await rm(req.target, { force: true });
      throw e;
    }
    await out.close();
    return verify(req, sha, md5, crc);
  }
  // none: hash it, then move it into place (same file system: a rename).
  for await (const chunk of createReadStream(req.file, { highWaterMark: 1024 * 1024 })) for (const h of hashes) h.update(chunk as Buffer);
  const sums = verify(req, sha, md5, crc);
  await rename(req.file, req.target);
  return sums;
}
