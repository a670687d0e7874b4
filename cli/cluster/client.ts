// A small Kubernetes REST client: @kubernetes/client-node reads the kubeconfig and applies its credentials
// (tokens, client certificates, exec plugins such as `aws eks get-token`, proxies); the requests themselves are
// plain node:http(s) calls to the few endpoints openfold-argo uses, so every error carries the API server's
// Status, and a watch or a followed log is read line by line from the chunked response.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** The API server answered with an error Status (403, 404, 409, 422, 429 ...). */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
    /** Status.details: present (with `name`) when a named object is missing; absent when the resource type is. */
    readonly details: { name?: string; group?: string; kind?: string } | undefined,
    readonly method: string,
    readonly path: string,
    /** The Retry-After header of a 429/503, in seconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** The API server could not be reached, or the connection broke (refused, DNS, TLS, reset, timeout). */
export class KubeUnreachableError extends Error {
  constructor(
    readonly server: string,
    override readonly cause: Error & { code?: string },
  ) {
    super(`${cause.code ?? cause.message}`);
    this.name = 'KubeUnreachableError';
  }
}

/** A watch stream that ended in the middle of an event (the connection was cut between chunks). */
export class WatchStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WatchStreamError';
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Parse the answer as JSON. @default true */
  json?: boolean;
  /** Socket idle timeout. @default the client's requestTimeoutMs */
  timeoutMs?: number;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export const REQUEST_TIMEOUT_MS = 30_000;

interface Opened {
  res: http.IncomingMessage;
  /** Whether the socket idle timeout fired (the stream then fails with a reset). */
  timedOut: () => boolean;
}

export class KubeClient {
  constructor(
    readonly kc: KubeConfig,
    readonly server: string,
    /** Idle timeout of one request (kubectl's --request-timeout). */
    readonly requestTimeoutMs = REQUEST_TIMEOUT_MS,
  ) {}

  private url(path: string, query: RequestOptions['query'] = {}): URL {
    const url = new URL(this.server.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  /** Opens a request with the kubeconfig's credentials; resolves with the response (any status). */
  private async open(method: string, path: string, opts: RequestOptions): Promise<Opened> {
    const url = this.url(path, opts.query);
    const options: https.RequestOptions = {
      method,
      headers: { Accept: 'application/json' },
      timeout: opts.timeoutMs ?? this.requestTimeoutMs,
    };
    await this.kc.applyToHTTPSOptions(options);
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    // Content-Length always: node sends a DELETE body unframed otherwise (no chunked encoding for DELETE).
    if (body !== undefined)
      options.headers = {
        ...options.headers,
        'Content-Type': opts.contentType ?? 'application/json',
        'Content-Length': Buffer.byteLength(body),
      };
    const transport = url.protocol === 'http:' ? http : https;
    let timedOut = false;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, options, (res) => resolve({ res, timedOut: () => timedOut }));
      req.on('timeout', () => {
        timedOut = true;
        req.destroy(Object.assign(new Error('ETIMEDOUT'), { code: 'ETIMEDOUT' }));
      });
      req.on('error', (e) => reject(new KubeUnreachableError(this.server, e)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** Reads a whole answer; a connection cut while reading is a KubeUnreachableError like one cut before. */
  private async readAll(o: Opened): Promise<string> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of o.res) chunks.push(chunk as Buffer);
    } catch (e) {
      throw this.brokenStream(o, e);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private brokenStream(o: Opened, e: unknown): KubeUnreachableError {
    const err = e as Error & { code?: string };
    if (o.timedOut()) return new KubeUnreachableError(this.server, Object.assign(new Error('ETIMEDOUT'), { code: 'ETIMEDOUT' }));
    return new KubeUnreachableError(this.server, err.code ? err : Object.assign(err, { code: 'ECONNRESET' }));
  }

  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const opened = await this.open(method, path, opts);
    const text = await this.readAll(opened);
    const status = opened.res.statusCode ?? 0;
    if (status < 200 || status > 299) throw statusError(status, text, method, path, opened.res.headers['retry-after']);
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

  /** JSON merge patch (RFC 7386), as `kubectl patch --type merge` and Argo's own stop/terminate send. */
  mergePatch<T = unknown>(path: string, patch: unknown, fieldManager: string): Promise<T> {
    return this.request<T>('PATCH', path, { body: patch, contentType: 'application/merge-patch+json', query: { fieldManager } });
  }

  /** Replaces an object (PUT); the API server refuses with 409 when its resourceVersion is not the stored one. */
  replace<T = unknown>(path: string, object: unknown, fieldManager: string): Promise<T> {
    return this.request<T>('PUT', path, { body: object, query: { fieldManager } });
  }

  /** DELETE with DeleteOptions in the body: the API server then ignores query parameters, so dryRun goes there too. */
  delete<T = unknown>(path: string, opts: { propagationPolicy?: string; dryRun?: boolean } = {}): Promise<T> {
    return this.request<T>('DELETE', path, {
      body: {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        ...(opts.propagationPolicy ? { propagationPolicy: opts.propagationPolicy } : {}),
        ...(opts.dryRun ? { dryRun: ['All'] } : {}),
      },
    });
  }

  /**
   * Reads a chunked answer line by line (a watch, or a followed log), calling onLine for each complete line until
   * onLine returns true ("done", resolves true) or the server ends the answer (resolves false). An HTTP error
   * throws KubeApiError; a connection cut throws KubeUnreachableError; a last line without its newline at the
   * end of a watch throws WatchStreamError when partialIsError.
   */
  async streamLines(
    path: string,
    opts: RequestOptions & { method?: string; partialIsError?: boolean },
    onLine: (line: string) => boolean | void,
  ): Promise<boolean> {
    const method = opts.method ?? 'GET';
    const opened = await this.open('GET', path, opts);
    const status = opened.res.statusCode ?? 0;
    if (status !== 200) throw statusError(status, await this.readAll(opened), method, path, opened.res.headers['retry-after']);
    let rest = '';
    try {
      for await (const chunk of opened.res) {
        rest += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = rest.indexOf('\n')) >= 0) {
          const line = rest.slice(0, nl);
          rest = rest.slice(nl + 1);
          let done: boolean | void;
          try {
            done = onLine(line);
          } catch (e) {
            throw new CallbackFailure(e);
          }
          if (done === true) return true;
        }
      }
    } catch (e) {
      if (e instanceof CallbackFailure) throw e.error;
      throw this.brokenStream(opened, e);
    } finally {
      opened.res.destroy();
    }
    if (rest.trim() && opts.partialIsError) throw new WatchStreamError(`watch stream ended mid-event (EOF after ${rest.length} bytes)`);
    if (rest && onLine(rest) === true) return true;
    return false;
  }

  /**
   * Watches a collection: calls onEvent for each event of the chunked stream until onEvent returns true
   * ("done"), the server ends the stream (resolves false), or an ERROR event/HTTP error (throws KubeApiError).
   */
  async watch<T>(path: string, query: RequestOptions['query'], onEvent: (e: WatchEvent<T>) => boolean | void): Promise<boolean> {
    // The server closes a watch after timeoutSeconds; the socket may stay idle that long between events.
    const serverTimeout = Number(query?.timeoutSeconds ?? 300);
    return this.streamLines(
      path,
      { query: { ...query, watch: true }, timeoutMs: serverTimeout * 1000 + this.requestTimeoutMs, method: 'WATCH', partialIsError: true },
      (line) => {
        if (!line.trim()) return false;
        let event: WatchEvent<T>;
        try {
          event = JSON.parse(line) as WatchEvent<T>;
        } catch {
          throw new WatchStreamError(`watch stream sent a line that is not JSON (${line.slice(0, 60)})`);
        }
        if (event.type === 'ERROR') {
          const s = event.object as unknown as KubeStatus;
          throw new KubeApiError(s.code ?? 500, s.reason ?? 'Error', s.message ?? 'watch error', s.details, 'WATCH', path);
        }
        return onEvent(event);
      },
    );
  }
}

/** An error thrown by a line callback, carried past the stream's own error handling unchanged. */
class CallbackFailure {
  constructor(readonly error: unknown) {}
}

interface KubeStatus {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { name?: string; group?: string; kind?: string; retryAfterSeconds?: number };
}

function statusError(status: number, text: string, method: string, path: string, retryAfter?: string | string[]): KubeApiError {
  let s: KubeStatus = {};
  try {
    s = JSON.parse(text) as KubeStatus;
  } catch {
    s = { message: text.trim().slice(0, 300) };
  }
  const header = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  const after = Number.isFinite(header) && header > 0 ? header : s.details?.retryAfterSeconds;
  return new KubeApiError(
    status,
    s.reason ?? http.STATUS_CODES[status] ?? 'Error',
    s.message || `HTTP ${status}`,
    s.details,
    method,
    path,
    after,
  );
}
