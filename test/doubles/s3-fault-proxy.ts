// TEST DOUBLE: a loopback HTTP proxy in front of the real S3 server (gofakes3) that injects what gofakes3 does
// not do by itself: network faults on object bodies (a connection reset after N bytes, a stall after N bytes,
// a flipped byte at an object offset), and two S3 behaviours gofakes3 lacks: presenting the multipart ETag it
// computed on CompleteMultipartUpload (it stores the object flat and answers HEAD/GET with its plain MD5), and
// answering `HEAD ?partNumber=N` with the part's size and x-amz-mp-parts-count (S3's HeadObject does).
// Everything else is forwarded unchanged. Only tests use it.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Fault {
  /** The object path this applies to: `/bucket/key`. */
  path: string;
  /**
   * reset: a TCP reset (unread bytes at the client may be lost with it); close: the connection closed early,
   * after the bytes sent (the client reads them all, then finds the body cut short); stall: nothing more sent,
   * the connection kept open; flip: one byte inverted.
   */
  kind: 'reset' | 'close' | 'stall' | 'flip';
  /** reset/close/stall: after this many body bytes of the response; flip: the object offset of the byte to flip. */
  at: number;
  /** How many responses it affects (then it is spent). @default 1 */
  times?: number;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  range?: string;
}

export interface FaultProxy {
  endpoint: string;
  faults: Fault[];
  /** `/bucket/key` -> the multipart ETag to present. */
  etags: Map<string, string>;
  /** `/bucket/key` -> the part size (or each part's size) to report on HEAD ?partNumber=N. */
  partSizes: Map<string, number | number[]>;
  requests: ProxiedRequest[];
  stop(): Promise<void>;
}

/**
 * The first unspent fault for this response, one use spent: a flip only where the response holds its byte, a
 * cut or stall only in a response longer than where it happens.
 */
function takeFault(faults: Fault[], path: string, start: number, end: number): Fault | undefined {
  const applies = (x: Fault) => (x.kind === 'flip' ? x.at >= start && x.at <= end : end - start + 1 > x.at);
  const f = faults.find((x) => x.path === path && (x.times ?? 1) > 0 && applies(x));
  if (f) f.times = (f.times ?? 1) - 1;
  return f;
}

/** Answers HEAD ?partNumber=N for an object with a known part size, from the upstream's HEAD. */
function partHead(up: IncomingMessage, res: ServerResponse, partSize: number | number[], n: number, etag: string | undefined): void {
  const size = Number(up.headers['content-length']);
  const sizes =
    typeof partSize === 'number'
      ? Array.from({ length: Math.ceil(size / partSize) }, (_, i) => Math.min(partSize, size - i * partSize))
      : partSize;
  const parts = sizes.length;
  const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
  const length = sizes[n - 1] ?? 0;
  res.writeHead(206, {
    'content-length': String(length),
    'content-range': `bytes ${start}-${start + length - 1}/${size}`,
    'x-amz-mp-parts-count': String(parts),
    etag: `"${etag ?? up.headers.etag}"`,
  });
  res.end();
  up.resume();
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const faults: Fault[] = [];
  const etags = new Map<string, string>();
  const partSizes = new Map<string, number | number[]>();
  const requests: ProxiedRequest[] = [];
  const stalled = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const path = decodeURIComponent(url.pathname);
    requests.push({ method: req.method ?? 'GET', path, range: req.headers.range });
    const partNumber = Number(url.searchParams.get('partNumber'));
    const forward = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      const etag = etags.get(path);
      if (req.method === 'HEAD' && partNumber > 0 && partSizes.has(path)) return partHead(up, res, partSizes.get(path)!, partNumber, etag);
      const headers = { ...up.headers, ...(etag ? { etag: `"${etag}"` } : {}) };
      res.writeHead(up.statusCode ?? 502, headers);
      const range = /bytes (\d+)-(\d+)/.exec(String(up.headers['content-range'] ?? ''));
      const rangeStart = Number(range?.[1] ?? 0);
      const rangeEnd = range ? Number(range[2]) : Number(up.headers['content-length'] ?? 0) - 1;
      const ok = req.method === 'GET' && up.statusCode !== undefined && up.statusCode < 300;
      const fault = ok ? takeFault(faults, path, rangeStart, rangeEnd) : undefined;
      if (!fault) return void up.pipe(res);
      res.flushHeaders(); // the fault happens in the body, after the status and headers
      let sent = 0;
      up.on('data', (chunk: Buffer) => {
        if (fault.kind === 'flip') {
          const i = fault.at - rangeStart - sent;
          if (i >= 0 && i < chunk.length) chunk[i] ^= 0xff;
        } else if (sent + chunk.length > fault.at) {
          res.write(chunk.subarray(0, Math.max(0, fault.at - sent)));
          up.destroy();
          if (fault.kind === 'reset') res.socket?.resetAndDestroy();
          else stalled.add(res); // keeps the connection open, sending nothing
          sent = Infinity;
          return;
        }
        if (sent !== Infinity) res.write(chunk);
        sent += chunk.length;
      });
      up.on('end', () => {
        if (sent !== Infinity) res.end();
      });
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    faults,
    etags,
    partSizes,
    requests,
    stop: async () => {
      for (const r of stalled) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
