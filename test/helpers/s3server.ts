// A real S3-compatible server on loopback for the tests: gofakes3 (built by .ci/setup.d/30-s3-server.sh into
// .cache/bin), folder-backed, on a free port. It speaks the S3 protocol (HEAD, ranged GET, ListObjectsV2,
// PUT) and checks no signature, so uploads and downloads are plain unsigned requests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT, tempDir } from './env.js';

export const S3_SERVER_BIN = join(ROOT, '.cache', 'bin', 'gofakes3');

export interface S3Server {
  /** http://127.0.0.1:PORT (path-style requests). */
  endpoint: string;
  /** Uploads a file or bytes as bucket/key (the bucket is created on first use). */
  put(bucket: string, key: string, body: Buffer | string): Promise<void>;
  putFile(bucket: string, key: string, file: string): Promise<void>;
  /**
   * Uploads in parts of `partSize` bytes, or of the given sizes in turn (S3 multipart upload); returns the ETag
   * the server computed on completion.
   */
  putMultipart(bucket: string, key: string, body: Buffer, partSize: number | number[]): Promise<string>;
  stop(): Promise<void>;
}

/** Null when the server binary is there; otherwise the reason to skip with (see requires() in gate.ts). */
export function missingS3Server(): string | null {
  return existsSync(S3_SERVER_BIN) ? null : `missing ${S3_SERVER_BIN} (install: bash .ci/setup.d/30-s3-server.sh, needs Go)`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(endpoint: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`gofakes3 exited with ${child.exitCode}: ${log()}`);
    try {
      await fetch(`${endpoint}/`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`gofakes3 did not answer on ${endpoint} within 10 s: ${log()}`);
}

/** Starts gofakes3 on a free loopback port with its buckets in a temporary folder. */
export async function startS3Server(): Promise<S3Server> {
  const dataDir = tempDir('ofa-s3-');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn(S3_SERVER_BIN, ['-host', `127.0.0.1:${port}`, '-backend', 'fs', '-fs.path', dataDir, '-fs.create', '-quiet'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // The server never outlives the test process, even one that crashed or was killed by uvu's early exit.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    try {
      await waitReady(endpoint, child, () => stderr);
    } catch (e) {
      child.kill('SIGKILL');
      if (attempt < 3) continue; // another process took the port between the probe and the start
      throw e;
    }
    const buckets = new Set<string>();
    const ensureBucket = async (bucket: string) => {
      if (buckets.has(bucket)) return;
      const res = await fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
      if (!res.ok && res.status !== 409) throw new Error(`create bucket ${bucket}: HTTP ${res.status} ${await res.text()}`);
      buckets.add(bucket);
    };
    const put = async (bucket: string, key: string, body: Buffer | string) => {
      await ensureBucket(bucket);
      const url = `${endpoint}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
      const res = await fetch(url, { method: 'PUT', body: typeof body === 'string' ? body : new Uint8Array(body) });
      if (!res.ok) throw new Error(`PUT ${url}: HTTP ${res.status} ${await res.text()}`);
    };
    const putMultipart = async (bucket: string, key: string, body: Buffer, partSize: number | number[]) => {
      await ensureBucket(bucket);
      const url = `${endpoint}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
      const init = await fetch(`${url}?uploads`, { method: 'POST' });
      const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await init.text())?.[1];
      if (!init.ok || !uploadId) throw new Error(`CreateMultipartUpload ${url}: HTTP ${init.status}`);
      const parts: string[] = [];
      const sizeOf = (n: number) => (typeof partSize === 'number' ? partSize : partSize[n - 1]);
      for (let start = 0, n = 1; start < body.length; start += sizeOf(n), n++) {
        const res = await fetch(`${url}?partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`, {
          method: 'PUT',
          body: new Uint8Array(body.subarray(start, start + sizeOf(n))),
        });
        if (!res.ok) throw new Error(`UploadPart ${n} ${url}: HTTP ${res.status} ${await res.text()}`);
        parts.push(`<Part><PartNumber>${n}</PartNumber><ETag>${res.headers.get('etag')}</ETag></Part>`);
      }
      const done = await fetch(`${url}?uploadId=${encodeURIComponent(uploadId)}`, {
        method: 'POST',
        body: `<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`,
      });
      const xml = await done.text();
      const etag = /<ETag>"?([^<"]+)"?<\/ETag>/.exec(xml.replace(/&#34;|&quot;/g, '"'))?.[1];
      if (!done.ok || !etag) throw new Error(`CompleteMultipartUpload ${url}: HTTP ${done.status} ${xml}`);
      return etag;
    };
    return {
      endpoint,
      put,
      putMultipart,
      putFile: async (bucket, key, file) => put(bucket, key, await readFile(file)),
      stop: async () => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGKILL');
          await exited;
        }
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
}
