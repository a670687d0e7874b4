// Parallel ranged transfer of one S3 object into a local file, resumable: a sidecar `<file>.parts.json` lists
// the parts already written (each flushed to disk before it is recorded), so a rerun after an interruption
// fetches only the missing parts. Parts that were in flight when the transfer stopped are fetched again.
import { mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { S3Error, s3Url, type ObjectInfo, type S3Client } from './client.js';

export interface TransferOptions {
  /** Bytes per ranged GET. @default 16 MiB */
  partSize?: number;
  /** Ranged GETs of this object in flight at once. @default 8 */
  concurrency?: number;
  /** Shared limit of requests in flight across objects (several objects transfer at once). */
  limiter?: Limiter;
  signal?: AbortSignal;
  /** Called with every chunk's byte count as it arrives. */
  onBytes?: (bytes: number) => void;
}

export interface TransferResult {
  /** Bytes fetched by this call (less than the size when it resumed). */
  fetched: number;
  /** Parts that a previous, interrupted call had already written. */
  resumedParts: number;
}

interface Sidecar {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  partSize: number;
  done: number[];
}

export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;

/** A counting semaphore: at most `size` holders at once. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly size: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Runs `fn` over the items with at most `size` at once; the first error stops new work and is thrown. */
export async function eachLimit<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        if (failed === undefined) failed = e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
  if (failed !== undefined) throw failed;
}

export const sidecarPath = (file: string): string => `${file}.parts.json`;

async function readSidecar(file: string): Promise<Sidecar | undefined> {
  try {
    return JSON.parse(await readFile(sidecarPath(file), 'utf8')) as Sidecar;
  } catch {
    return undefined;
  }
}

async function writeSidecar(file: string, s: Sidecar): Promise<void> {
  const tmp = `${sidecarPath(file)}.tmp`;
  await writeFile(tmp, JSON.stringify(s));
  await rename(tmp, sidecarPath(file));
}

/** Parts of a resumable earlier transfer of the same object version, or none. */
async function resumable(file: string, bucket: string, info: ObjectInfo, partSize: number): Promise<Sidecar | undefined> {
  const s = await readSidecar(file);
  if (!s || s.bucket !== bucket || s.key !== info.key || s.size !== info.size || s.etag !== info.etag || s.partSize !== partSize)
    return undefined;
  const st = await stat(file).catch(() => undefined);
  return st?.size === info.size ? s : undefined;
}

/** Bytes already on disk for this object from an interrupted transfer (for the free-space estimate). */
export async function resumableBytes(file: string, bucket: string, info: ObjectInfo, partSize = DEFAULT_PART_SIZE): Promise<number> {
  const s = await resumable(file, bucket, info, partSize);
  return s ? Math.min(info.size, s.done.length * partSize) : 0;
}

/**
 * Transfers one object into `file` (created or resumed). The sidecar stays, listing every part, so that a rerun
 * after a failure later on (unpacking, disk full) does not fetch the object again; the caller removes both.
 */
export async function transferObject(
  client: S3Client,
  bucket: string,
  info: ObjectInfo,
  file: string,
  opts: TransferOptions = {},
): Promise<TransferResult> {
  const partSize = opts.partSize ?? DEFAULT_PART_SIZE;
  const parts = Math.ceil(info.size / partSize);
  await mkdir(dirname(file), { recursive: true });
  let sidecar = await resumable(file, bucket, info, partSize);
  const resumedParts = sidecar?.done.length ?? 0;
  if (!sidecar) {
    sidecar = { bucket, key: info.key, size: info.size, etag: info.etag, partSize, done: [] };
    const fresh = await open(file, 'w');
    await fresh.truncate(info.size);
    await fresh.close();
    // A one-part object gets its sidecar only when complete (a rerun then skips the transfer).
    if (parts > 1) await writeSidecar(file, sidecar);
  }
  const done = new Set(sidecar.done);
  const pending = Array.from({ length: parts }, (_, i) => i).filter((i) => !done.has(i));
  const fh = await open(file, 'r+');
  let fetched = 0;
  let saving = Promise.resolve();
  try {
    await eachLimit(pending, opts.concurrency ?? 8, async (part) => {
      const start = part * partSize;
      const end = Math.min(info.size, start + partSize) - 1;
      const run = () => fetchPart(client, bucket, info, fh, start, end, opts, (n) => (fetched += n));
      await (opts.limiter ? opts.limiter.run(run) : run());
      if (parts > 1) {
        // Recorded only once the part is on disk, and one sidecar write at a time.
        await fh.datasync();
        done.add(part);
        const snapshot = { ...sidecar!, done: [...done].sort((a, b) => a - b) };
        saving = saving.then(() => writeSidecar(file, snapshot));
        await saving;
      }
    });
  } finally {
    await fh.close();
  }
  if (parts <= 1 && resumedParts === 0) await writeSidecar(file, { ...sidecar, done: parts === 1 ? [0] : [] });
  return { fetched, resumedParts };
}

async function fetchPart(
  client: S3Client,
  bucket: string,
  info: ObjectInfo,
  fh: import('node:fs/promises').FileHandle,
  start: number,
  end: number,
  opts: TransferOptions,
  count: (n: number) => void,
): Promise<void> {
  const where = s3Url(bucket, info.key);
  opts.signal?.throwIfAborted();
  const { body, etag } = await client.getRange(bucket, info.key, start, end, opts.signal);
  if (etag && info.etag && etag !== info.etag)
    throw new S3Error(`${where}: the object changed during the transfer (ETag ${info.etag} -> ${etag}); run again`, bucket, info.key);
  let pos = start;
  for await (const chunk of body) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (pos + buf.length > end + 1) throw new S3Error(`${where}: the server sent more bytes than bytes=${start}-${end}`, bucket, info.key);
    let off = 0;
    while (off < buf.length) off += (await fh.write(buf, off, buf.length - off, pos + off)).bytesWritten;
    pos += buf.length;
    count(buf.length);
    opts.onBytes?.(buf.length);
    // Leave the loop ourselves: asking undici's body for the next chunk after an abort can wait forever.
    opts.signal?.throwIfAborted();
  }
  if (pos !== end + 1) throw new S3Error(`${where}: short read at byte ${pos} of range ${start}-${end}`, bucket, info.key);
}
