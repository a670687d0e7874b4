// Hashing thread of the HashPool (hasher.ts): reads byte ranges of files and feeds them to named hash streams,
// so that hashing never blocks the thread that moves the bytes. Messages are handled in order, so the updates
// of one stream arrive in the order they were sent.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

export type HashRequest =
  | { op: 'update'; seq: number; stream: number; algo: string; file: string; start: number; end: number }
  | { op: 'digest'; seq: number; stream: number; algo: string }
  | { op: 'drop'; seq: number; stream: number };

export type HashReply = { seq: number; digest?: string; error?: string; code?: string };

const streams = new Map<number, { hash: Hash; error?: { message: string; code?: string } }>();
const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);

function readInto(hash: Hash, file: string, start: number, end: number): void {
  const fd = openSync(file, 'r');
  try {
    let pos = start;
    while (pos < end) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, end - pos), pos);
      if (n === 0) throw Object.assign(new Error(`${file}: ends at byte ${pos}, expected ${end}`), { code: 'ESHORT' });
      hash.update(buffer.subarray(0, n));
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
}

function handle(m: HashRequest): HashReply {
  if (m.op === 'drop') {
    streams.delete(m.stream);
    return { seq: m.seq };
  }
  let s = streams.get(m.stream);
  if (!s) streams.set(m.stream, (s = { hash: createHash(m.algo) }));
  if (m.op === 'update') {
    if (!s.error)
      try {
        readInto(s.hash, m.file, m.start, m.end);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        s.error = { message: err.message, code: err.code };
      }
    return { seq: m.seq };
  }
  streams.delete(m.stream);
  return s.error ? { seq: m.seq, error: s.error.message, code: s.error.code } : { seq: m.seq, digest: s.hash.digest('hex') };
}

parentPort?.on('message', (m: HashRequest) => parentPort!.postMessage(handle(m)));
