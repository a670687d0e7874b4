// A small Kubernetes REST client: @kubernetes/client-node reads the kubeconfig and applies its credentials
// (tokens, client certificates, exec plugins such as `aws eks get-token`, proxies); the requests themselves are
// plain node:http(s) calls to the few endpoints openfold-argo uses, so every error carries the API server's
// Status and a watch is read line by line from the chunked response.
import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';

/** The API server answered with an error Status (403, 404, 409, 422 ...). */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
    /** Status.details: present (with `name`) when a named object is missing; absent when the resource type is. */
    readonly details: { name?: string; group?: string; kind?: string } | undefined,
    readonly method: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** The API server could not be reached at all (refused, DNS, TLS, timeout). */
export class KubeUnreachableError extends Error {
  constructor(
    readonly server: string,
    override readonly cause: Error & { code?: string },
  ) {
    super(`${cause.code ?? cause.message}`);
    this.name = 'KubeUnreachableError';
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Parse the answer as JSON. @default true */
  json?: boolean;
  /** Socket idle timeout. @default 30 s */
  timeoutMs?: number;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

const REQUEST_TIMEOUT_MS = 30_000;

export class KubeClient {
  constructor(
    readonly kc: KubeConfig,
    readonly server: string,
  ) {}

  private url(path: string, query: RequestOptions['query'] = {}): URL {
    const url = new URL(this.server.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  /** Opens a request with the kubeconfig's credentials; resolves with the response (any status). */
  private async open(method: string, path: string, opts: RequestOptions): Promise<{ res: http.IncomingMessage; url: URL }> {
    const url = this.url(path, opts.query);
    const options: https.RequestOptions = {
      method,
      headers: { Accept: 'application/json' },
      timeout: opts.timeoutMs ?? REQUEST_TIMEOUT_MS,
    };
    await this.kc.applyToHTTPSOptions(options);
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (body !== undefined) options.headers = { ...options.headers, 'Content-Type': opts.contentType ?? 'application/json' };
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, options, (res) => resolve({ res, url }));
      req.on('timeout', () => req.destroy(Object.assign(new Error('ETIMEDOUT'), { code: 'ETIMEDOUT' })));
      req.on('error', (e) => reject(new KubeUnreachableError(this.server, e)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const { res } = await this.open(method, path, opts);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) throw statusError(status, text, method, path);
    if (opts.json === false) return text as T;
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T = unknown>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  /** Server-side apply (PATCH application/apply-patch+yaml; JSON is valid YAML). */
  apply<T = unknown>(path: string, object: unknown, fieldManager: string, dryRun = false): Promise<T> {
    return this.request<T>('PATCH', path, {
      body: object,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager, force: true, dryRun: dryRun ? 'All' : undefined },
    });
  }

  /**
   * Watches a collection: calls onEvent for each event of the chunked stream until onEvent returns true
   * ("done"), the server ends the stream (resolves false), or an ERROR event/HTTP error (throws KubeApiError).
   */
  async watch<T>(path: string, query: RequestOptions['query'], onEvent: (e: WatchEvent<T>) => boolean | void): Promise<boolean> {
    // The server closes a watch after timeoutSeconds; the socket may stay idle that long between events.
    const serverTimeout = Number(query?.timeoutSeconds ?? 300);
    const { res } = await this.open('GET', path, { query: { ...query, watch: true }, timeoutMs: (serverTimeout + 30) * 1000 });
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      throw statusError(status, Buffer.concat(chunks).toString('utf8'), 'WATCH', path);
    }
    const lines = createInterface({ input: res, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (!line.trim()) continue;
        const event = JSON.parse(line) as WatchEvent<T>;
        if (event.type === 'ERROR') {
          const s = event.object as unknown as KubeStatus;
          throw new KubeApiError(s.code ?? 500, s.reason ?? 'Error', s.message ?? 'watch error', s.details, 'WATCH', path);
        }
        if (onEvent(event) === true) return true;
      }
      return false;
    } finally {
      lines.close();
      res.destroy();
    }
  }
}

interface KubeStatus {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { name?: string; group?: string; kind?: string };
}

function statusError(status: number, text: string, method: string, path: string): KubeApiError {
  let s: KubeStatus = {};
  try {
    s = JSON.parse(text) as KubeStatus;
  } catch {
    s = { message: text.trim().slice(0, 300) };
  }
  return new KubeApiError(status, s.reason ?? http.STATUS_CODES[status] ?? 'Error', s.message || `HTTP ${status}`, s.details, method, path);
}
