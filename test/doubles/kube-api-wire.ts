// TEST DOUBLE support: the Kubernetes API's wire rules that the double (kube-api-double.ts) needs, as pure
// functions: REST paths, Status objects, label/field selectors, JSON merge patch (RFC 7386), log tails.
// Never use outside tests.

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
    ownerReferences?: unknown[];
  };
  [key: string]: unknown;
}

export interface Route {
  group: string;
  version: string;
  namespace: string;
  plural: string;
  name?: string;
  sub?: string;
}

export const KINDS: Record<string, string> = {
  workflowtemplates: 'WorkflowTemplate',
  cronworkflows: 'CronWorkflow',
  workflows: 'Workflow',
  configmaps: 'ConfigMap',
  serviceaccounts: 'ServiceAccount',
  pods: 'Pod',
};

export const CORE_PLURALS = ['configmaps', 'serviceaccounts', 'pods'];

export function parseRoute(path: string): Route | undefined {
  let m = /^\/api\/v1\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?$/.exec(path);
  if (m) return { group: '', version: 'v1', namespace: m[1], plural: m[2], name: m[3], sub: m[4] };
  m = /^\/apis\/([^/]+)\/([^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (m) return { group: m[1], version: m[2], namespace: m[3], plural: m[4], name: m[5] };
  return undefined;
}

export const collectionKey = (r: { group: string; namespace: string; plural: string }) => `${r.group}/${r.namespace}/${r.plural}`;

export function status(code: number, reason: string, message: string, details: Record<string, unknown> = {}) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}

/** The content of an object without the fields the server owns, for "did this apply change anything". */
export function content(o: KubeObject): string {
  const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, managedFields: _mf, ...meta } = o.metadata;
  void _rv;
  void _uid;
  void _ct;
  void _mf;
  return JSON.stringify({ ...o, metadata: meta });
}

/** Equality-based label selectors (`a=b,c=d`) and the metadata.name field selector. */
export function matches(o: KubeObject, query: Record<string, string>): boolean {
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

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 JSON merge patch: maps merge key by key, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isMap(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isMap(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** The last n lines of a log, as the kubelet's tailLines gives them. */
export function tailLines(text: string, n: number): string {
  const lines = text.split('\n');
  const trailing = lines[lines.length - 1] === '';
  if (trailing) lines.pop();
  return lines.slice(Math.max(0, lines.length - n)).join('\n') + (trailing && n > 0 ? '\n' : '');
}
