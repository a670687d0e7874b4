// Hashing off the main thread: a small pool of worker threads (hash-worker.ts) that read byte ranges of files
// and feed them to hash streams. The main thread keeps moving bytes (network, disk) while the pool hashes what
// is already on disk: the object hasher follows a transfer's contiguous prefix (sha256 of the whole object, the
// MD5 of a single-part ETag, the MD5 of every part of a multipart layout), so the checksums are known as soon as
// the last byte is written, before anything is unpacked.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HashReply, HashRequest } from './hash-worker.js';

type Pending = { resolve: (r: HashReply) => void };
type Unsequenced = { [K in HashRequest['op']]: Omit<Extract<HashRequest, { op: K }>, 'seq'> }[HashRequest['op']];

interface PoolWorker {
  worker: Worker;
  /** Bytes sent and not yet hashed (to pick the least busy thread). */
  queued: number;
  pending: Map<number, Pending>;
}

export class HashError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'HashError';
  }
}

/** One hash (sha256, md5) over ranges of files, computed in one worker thread, in the order the ranges are given. */
export class HashStream {
  constructor(
    private readonly pool: HashPool,
    private readonly w: PoolWorker,
    private readonly id: number,
    private readonly algo: string,
  ) {}

  /** Adds bytes [start, end) of `file`; returns at once (the digest waits for every update). */
  update(file: string, start: number, end: number): void {
    if (end <= start) return;
    this.w.queued += end - start;
    void this.pool.send(this.w, { op: 'update', stream: this.id, algo: this.algo, file, start, end }).then(() => {
      this.w.queued -= end - start;
    });
  }

  async digest(): Promise<string> {
    const r = await this.pool.send(this.w, { op: 'digest', stream: this.id, algo: this.algo });
    if (r.error !== undefined) throw new HashError(r.error, r.code);
    return r.digest!;
  }

  drop(): void {
    void this.pool.send(this.w, { op: 'drop', stream: this.id });
  }
}

export class HashPool {
  private readonly workers: PoolWorker[] = [];
  private seq = 0;
  private streams = 0;
  private closed = false;

  /** @param size worker threads (default: the cores less one, 1 to 4). */
  constructor(readonly size = Math.max(1, Math.min(4, availableParallelism() - 1))) {}

  private spawn(): PoolWorker {
    // Not unref'd: a digest being awaited must keep the process alive; close() ends the threads.
    const worker = new Worker(new URL('./hash-worker.js', import.meta.url));
    const w: PoolWorker = { worker, queued: 0, pending: new Map() };
    worker.on('message', (r: HashReply) => {
      const p = w.pending.get(r.seq);
      w.pending.delete(r.seq);
      p?.resolve(r);
    });
    const fail = (message: string) => {
      for (const p of w.pending.values()) p.resolve({ seq: -1, error: message });
      w.pending.clear();
    };
    worker.on('error', (e) => fail(`hash worker failed: ${e.message}`));
    worker.on('exit', (code) => fail(`hash worker exited with ${code}`));
    this.workers.push(w);
    return w;
  }

  send(w: PoolWorker, m: Unsequenced): Promise<HashReply> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      if (this.closed) return resolve({ seq, error: 'hash pool closed' });
      w.pending.set(seq, { resolve });
      w.worker.postMessage({ ...m, seq });
    });
  }

  /** A new stream on the least busy thread (a new thread while fewer than `size` exist). */
  stream(algo: 'sha256' | 'md5'): HashStream {
    const idle = this.workers.find((w) => w.queued === 0 && w.pending.size === 0);
    const w = idle ?? (this.workers.length < this.size ? this.spawn() : this.workers.reduce((a, b) => (b.queued < a.queued ? b : a)));
    return new HashStream(this, w, ++this.streams, algo);
  }

  /** sha256 of a whole file (or of its first `size` bytes). */
  async hashFile(file: string, size: number, algo: 'sha256' | 'md5' = 'sha256'): Promise<string> {
    const s = this.stream(algo);
    s.update(file, 0, size);
    return s.digest();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    this.workers.length = 0;
  }
}

/** What to compute over a downloaded object. */
export interface HashPlan {
  /** MD5 of the whole object (its ETag is a plain MD5). */
  md5: boolean;
  /** Candidate multipart layouts: the byte ranges of each part, one list per candidate. */
  layouts: { partSize?: number; ranges: [number, number][] }[];
}

export interface ObjectDigests {
  sha256: string;
  md5?: string;
  /** Per candidate layout, the binary MD5 of each part. */
  partDigests: Buffer[][];
}

/** Hashes an object's file as its contiguous prefix grows (`advance`), in the pool's threads. */
export class ObjectHasher {
  private hashed = 0;
  private readonly sha: HashStream;
  private readonly md5?: HashStream;
  private readonly nextPart: number[];
  private readonly parts: Promise<string>[][];
  private readonly windows: HashStream[] = [];

  constructor(
    private readonly pool: HashPool,
    private readonly file: string,
    private readonly size: number,
    private readonly plan: HashPlan,
  ) {
    this.sha = pool.stream('sha256');
    if (plan.md5) this.md5 = pool.stream('md5');
    this.nextPart = plan.layouts.map(() => 0);
    this.parts = plan.layouts.map(() => []);
  }

  /** Every byte below `prefix` is on disk. Sends what is new to the threads in steps of at least 4 MiB. */
  advance(prefix: number): void {
    prefix = Math.min(prefix, this.size);
    if (prefix <= this.hashed || (prefix - this.hashed < 4 * 1024 * 1024 && prefix < this.size)) return;
    this.sha.update(this.file, this.hashed, prefix);
    this.md5?.update(this.file, this.hashed, prefix);
    this.hashed = prefix;
    this.plan.layouts.forEach((layout, i) => {
      while (this.nextPart[i] < layout.ranges.length && layout.ranges[this.nextPart[i]][1] <= prefix) {
        const [start, end] = layout.ranges[this.nextPart[i]++];
        const s = this.pool.stream('md5');
        s.update(this.file, start, end);
        this.windows.push(s);
        this.parts[i].push(s.digest());
      }
    });
  }

  /** The digests, once the whole object is on disk. */
  async finish(): Promise<ObjectDigests> {
    this.advance(this.size);
    if (this.hashed < this.size) throw new Error(`${this.file}: only ${this.hashed} of ${this.size} bytes were hashed`);
    const [sha256, md5, partDigests] = await Promise.all([
      this.sha.digest(),
      this.md5?.digest(),
      Promise.all(this.parts.map(async (ps) => (await Promise.all(ps)).map((hex) => Buffer.from(hex, 'hex')))),
    ]);
    return { sha256, ...(md5 ? { md5 } : {}), partDigests };
  }

  /** Drops the streams of a transfer that failed. */
  discard(): void {
    this.sha.drop();
    this.md5?.drop();
    for (const ps of this.parts) for (const p of ps) p.catch(() => undefined);
    for (const w of this.windows) w.drop();
  }
}
