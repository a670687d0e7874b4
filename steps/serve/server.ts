// `openfold-argo serve`: the HTTP API (node:http) in front of the warm OpenFold3 worker, on NVIDIA's NIM routes:
//   POST /biology/openfold/openfold3/predict   GET /v1/health/live   GET /v1/health/ready   GET /v1/metrics
// A bounded queue (503 + Retry-After beyond it), body and sequence limits (400/413 naming the field), a per-request
// timeout (504; a running request that times out costs a worker restart), graceful shutdown (the running request
// finishes, waiting ones get 503). Logs carry request numbers, outcomes and times, never a sequence.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Metrics, type Outcome } from './metrics.js';
import { DEFAULT_LIMITS, parsePredictRequest, RequestError, type PredictInput, type ServeLimits } from './nim-request.js';
import { PredictionFailed, runPredictJob } from './predict-job.js';
import { parseQuerySetRequest } from './query-set.js';
import { BoundedQueue, QueueFull, QueueTimeout, ShuttingDown } from './queue.js';
import { redact, Worker, type WorkerOptions } from './worker.js';

export const ROUTES = {
  predict: '/biology/openfold/openfold3/predict',
  openfold2: '/biology/openfold/openfold2/predict-structure-from-msa-and-template',
  live: '/v1/health/live',
  ready: '/v1/health/ready',
  metrics: '/v1/metrics',
  /** The pipeline's route (inference.mode: server), on only with sharedRoot: query-set.ts. */
  querySet: '/v1/openfold3/query-set',
} as const;

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  /** Requests that may wait behind the running one. */
  readonly queueCapacity: number;
  /** Per-request limit, from arrival to answer. */
  readonly timeoutMs: number;
  readonly limits?: ServeLimits;
  /** The worker to start (and restart). workDir is the server's private folder. */
  readonly worker: Omit<WorkerOptions, 'onLog' | 'secrets'>;
  readonly seeds: readonly number[];
  /** The shared volume the pipeline's predict pods and this server both mount: enables ROUTES.querySet. */
  readonly sharedRoot?: string;
  /** Graceful shutdown: how long the running request may take to finish. */
  readonly drainMs?: number;
  readonly log?: (line: string) => void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; version=0.0.4' : 'application/json', ...headers });
  res.end(text);
}

/** The request body, refused with 413 past maxBytes (before reading it when Content-Length says so). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes) return Promise.reject(new HttpError(413, 'body', `${declared} bytes; this server takes at most ${maxBytes}`));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size > maxBytes) {
        reject(new HttpError(413, 'body', `more than ${maxBytes} bytes; this server takes at most ${maxBytes}`));
        req.destroy();
      } else parts.push(d);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

export class OpenfoldServer {
  readonly metrics = new Metrics();
  private readonly queue: BoundedQueue;
  private readonly http: Server;
  private readonly limits: ServeLimits;
  private worker!: Worker;
  private ready = false;
  private stopping = false;
  private requestNumber = 0;
  private readonly inFlight = new Map<number, PredictInput>();
  private latencies: number[] = [];
  private readonly log: (line: string) => void;

  constructor(private readonly o: ServeOptions) {
    this.limits = o.limits ?? DEFAULT_LIMITS;
    this.log = o.log ?? ((line) => console.log(line));
    this.queue = new BoundedQueue(o.queueCapacity, () => this.restartWorker('a request timed out while running'));
    this.http = createServer((req, res) => void this.handle(req, res));
    mkdirSync(o.worker.workDir, { recursive: true });
  }

  /** Starts listening at once (live), and the worker (ready once its model is loaded). */
  async start(): Promise<AddressInfo> {
    this.startWorker();
    await new Promise<void>((resolve) => this.http.listen(this.o.port, this.o.host, resolve));
    const address = this.http.address() as AddressInfo;
    this.log(`serve: listening on ${address.address}:${address.port}`);
    return address;
  }

  /** Resolves when the model is loaded. */
  whenReady(): Promise<unknown> {
    return this.worker.ready;
  }

  private secrets(): string[] {
    return [...this.inFlight.values()].flatMap((i) => i.chains.flatMap((c) => [c.sequence ?? '', c.smiles ?? ''])).filter(Boolean);
  }

  private startWorker(): void {
    this.ready = false;
    const worker = new Worker({ ...this.o.worker, onLog: (l) => this.log(`worker: ${l}`), secrets: () => this.secrets() });
    this.worker = worker;
    worker.ready.then(
      (r) => {
        this.metrics.modelLoads += r.loads;
        this.ready = !this.stopping;
        this.log(`serve: model loaded in ${r.loadSeconds.toFixed(1)} s on ${r.device}; ready`);
      },
      (e: Error) => this.log(`serve: the worker did not start: ${e.message}`),
    );
    void worker.exited.then((code) => {
      if (this.worker !== worker || this.stopping) return;
      this.log(`serve: the worker ended (exit ${code}); starting it again`);
      this.startWorker();
    });
  }

  private restartWorker(why: string): void {
    this.log(`serve: ${why}; restarting the worker`);
    const old = this.worker;
    this.startWorker();
    void old.stop(true);
  }

  private retryAfterSeconds(): number {
    const mean = this.latencies.length ? this.latencies.reduce((a, b) => a + b, 0) / this.latencies.length : 30;
    return Math.max(1, Math.ceil(mean * (this.queue.depth + 1)));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === ROUTES.live) return send(res, 200, { status: 'live' });
    if (req.method === 'GET' && path === ROUTES.ready)
      return this.ready ? send(res, 200, { status: 'ready' }) : send(res, 503, { status: this.stopping ? 'shutting down' : 'loading' });
    if (req.method === 'GET' && path === ROUTES.metrics)
      return send(res, 200, this.metrics.render(this.queue.depth, this.queue.busy, this.ready));
    if (req.method === 'POST' && path === ROUTES.openfold2)
      return send(res, 404, { detail: 'the OpenFold2 route is not configured on this server (no AF2-class runtime)' });
    if (req.method === 'POST' && path === ROUTES.querySet && this.o.sharedRoot) return this.querySet(req, res, this.o.sharedRoot);
    if (path !== ROUTES.predict) return send(res, 404, { detail: 'not found' });
    if (req.method !== 'POST') return send(res, 405, { detail: 'use POST' }, { allow: 'POST' });
    await this.predict(req, res);
  }

  private finish(res: ServerResponse, n: number, start: number, outcome: Outcome, status: number, body: unknown, headers = {}): void {
    const seconds = (Date.now() - start) / 1000;
    this.metrics.request(outcome, seconds);
    if (outcome === 'ok') this.latencies = [...this.latencies.slice(-19), seconds];
    const field = (body as { field?: string }).field;
    this.log(`serve: request ${n}: ${status} ${outcome}${field ? ` (${field})` : ''} in ${seconds.toFixed(2)} s`);
    send(res, status, body, headers);
  }

  /** Reads and checks a request body; answers a refusal itself and returns undefined. */
  private async accept<T>(
    req: IncomingMessage,
    res: ServerResponse,
    n: number,
    start: number,
    parse: (doc: unknown) => T,
  ): Promise<T | undefined> {
    try {
      if (this.stopping) throw new ShuttingDown('the server is shutting down');
      const body = await readBody(req, this.limits.maxBodyBytes);
      let doc: unknown;
      try {
        doc = JSON.parse(body.toString('utf8'));
      } catch {
        throw new HttpError(400, 'body', 'not valid JSON');
      }
      return parse(doc);
    } catch (e) {
      if (e instanceof ShuttingDown) this.finish(res, n, start, 'shutting_down', 503, { detail: e.message }, { 'retry-after': '30' });
      else if (e instanceof RequestError || e instanceof HttpError)
        this.finish(res, n, start, e.status === 413 ? 'too_large' : 'bad_request', e.status, { detail: e.message, field: e.field });
      else throw e;
      return undefined;
    }
  }

  /** Runs `job` through the queue and answers; the queue's refusals become 503/504, failures 500. */
  private async queued<T>(res: ServerResponse, n: number, start: number, job: () => Promise<T>, answer: (v: T) => unknown): Promise<void> {
    try {
      const value = await this.queue.run(async () => {
        await this.worker.ready;
        return job();
      }, this.o.timeoutMs);
      this.finish(res, n, start, 'ok', 200, answer(value));
    } catch (e) {
      if (e instanceof QueueFull)
        return this.finish(
          res,
          n,
          start,
          'queue_full',
          503,
          { detail: `busy: ${e.message}` },
          { 'retry-after': String(this.retryAfterSeconds()) },
        );
      if (e instanceof ShuttingDown)
        return this.finish(res, n, start, 'shutting_down', 503, { detail: e.message }, { 'retry-after': '30' });
      if (e instanceof QueueTimeout) return this.finish(res, n, start, 'timeout', 504, { detail: e.message });
      const detail = e instanceof PredictionFailed ? e.message : 'the prediction failed (see the server log)';
      if (!(e instanceof PredictionFailed)) this.log(`serve: request ${n}: ${redact((e as Error).message.split('\n')[0], this.secrets())}`);
      return this.finish(res, n, start, 'failed', 500, { detail });
    }
  }

  private noteGpu(bytes: number | null): void {
    if (bytes !== null) this.metrics.gpuMemoryBytes = bytes;
  }

  private async predict(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const n = ++this.requestNumber;
    const start = Date.now();
    const input = await this.accept(req, res, n, start, (doc) => parsePredictRequest(doc, this.limits));
    if (!input) return;
    this.inFlight.set(n, input);
    const dir = join(this.o.worker.workDir, `r${n}`);
    await this.queued(
      res,
      n,
      start,
      () => runPredictJob(input, { worker: this.worker, dir, seeds: this.o.seeds }),
      ({ response, reply }) => (this.noteGpu(reply.gpuMemoryBytes), response),
    );
    this.inFlight.delete(n);
  }

  private async querySet(req: IncomingMessage, res: ServerResponse, sharedRoot: string): Promise<void> {
    const n = ++this.requestNumber;
    const start = Date.now();
    const job = await this.accept(req, res, n, start, (doc) => parseQuerySetRequest(doc, sharedRoot));
    if (!job) return;
    await this.queued(
      res,
      n,
      start,
      () => this.worker.predict(job),
      (reply) => (this.noteGpu(reply.gpuMemoryBytes), { seconds: reply.seconds, loads: reply.loads }),
    );
  }

  /** Graceful shutdown: not ready, refuse new and waiting requests, let the running one finish, end the worker. */
  async shutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.ready = false;
    this.log('serve: shutting down: the running request finishes, waiting ones are refused');
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    const drained = this.queue.drain();
    const grace = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), this.o.drainMs ?? 600_000).unref());
    const late = (await Promise.race([drained, grace])) === 'late';
    if (late) this.log('serve: the running request did not finish in time; ending the worker');
    await this.worker.stop(late);
    this.http.closeIdleConnections();
    await closed;
    this.log('serve: stopped');
  }
}
