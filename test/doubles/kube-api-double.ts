// TEST DOUBLE of the Kubernetes API server: a small HTTP server on loopback that speaks the few endpoints the
// openfold-argo cluster commands call, with the API server's wire behaviour where they depend on it:
// Status objects for errors (401, 403, 404 with and without details, 409, 410, 429 with Retry-After, 5xx),
// server-side apply (PATCH application/apply-patch+yaml with a required fieldManager, resourceVersion unchanged
// by a no-op, dryRun=All), JSON merge patch, PUT with resourceVersion conflicts, DELETE, generateName,
// label/field selectors, pod logs as text/plain (tailLines, follow), watches as a real chunked stream of JSON
// lines that replays from a resourceVersion and then follows changes, and injected faults (a reset connection,
// a request that never answers, an error status, a watch cut mid-event).
// It is not Kubernetes: no admission, no schema validation, no defaulting, no field-level apply merging, no
// garbage collection. Never use it outside tests.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import yaml from 'js-yaml';
import {
  KINDS,
  collectionKey,
  content,
  matches,
  mergePatch,
  parseRoute,
  status,
  tailLines,
  type KubeObject,
  type Route,
} from './kube-api-wire.js';

import { KubeStore, type WatchEvent } from './kube-api-store.js';

export type { KubeObject } from './kube-api-wire.js';

export interface DoubleOptions {
  /** Bearer token every request must carry. @default 'double-token' */
  token?: string;
  /** Whether the argoproj.io API group exists (the Argo CRDs are installed). @default true */
  argoCrds?: boolean;
  /** Requests to refuse with 403 Forbidden. */
  forbid?: (method: string, path: string) => boolean;
  /** Resource versions at or below this are "too old": a watch from them gets an ERROR 410 event. */
  compactedBelow?: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  body?: unknown;
}

/** A failure to inject: the next `times` requests that match get it instead of an answer. */
export interface Fault {
  when?: (r: RequestRecord) => boolean;
  /** reset: the connection is destroyed; hang: no answer ever; else an error Status. */
  kind: 'reset' | 'hang' | { status: number; reason?: string; retryAfter?: number };
  /** @default 1 */
  times?: number;
}

export class KubeApiDouble extends KubeStore {
  readonly requests: RequestRecord[] = [];
  private readonly openStreams = new Set<http.ServerResponse>();
  private readonly hung = new Set<http.ServerResponse>();
  private readonly faults: Fault[] = [];
  private server?: http.Server;
  readonly token: string;

  constructor(readonly options: DoubleOptions = {}) {
    super();
    this.token = options.token ?? 'double-token';
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    for (const s of [...this.openStreams, ...this.hung]) s.destroy();
    for (const set of this.logFollowers.values()) for (const s of set) s.end();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Ends every open watch stream, as the API server does when timeoutSeconds runs out. */
  endWatches(): void {
    for (const s of this.openStreams) s.end();
    this.openStreams.clear();
  }

  /** Cuts every open watch connection without ending the chunked answer (a reset between chunks). */
  resetWatches(): void {
    for (const s of this.openStreams) s.socket?.destroy();
    this.openStreams.clear();
  }

  /** Sends half an event on every open watch, then ends the answer cleanly (a cut mid-event: EOF). */
  truncateWatches(): void {
    for (const s of this.openStreams) s.end('{"type":"MODIFIED","object":{"metadata":');
    this.openStreams.clear();
  }

  /** Injects a failure for the next matching requests. */
  fail(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Writes a kubeconfig whose current context points at this double (plain HTTP needs skip-TLS-verify). */
  writeKubeconfig(dir: string, opts: { context?: string; namespace?: string; token?: string; file?: string } = {}): string {
    const context = opts.context ?? 'double';
    const file = join(dir, opts.file ?? 'kubeconfig');
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': context,
      clusters: [{ name: 'double', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'double-user', user: { token: opts.token ?? this.token } }],
      contexts: [
        { name: context, context: { cluster: 'double', user: 'double-user', ...(opts.namespace ? { namespace: opts.namespace } : {}) } },
      ],
    };
    writeFileSync(file, yaml.dump(config));
    return file;
  }

  // ---- HTTP --------------------------------------------------------------------------------------------

  private takeFault(r: RequestRecord): Fault | undefined {
    const i = this.faults.findIndex((f) => (f.times ?? 1) > 0 && (!f.when || f.when(r)));
    if (i < 0) return undefined;
    const f = this.faults[i];
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) this.faults.splice(i, 1);
    return f;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double');
    const query = Object.fromEntries(url.searchParams);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const contentType = req.headers['content-type'];
    const method = req.method ?? 'GET';
    let body: unknown;
    if (raw) {
      try {
        body = contentType?.includes('yaml') ? yaml.load(raw) : JSON.parse(raw);
      } catch (e) {
        return this.send(res, 400, status(400, 'BadRequest', `error decoding body: ${(e as Error).message}`));
      }
    }
    const record: RequestRecord = { method, path: url.pathname, query, contentType, body };
    this.requests.push(record);
    const send = (code: number, payload: unknown) => this.send(res, code, payload);

    const fault = this.takeFault(record);
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'hang') return void this.hung.add(res);
    if (fault) {
      const { status: code, reason, retryAfter } = fault.kind;
      if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
      return send(code, status(code, reason ?? http.STATUS_CODES[code] ?? 'Error', `injected ${code}`));
    }

    if (req.headers.authorization !== `Bearer ${this.token}`) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    const route = parseRoute(url.pathname);
    if (!route || (route.group === 'argoproj.io' && this.options.argoCrds === false) || !KINDS[route.plural])
      return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const resource = route.group ? `${route.plural}.${route.group}` : route.plural;
    if (this.options.forbid?.(method, url.pathname)) {
      const verb =
        method === 'GET' ? (route.name ? 'get' : query.watch ? 'watch' : 'list') : method === 'POST' ? 'create' : method.toLowerCase();
      return send(
        403,
        status(
          403,
          'Forbidden',
          `${resource}${route.name ? ` "${route.name}"` : ''} is forbidden: User "system:serviceaccount:default:double" cannot ${verb} resource "${route.plural}" in API group "${route.group}" in the namespace "${route.namespace}"`,
          { ...(route.name ? { name: route.name } : {}), group: route.group, kind: route.plural },
        ),
      );
    }
    const notFound = (name: string) =>
      send(404, status(404, 'NotFound', `${resource} "${name}" not found`, { name, group: route.group, kind: route.plural }));
    const k = this.key(route.plural, route.namespace, route.name ?? '');

    if (route.sub === 'log' && method === 'GET') return this.podLog(route, query, res, notFound);
    if (method === 'GET' && route.name) {
      const o = this.objects.get(k);
      return o ? send(200, o) : notFound(route.name);
    }
    if (method === 'GET' && query.watch === 'true') return this.watch(route, query, res);
    if (method === 'GET') {
      return send(200, {
        kind: `${KINDS[route.plural]}List`,
        apiVersion: route.group ? `${route.group}/${route.version}` : 'v1',
        metadata: { resourceVersion: String(this.rv) },
        items: this.list(route.plural, route.namespace).filter((o) => matches(o, query)),
      });
    }
    if (method === 'POST' && !route.name) {
      const o = body as KubeObject;
      if (!o?.metadata) return send(400, status(400, 'BadRequest', 'object has no metadata'));
      const name = o.metadata.name || (o.metadata.generateName ? o.metadata.generateName + randomBytes(3).toString('hex').slice(0, 5) : '');
      if (!name) return send(422, status(422, 'Invalid', `${KINDS[route.plural]} is invalid: metadata.name: Required value`));
      if (this.get(route.plural, route.namespace, name))
        return send(409, status(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name }));
      const created = { ...o, metadata: { ...o.metadata, name, namespace: route.namespace } };
      if (query.dryRun === 'All')
        return send(201, {
          ...created,
          metadata: { ...created.metadata, uid: randomBytes(8).toString('hex'), creationTimestamp: new Date().toISOString() },
        });
      return send(201, this.put(route.plural, created));
    }
    if (method === 'PATCH' && route.name && contentType === 'application/merge-patch+json') {
      const old = this.objects.get(k);
      if (!old) return notFound(route.name);
      const next = mergePatch(old, body) as KubeObject;
      const managed = [
        ...(old.metadata.managedFields ?? []).filter((m) => m.manager !== (query.fieldManager ?? 'unknown') || m.operation !== 'Update'),
      ];
      managed.push({ manager: query.fieldManager ?? 'unknown', operation: 'Update' });
      if (content(next) === content(old)) return send(200, old);
      return send(200, this.put(route.plural, { ...next, metadata: { ...next.metadata, managedFields: managed } }));
    }
    if (method === 'PATCH' && route.name) return this.apply(route, k, query, contentType, body as KubeObject, send);
    if (method === 'PUT' && route.name) {
      const old = this.objects.get(k);
      const o = body as KubeObject;
      if (!old) return notFound(route.name);
      if (o?.metadata?.resourceVersion !== old.metadata.resourceVersion)
        return send(
          409,
          status(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${resource} "${route.name}": the object has been modified; please apply your changes to the latest version and try again`,
            { name: route.name, group: route.group, kind: route.plural },
          ),
        );
      return send(200, this.put(route.plural, { ...o, metadata: { ...o.metadata, namespace: route.namespace } }));
    }
    if (method === 'DELETE' && route.name) {
      const old = this.objects.get(k);
      if (!old) return notFound(route.name);
      // As the API server: DeleteOptions come from the body when there is one, else from the query.
      const options = (raw ? body : query) as { dryRun?: string | string[] };
      if ([options?.dryRun].flat().includes('All')) return send(200, old);
      this.remove(route.plural, route.namespace, route.name);
      return send(200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name: route.name, kind: route.plural },
      });
    }
    return send(405, status(405, 'MethodNotAllowed', `${method} is not supported here`));
  }

  /** Server-side apply, whole-object: the applied content replaces the stored one (no field-level merge). */
  private apply(
    route: Route,
    k: string,
    query: Record<string, string>,
    contentType: string | undefined,
    o: KubeObject,
    send: (code: number, payload: unknown) => void,
  ): void {
    if (contentType !== 'application/apply-patch+yaml')
      return send(
        415,
        status(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml`,
        ),
      );
    if (!query.fieldManager)
      return send(400, status(400, 'BadRequest', 'PATCH, fieldManager: Required value: is required for apply patch'));
    if (o?.metadata?.name !== route.name)
      return send(
        400,
        status(400, 'BadRequest', `the name of the object (${o?.metadata?.name}) does not match the name on the URL (${route.name})`),
      );
    const old = this.objects.get(k);
    const next: KubeObject = { ...structuredClone(o), metadata: { ...structuredClone(o.metadata), namespace: route.namespace } };
    const changed = !old || content(old) !== content({ ...next, metadata: { ...next.metadata, uid: old.metadata.uid } });
    const others = (old?.metadata.managedFields ?? []).filter((m) => m.manager !== query.fieldManager);
    const managed = [...others, { manager: query.fieldManager, operation: 'Apply' }];
    if (query.dryRun === 'All')
      return send(old ? 200 : 201, { ...next, metadata: { ...next.metadata, resourceVersion: old?.metadata.resourceVersion ?? '' } });
    if (!changed) return send(200, old);
    const stored = this.put(route.plural, { ...next, metadata: { ...next.metadata, managedFields: managed } });
    return send(old ? 200 : 201, stored);
  }

  /** pods/NAME/log: text/plain; tailLines; follow=true streams until endLog() or the pod is deleted. */
  private podLog(route: Route, query: Record<string, string>, res: http.ServerResponse, notFound: (name: string) => void): void {
    const pod = this.get('pods', route.namespace, route.name!);
    if (!pod) return notFound(route.name!);
    if (query.container && query.container !== 'main')
      return this.send(res, 400, status(400, 'BadRequest', `container ${query.container} is not valid for pod ${route.name}`));
    if ((pod.status as { phase?: string } | undefined)?.phase === 'Pending')
      return this.send(
        res,
        400,
        status(400, 'BadRequest', `container "main" in pod "${route.name}" is waiting to start: ContainerCreating`),
      );
    const k = `${route.namespace}/${route.name}`;
    let text = this.logs.get(k) ?? '';
    if (query.tailLines !== undefined) text = tailLines(text, Number(query.tailLines));
    res.writeHead(200, { 'Content-Type': 'text/plain', ...(query.follow === 'true' ? { 'Transfer-Encoding': 'chunked' } : {}) });
    if (query.follow !== 'true') return void res.end(text);
    res.write(text);
    const set = this.logFollowers.get(k) ?? new Set();
    set.add(res);
    this.logFollowers.set(k, set);
    res.on('close', () => set.delete(res));
  }

  private send(res: http.ServerResponse, code: number, payload: unknown): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(payload));
  }

  /** A real chunked stream: replay events after resourceVersion, then follow until timeoutSeconds or endWatches(). */
  private watch(route: Route, query: Record<string, string>, res: http.ServerResponse): void {
    const from = Number(query.resourceVersion ?? 0);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    this.openStreams.add(res);
    if (from && this.options.compactedBelow !== undefined && from <= this.options.compactedBelow) {
      res.write(`${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${from} (${this.rv})`) })}\n`);
      res.end();
      this.openStreams.delete(res);
      return;
    }
    const wanted = (e: WatchEvent) => e.collection === collectionKey(route) && e.rv > from && matches(e.object, query);
    const write = (e: WatchEvent) => res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
    for (const e of this.events.filter(wanted)) write(e);
    const listener = (e: WatchEvent) => {
      if (wanted(e)) write(e);
    };
    this.watchers.add(listener);
    const timer = setTimeout(() => res.end(), Number(query.timeoutSeconds ?? 1800) * 1000);
    res.on('close', () => {
      clearTimeout(timer);
      this.watchers.delete(listener);
      this.openStreams.delete(res);
    });
  }
}
