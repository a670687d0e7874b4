// TEST DOUBLE of the Kubernetes API server: a small HTTP server on loopback that speaks the few endpoints the
// openfold-argo cluster commands call, with the API server's wire behaviour where they depend on it:
// Status objects for errors (401, 403, 404 with and without details, 409, 410), server-side apply
// (PATCH application/apply-patch+yaml with a required fieldManager, resourceVersion unchanged by a no-op,
// dryRun=All), generateName, label/field selectors, pod logs as text/plain, and watches as a real chunked
// stream of JSON lines that replays from a resourceVersion and then follows changes.
// It is not Kubernetes: no admission, no schema validation, no defaulting. Never use it outside tests.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import yaml from 'js-yaml';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    generateName?: string;
    resourceVersion?: string;
    uid?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: { manager: string; operation: string }[];
  };
  [key: string]: unknown;
}

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

interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  body?: unknown;
}

interface WatchEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  collection: string;
  object: KubeObject;
}

interface Route {
  group: string;
  version: string;
  namespace: string;
  plural: string;
  name?: string;
  sub?: string;
}

const KINDS: Record<string, string> = {
  workflowtemplates: 'WorkflowTemplate',
  cronworkflows: 'CronWorkflow',
  workflows: 'Workflow',
  configmaps: 'ConfigMap',
  serviceaccounts: 'ServiceAccount',
  pods: 'Pod',
};

function parseRoute(path: string): Route | undefined {
  let m = /^\/api\/v1\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?$/.exec(path);
  if (m) return { group: '', version: 'v1', namespace: m[1], plural: m[2], name: m[3], sub: m[4] };
  m = /^\/apis\/([^/]+)\/([^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (m) return { group: m[1], version: m[2], namespace: m[3], plural: m[4], name: m[5] };
  return undefined;
}

const collectionKey = (r: { group: string; namespace: string; plural: string }) => `${r.group}/${r.namespace}/${r.plural}`;

function status(code: number, reason: string, message: string, details: Record<string, string> = {}) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}

/** The content of an object without the fields the server owns, for "did this apply change anything". */
function content(o: KubeObject): string {
  const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, managedFields: _mf, ...meta } = o.metadata;
  void _rv;
  void _uid;
  void _ct;
  void _mf;
  return JSON.stringify({ ...o, metadata: meta });
}

export class KubeApiDouble {
  readonly requests: RequestRecord[] = [];
  private readonly objects = new Map<string, KubeObject>();
  private readonly logs = new Map<string, string>();
  private readonly events: WatchEvent[] = [];
  private readonly watchers = new Set<(e: WatchEvent) => void>();
  private readonly openStreams = new Set<http.ServerResponse>();
  private rv = 100;
  private server?: http.Server;
  readonly token: string;

  constructor(readonly options: DoubleOptions = {}) {
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
    for (const s of this.openStreams) s.end();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Ends every open watch stream, as the API server does when timeoutSeconds runs out. */
  endWatches(): void {
    for (const s of this.openStreams) s.end();
    this.openStreams.clear();
  }

  /** Writes a kubeconfig whose current context points at this double (plain HTTP needs skip-TLS-verify). */
  writeKubeconfig(dir: string, opts: { context?: string; namespace?: string; token?: string } = {}): string {
    const context = opts.context ?? 'double';
    const file = join(dir, 'kubeconfig');
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

  // ---- test API ----------------------------------------------------------------------------------------

  private key(plural: string, namespace: string, name: string): string {
    const group = ['configmaps', 'serviceaccounts', 'pods'].includes(plural) ? '' : 'argoproj.io';
    return `${group}/${namespace}/${plural}/${name}`;
  }

  /** Creates or replaces an object (as a controller would) and emits the watch event. */
  put(plural: string, object: KubeObject): KubeObject {
    const ns = object.metadata.namespace ?? 'default';
    const k = this.key(plural, ns, object.metadata.name);
    const old = this.objects.get(k);
    const stored: KubeObject = structuredClone(object);
    stored.metadata.namespace = ns;
    stored.metadata.uid = old?.metadata.uid ?? randomBytes(8).toString('hex');
    stored.metadata.creationTimestamp = old?.metadata.creationTimestamp ?? new Date().toISOString();
    stored.metadata.resourceVersion = String(++this.rv);
    this.objects.set(k, stored);
    this.emit({ rv: this.rv, type: old ? 'MODIFIED' : 'ADDED', collection: k.split('/').slice(0, 3).join('/'), object: stored });
    return stored;
  }

  get(plural: string, namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(this.key(plural, namespace, name));
  }

  list(plural: string, namespace: string): KubeObject[] {
    const prefix = this.key(plural, namespace, '');
    return [...this.objects].filter(([k]) => k.startsWith(prefix)).map(([, o]) => o);
  }

  setLog(namespace: string, pod: string, text: string): void {
    this.logs.set(`${namespace}/${pod}`, text);
  }

  private emit(e: WatchEvent): void {
    this.events.push(e);
    for (const w of this.watchers) w(e);
  }

  // ---- HTTP --------------------------------------------------------------------------------------------

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
    this.requests.push({ method, path: url.pathname, query, contentType, body });
    const send = (code: number, payload: unknown) => this.send(res, code, payload);

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

    if (route.sub === 'log' && method === 'GET') {
      if (!this.get('pods', route.namespace, route.name!)) return notFound(route.name!);
      if (query.container && query.container !== 'main')
        return send(400, status(400, 'BadRequest', `container ${query.container} is not valid for pod ${route.name}`));
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return void res.end(this.logs.get(`${route.namespace}/${route.name}`) ?? '');
    }
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
      return send(201, this.put(route.plural, { ...o, metadata: { ...o.metadata, name, namespace: route.namespace } }));
    }
    if (method === 'PATCH' && route.name) {
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
      const o = body as KubeObject;
      if (o?.metadata?.name !== route.name)
        return send(
          400,
          status(400, 'BadRequest', `the name of the object (${o?.metadata?.name}) does not match the name on the URL (${route.name})`),
        );
      const old = this.objects.get(k);
      const next: KubeObject = { ...structuredClone(o), metadata: { ...structuredClone(o.metadata), namespace: route.namespace } };
      const changed = !old || content(old) !== content({ ...next, metadata: { ...next.metadata, uid: old.metadata.uid } });
      const managed = [{ manager: query.fieldManager, operation: 'Apply' }];
      if (query.dryRun === 'All')
        return send(old ? 200 : 201, { ...next, metadata: { ...next.metadata, resourceVersion: old?.metadata.resourceVersion ?? '' } });
      if (!changed) return send(200, old);
      const stored = this.put(route.plural, { ...next, metadata: { ...next.metadata, managedFields: managed } });
      return send(old ? 200 : 201, stored);
    }
    return send(405, status(405, 'MethodNotAllowed', `${method} is not supported here`));
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

function matches(o: KubeObject, query: Record<string, string>): boolean {
  for (const term of (query.labelSelector ?? '').split(',').filter(Boolean)) {
    const [k, v] = term.split('=');
    if (o.metadata.labels?.[k] !== v) return false;
  }
  for (const term of (query.fieldSelector ?? '').split(',').filter(Boolean)) {
    const [k, v] = term.split('=');
    if (k === 'metadata.name' && o.metadata.name !== v) return false;
  }
  return true;
}
