// A minimal anonymous S3 client over plain `fetch`: HEAD, ranged GET and ListObjectsV2. Public buckets (the
// database archives, the OpenFold weights on RODA) need no signature. A `file://DIR` endpoint serves the
// files DIR/<bucket>/<key> instead (a local mirror, the demo).
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface S3Options {
  /** S3-compatible endpoint (path-style requests `endpoint/bucket/key`) or `file://DIR`; empty for AWS S3. */
  endpoint?: string;
  /** AWS region of the bucket (virtual-hosted URL `https://bucket.s3.region.amazonaws.com/key`). @default 'us-east-1' */
  region?: string;
  /** Attempts per request on a network error or a 5xx answer. @default 4 */
  attempts?: number;
  /** Keys per ListObjectsV2 page (max-keys). @default the server's (1000 on S3) */
  listPageSize?: number;
  /** A request whose answer (status and headers) does not arrive within this time is retried. @default 30 s */
  timeoutMs?: number;
}

export interface ObjectInfo {
  key: string;
  size: number;
  /** The ETag without quotes ('' when the server sent none; size-mtime for a file:// mirror). */
  etag: string;
  lastModified?: string;
  /** S3's full-object CRC-64/NVME (base64), when the server keeps one and was asked (HEAD with checksum mode). */
  crc64nvme?: string;
}

export class S3Error extends Error {
  constructor(
    message: string,
    readonly bucket: string,
    readonly key: string,
    readonly status?: number,
    /** A network failure or a 5xx answer: trying again may help. */
    readonly transient = false,
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

export const s3Url = (bucket: string, key: string): string => `s3://${bucket}/${key}`;

const encodeKey = (key: string): string => key.split('/').map(encodeURIComponent).join('/');
const unquote = (etag: string | null): string => (etag ?? '').replace(/^W\//, '').replace(/^"|"$/g, '');

/** An ETag that is the MD5 of the whole object (a single-part upload), so it can verify the content. */
export const isPlainMd5 = (etag: string): boolean => /^[0-9a-f]{32}$/.test(etag);

function decodeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (e[0] !== '#') return named[e.toLowerCase()];
    return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

const tag = (xml: string, name: string): string | undefined => {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? decodeXml(m[1]) : undefined;
};

/** Parses one page of a ListObjectsV2 answer. */
export function parseListObjectsV2(xml: string): { objects: ObjectInfo[]; nextToken?: string } {
  const objects: ObjectInfo[] = [];
  for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const key = tag(m[1], 'Key');
    if (key === undefined) continue;
    objects.push({
      key,
      size: Number(tag(m[1], 'Size') ?? 0),
      etag: unquote(tag(m[1], 'ETag') ?? ''),
      lastModified: tag(m[1], 'LastModified'),
    });
  }
  const truncated = tag(xml, 'IsTruncated') === 'true';
  return { objects, nextToken: truncated ? tag(xml, 'NextContinuationToken') : undefined };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A network failure in a few words: undici's `TypeError: terminated` / `fetch failed` carry the cause. */
export function networkReason(e: unknown): string {
  const err = e as Error & { code?: string; cause?: Error & { code?: string } };
  const code = err?.cause?.code ?? err?.code;
  const message = err?.cause?.message ?? err?.message ?? String(e);
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `connection reset (${code === 'UND_ERR_SOCKET' ? message : code})`;
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

export class S3Client {
  private readonly endpoint: string;
  private readonly region: string;
  private readonly attempts: number;
  private readonly listPageSize?: number;
  readonly timeoutMs: number;
  /** Root folder of a file:// mirror, else undefined. */
  readonly mirrorDir?: string;

  constructor(opts: S3Options = {}) {
    this.endpoint = (opts.endpoint ?? '').replace(/\/+$/, '');
    this.region = opts.region || 'us-east-1';
    this.attempts = Math.max(1, opts.attempts ?? 4);
    this.listPageSize = opts.listPageSize;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    if (this.endpoint.startsWith('file://')) this.mirrorDir = fileURLToPath(this.endpoint);
    else if (this.endpoint && !/^https?:\/\//.test(this.endpoint))
      throw new Error(`S3 endpoint must be http(s):// or file://, got ${JSON.stringify(opts.endpoint)}`);
  }

  /** The HTTP URL of an object. */
  url(bucket: string, key: string): string {
    return `${this.bucketUrl(bucket)}/${encodeKey(key)}`;
  }

  /** The HTTP URL of a bucket, without a trailing slash (path-style servers read `/bucket/` as an empty key). */
  bucketUrl(bucket: string): string {
    return this.endpoint ? `${this.endpoint}/${bucket}` : `https://${bucket}.s3.${this.region}.amazonaws.com`;
  }

  private mirrorPath(bucket: string, key: string): string {
    const path = join(this.mirrorDir!, bucket, ...key.split('/'));
    if (relative(join(this.mirrorDir!, bucket), path).startsWith('..'))
      throw new S3Error(`${s3Url(bucket, key)}: key leaves the bucket`, bucket, key);
    return path;
  }

  /**
   * One request with retries on network errors, 5xx answers and answers that do not arrive within `timeoutMs`;
   * 4xx answers are returned to the caller. `cancel` aborts the answer's body (its own time limit is the caller's).
   */
  private async request(
    url: string,
    init: RequestInit,
    what: { bucket: string; key: string },
    attempts = this.attempts,
  ): Promise<{ res: Response; cancel: () => void }> {
    let lastError: unknown;
    const signal = init.signal ?? undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const attemptCtl = new AbortController();
      const timer = setTimeout(() => attemptCtl.abort(new Error(`no answer within ${this.timeoutMs / 1000} s`)), this.timeoutMs);
      try {
        const res = await fetch(url, { ...init, signal: signal ? AbortSignal.any([signal, attemptCtl.signal]) : attemptCtl.signal });
        if (res.status < 500) return { res, cancel: () => attemptCtl.abort() };
        lastError = new S3Error(`${s3Url(what.bucket, what.key)}: HTTP ${res.status} from ${url}`, what.bucket, what.key, res.status, true);
        await res.body?.cancel();
      } catch (e) {
        if (signal?.aborted) throw e;
        lastError = attemptCtl.signal.aborted ? attemptCtl.signal.reason : e;
      } finally {
        clearTimeout(timer);
      }
      if (attempt < attempts) await sleep(200 * 2 ** (attempt - 1));
    }
    if (lastError instanceof S3Error) throw lastError;
    throw new S3Error(
      `${s3Url(what.bucket, what.key)}: cannot reach ${url}: ${networkReason(lastError)}`,
      what.bucket,
      what.key,
      undefined,
      true,
    );
  }

  private failure(res: Response, bucket: string, key: string, url: string): S3Error {
    const where = s3Url(bucket, key);
    const reason =
      res.status === 404
        ? 'not found'
        : res.status === 403
          ? 'access denied (the object must allow anonymous reads)'
          : `HTTP ${res.status} ${res.statusText}`.trim();
    return new S3Error(`${where}: ${reason} (bucket ${bucket}, key ${key}, ${url})`, bucket, key, res.status);
  }

  async head(bucket: string, key: string): Promise<ObjectInfo> {
    if (this.mirrorDir) {
      const path = this.mirrorPath(bucket, key);
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile()) throw new S3Error(`${s3Url(bucket, key)}: not found (bucket ${bucket}, key ${key}, ${path})`, bucket, key, 404);
      return { key, size: st.size, etag: `${st.size}-${Math.trunc(st.mtimeMs)}`, lastModified: st.mtime.toISOString() };
    }
    const url = this.url(bucket, key);
    // Checksum mode: S3 then answers with the object's stored checksums (x-amz-checksum-crc64nvme for new objects).
    const { res } = await this.request(url, { method: 'HEAD', headers: { 'x-amz-checksum-mode': 'ENABLED' } }, { bucket, key });
    if (!res.ok) throw this.failure(res, bucket, key, url);
    const crc = res.headers.get('x-amz-checksum-crc64nvme');
    return {
      key,
      size: Number(res.headers.get('content-length') ?? NaN),
      etag: unquote(res.headers.get('etag')),
      lastModified: res.headers.get('last-modified') ?? undefined,
      ...(crc && /^[A-Za-z0-9+/]{11}=$/.test(crc) ? { crc64nvme: crc } : {}),
    };
  }

  /**
   * The size of part `n` of a multipart object and the number of parts (`HEAD ?partNumber=n`, which S3 answers
   * with the part's Content-Length and x-amz-mp-parts-count); undefined where the server does not report parts.
   */
  async headPart(bucket: string, key: string, n: number): Promise<{ size: number; parts: number } | undefined> {
    if (this.mirrorDir) return undefined;
    const url = `${this.url(bucket, key)}?partNumber=${n}`;
    const { res } = await this.request(url, { method: 'HEAD' }, { bucket, key });
    const parts = Number(res.headers.get('x-amz-mp-parts-count') ?? NaN);
    const size = Number(res.headers.get('content-length') ?? NaN);
    if (!res.ok || !Number.isInteger(parts) || parts < 1 || !Number.isInteger(size)) return undefined;
    return { size, parts };
  }

  /**
   * The bytes start..end (inclusive) of an object, with the ETag the server answered with. One attempt: the
   * caller retries (from its last good byte) and limits how long it waits for each chunk; `cancel` drops the
   * connection (a stalled body).
   */
  async getRange(
    bucket: string,
    key: string,
    start: number,
    end: number,
    signal?: AbortSignal,
  ): Promise<{ body: AsyncIterable<Uint8Array>; etag: string; cancel: () => void }> {
    if (this.mirrorDir) {
      const path = this.mirrorPath(bucket, key);
      const stream = createReadStream(path, { start, end, signal });
      return { body: stream, etag: '', cancel: () => stream.destroy() };
    }
    const url = this.url(bucket, key);
    const { res, cancel } = await this.request(url, { headers: { range: `bytes=${start}-${end}` }, signal }, { bucket, key }, 1);
    if (res.status !== 206 && !(res.status === 200 && start === 0)) {
      await res.body?.cancel();
      throw res.ok
        ? new S3Error(`${s3Url(bucket, key)}: server ignored the Range header (HTTP ${res.status})`, bucket, key, res.status)
        : this.failure(res, bucket, key, url);
    }
    if (!res.body) throw new S3Error(`${s3Url(bucket, key)}: empty response body`, bucket, key, res.status);
    return { body: res.body as unknown as AsyncIterable<Uint8Array>, etag: unquote(res.headers.get('etag')), cancel };
  }

  /** Every object whose key starts with `prefix` (ListObjectsV2, all pages), sorted by key. */
  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    if (this.mirrorDir) return this.listMirror(bucket, prefix);
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const params = new URLSearchParams({ 'list-type': '2', prefix });
      if (this.listPageSize) params.set('max-keys', String(this.listPageSize));
      if (token) params.set('continuation-token', token);
      const url = `${this.bucketUrl(bucket)}${this.endpoint ? '' : '/'}?${params}`;
      const { res } = await this.request(url, {}, { bucket, key: prefix });
      if (!res.ok) throw this.failure(res, bucket, prefix, url);
      const page = parseListObjectsV2(await res.text());
      out.push(...page.objects);
      token = page.nextToken;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async listMirror(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    const bucketDir = join(this.mirrorDir!, bucket);
    if (!(await stat(bucketDir).catch(() => undefined))?.isDirectory())
      throw new S3Error(`s3://${bucket}: bucket not found (${bucketDir})`, bucket, prefix, 404);
    // Walk only the folder that holds the prefix.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const entries = await readdir(join(bucketDir, ...folder.split('/')), { recursive: true, withFileTypes: true }).catch(() => []);
    const out: ObjectInfo[] = [];
    for (const e of entries) {
      if (!e.isFile()) continue;
      const key = relative(bucketDir, join(e.parentPath ?? e.path, e.name))
        .split(sep)
        .join('/');
      if (key.startsWith(prefix)) out.push(await this.head(bucket, key));
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
