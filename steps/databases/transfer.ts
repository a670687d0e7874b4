// Parallel ranged transfer of one S3 object into a local file, resumable: a sidecar `<file>.parts.json` lists
// the parts already written (each flushed to disk before it is recorded), so a rerun after an interruption
// fetches only the missing parts. Parts that were in flight when the transfer stopped are fetched again.
// Within a run, a body that breaks off (connection reset, no data for `stallTimeoutMs`) is requested again
// from its last good byte, with backoff; what is on disk is fed to the object's hasher as the prefix grows.
import { mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { S3Error, networkReason, s3Url, type ObjectInfo, type S3Client } from './client.js';
import type { ObjectHasher } from './hasher.js';

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
  /** A body that sends nothing for this long is dropped and requested again from its last good byte. @default 30 s */
  stallTimeoutMs?: number;
  /** Consecutive failed attempts (without a byte of progress) before a part fails the transfer. @default 5 */
  attempts?: number;
  /** First retry delay; doubled per failed attempt. @default 500 ms */
  retryDelayMs?: number;
  /** Hashes the object as its contiguous prefix reaches the disk. */
  hasher?: ObjectHasher;
}

/** The disk is full (or over quota) while writing `path`: kept parts stay for the rerun. */
export class DiskFullError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'DiskFullError';
  }
}

export const isDiskFull = (e: unknown): boolean => ['ENOSPC', 'EDQUOT'].includes((e as NodeJS.ErrnoException)?.code ?? '');

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
  // The hasher reads what is on disk: every part below the first missing one.
  let contiguous = 0;
  const advance = () => {
    while (done.has(contiguous)) contiguous++;
    opts.hasher?.advance(contiguous * partSize);
  };
  advance();
  const pending = Array.from({ length: parts }, (_, i) => i).filter((i) => !done.has(i));
  const fh = await open(file, 'r+');
  let fetched = 0;
  let saving = Promise.resolve();
  try {
    await eachLimit(pending, opts.concurrency ?? 8, async (part) => {
      const start = part * partSize;
      const end = Math.min(info.size, start + partSize) - 1;
      const run = () => fetchPart(client, bucket, info, fh, file, start, end, opts, (n) => (fetched += n));
      await (opts.limiter ? opts.limiter.run(run) : run());
      // Recorded only once the part is on disk, and one sidecar write at a time.
      await fh.datasync().catch((e: unknown) => {
        throw isDiskFull(e) ? new DiskFullError(`${file}: disk full while writing (${(e as Error).message})`, file) : e;
      });
      done.add(part);
      advance();
      if (parts > 1) {
        const snapshot = { ...sidecar!, done: [...done].sort((a, b) => a - b) };
        saving = saving.then(() => writeSidecar(file, snapshot));
        await saving;
      }
    });
  } finally {
    await fh.close();
  }
  if (parts <= 1 && resumedParts === 0) await writeSidecar(file, { ...sidecar, done: parts === 1 ? [0] : [] });
  opts.hasher?.advance(info.size);
  return { fetched, resumedParts };
}

/** A body that broke off: retried from the last good byte. */
class BodyError extends Error {}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

/** The next chunk of a body, or a BodyError when none comes within `ms` (or the run is aborted). */
async function nextChunk(it: AsyncIterator<Uint8Array>, ms: number, signal?: AbortSignal): Promise<IteratorResult<Uint8Array>> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BodyError(`no data for ${ms / 1000} s`)), ms);
    onAbort = () => reject(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([it.next(), limit]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

async function fetchPart(
  client: S3Client,
  bucket: string,
  info: ObjectInfo,
  fh: import('node:fs/promises').FileHandle,
  file: string,
  start: number,
  end: number,
  opts: TransferOptions,
  count: (n: number) => void,
): Promise<void> {
  const where = s3Url(bucket, info.key);
  const stallMs = opts.stallTimeoutMs ?? 30_000;
  const attempts = Math.max(1, opts.attempts ?? 5);
  let pos = start;
  let failures = 0;
  // Bounded even when every attempt makes a little progress.
  for (let tries = 1; ; tries++) {
    opts.signal?.throwIfAborted();
    const before = pos;
    let cancel = () => {};
    try {
      const r = await client.getRange(bucket, info.key, pos, end, opts.signal);
      cancel = r.cancel;
      if (r.etag && info.etag && r.etag !== info.etag)
        throw new S3Error(`${where}: the object changed during the transfer (ETag ${info.etag} -> ${r.etag}); run again`, bucket, info.key);
      const it = r.body[Symbol.asyncIterator]();
      for (;;) {
        const { value, done } = await nextChunk(it, stallMs, opts.signal);
        if (done) break;
        const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
        if (pos + buf.length > end + 1)
          throw new S3Error(`${where}: the server sent more bytes than bytes=${start}-${end}`, bucket, info.key);
        let off = 0;
        while (off < buf.length) off += (await fh.write(buf, off, buf.length - off, pos + off)).bytesWritten;
        pos += buf.length;
        count(buf.length);
        opts.onBytes?.(buf.length);
      }
      if (pos !== end + 1) throw new BodyError(`the body ended early`);
      return;
    } catch (e) {
      cancel();
      if (opts.signal?.aborted) throw opts.signal.reason ?? e;
      if (isDiskFull(e)) throw new DiskFullError(`${file}: disk full while writing (${(e as Error).message})`, file);
      // Our own verdicts (the object changed, a 4xx answer, too many bytes) are final.
      if (e instanceof S3Error && !e.transient) throw e;
      failures = pos > before ? 1 : failures + 1;
      const reason = e instanceof BodyError ? e.message : e instanceof S3Error ? e.message.replace(`${where}: `, '') : networkReason(e);
      if (failures >= attempts || tries >= attempts * 20)
        throw new S3Error(
          `${where}: ${reason} at byte ${pos} of ${info.size} (range ${start}-${end}); gave up after ${tries} attempt${tries > 1 ? 's' : ''}`,
          bucket,
          info.key,
        );
      await sleep((opts.retryDelayMs ?? 500) * 2 ** (failures - 1), opts.signal);
    }
  }
}
