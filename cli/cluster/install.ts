// What `install` does to the cluster: server-side apply of every generated resource, keeping a CronWorkflow's
// live spec.suspend (an operator's `argo cron suspend` must survive a re-install), and finding the objects it
// applied before that the config no longer generates (for --prune).
import { generateResources } from '../../generators/index.js';
import type { Resource } from '../../generators/argo/types.js';
import { FIELD_MANAGER, PART_OF_LABEL, objectPath } from './argo.js';
import { KubeApiError } from './client.js';
import type { Session } from './session.js';

export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface InstallResult {
  kind: string;
  name: string;
  outcome: ApplyOutcome;
  /** A word on what was kept from the cluster, e.g. a suspended CronWorkflow. */
  note?: string;
}

/** The config's spec.suspend at the last install, so a later install tells a config change from an operator's. */
export const SUSPEND_IN_CONFIG = 'openfold-argo.io/suspend-in-config';

/** The kinds install manages (and --prune may delete). */
export const MANAGED_KINDS = ['WorkflowTemplate', 'CronWorkflow', 'ConfigMap'];

interface LiveObject {
  metadata: {
    name: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    managedFields?: { manager?: string; operation?: string }[];
  };
  spec?: { suspend?: boolean };
}

async function live(s: Session, path: string): Promise<LiveObject | undefined> {
  try {
    return await s.client.get<LiveObject>(path);
  } catch (e) {
    if (e instanceof KubeApiError && e.statusCode === 404 && e.details?.name) return undefined;
    throw e;
  }
}

export async function resourceVersion(s: Session, path: string): Promise<string | undefined> {
  return (await live(s, path))?.metadata.resourceVersion;
}

/**
 * The suspend a CronWorkflow is applied with: the live value (whoever set it: `argo cron suspend`/`resume`,
 * kubectl) unless the config's own value changed since the last install (recorded in SUSPEND_IN_CONFIG). A
 * value applied again is the value already there, so owning the field changes nothing.
 */
export function suspendToApply(configSuspend: boolean, current: LiveObject | undefined): { suspend: boolean; note?: string } {
  if (!current) return { suspend: configSuspend };
  const liveSuspend = current.spec?.suspend ?? false;
  const recorded = current.metadata.annotations?.[SUSPEND_IN_CONFIG];
  if (recorded !== undefined && recorded !== String(configSuspend))
    return {
      suspend: configSuspend,
      note: liveSuspend !== configSuspend ? `suspend ${configSuspend} (the config changed since the last install)` : undefined,
    };
  if (liveSuspend === configSuspend) return { suspend: configSuspend };
  return {
    suspend: liveSuspend,
    note: `suspend ${liveSuspend} kept (set on the cluster, e.g. by \`argo cron ${liveSuspend ? 'suspend' : 'resume'}\`; the config says ${configSuspend})`,
  };
}

/** Applies every generated resource into the session's namespace; returns what happened to each. */
export async function install(s: Session, dryRun = false): Promise<InstallResult[]> {
  const results: InstallResult[] = [];
  for (const { resource } of generateResources(s.config)) {
    let object: Resource = { ...resource, metadata: { ...resource.metadata, namespace: s.namespace } };
    const path = objectPath(object.kind, s.namespace, object.metadata.name);
    const what = `${object.kind} ${object.metadata.name}`;
    const before = await s.call(() => live(s, path), what);
    let note: string | undefined;
    if (object.kind === 'CronWorkflow') {
      const spec = (object as unknown as { spec: { suspend?: boolean } }).spec;
      const configSuspend = spec.suspend ?? false;
      const chosen = suspendToApply(configSuspend, before);
      note = chosen.note;
      object = {
        ...object,
        metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, [SUSPEND_IN_CONFIG]: String(configSuspend) } },
        spec: { ...spec, suspend: chosen.suspend },
      } as unknown as Resource;
    }
    const after = await s.call(() => s.client.apply<{ metadata: { resourceVersion?: string } }>(path, object, FIELD_MANAGER, dryRun), what);
    const rv = before?.metadata.resourceVersion;
    const outcome: ApplyOutcome = rv === undefined ? 'created' : rv === after.metadata.resourceVersion ? 'unchanged' : 'configured';
    results.push({ kind: object.kind, name: object.metadata.name, outcome, ...(note ? { note } : {}) });
  }
  return results;
}

/** Whether install applied this object (server-side apply with our field manager), not helm or kubectl. */
function appliedByInstall(o: LiveObject): boolean {
  return (o.metadata.managedFields ?? []).some((m) => m.manager === FIELD_MANAGER && m.operation === 'Apply');
}

/**
 * The objects of the managed kinds in the namespace, labelled part-of=openfold-argo and applied by install,
 * that this install did not apply (the config no longer generates them); deleted when opts.delete.
 */
export async function prune(
  s: Session,
  applied: InstallResult[],
  opts: { dryRun: boolean; delete: boolean },
): Promise<{ kind: string; name: string }[]> {
  const keep = new Set(applied.map((r) => `${r.kind}/${r.name}`));
  const stale: { kind: string; name: string }[] = [];
  for (const kind of MANAGED_KINDS) {
    const list = await s.call(
      () => s.client.get<{ items: LiveObject[] }>(objectPath(kind, s.namespace), { labelSelector: PART_OF_LABEL }),
      `${kind}s`,
    );
    for (const o of list.items)
      if (!keep.has(`${kind}/${o.metadata.name}`) && appliedByInstall(o)) stale.push({ kind, name: o.metadata.name });
  }
  if (opts.delete)
    for (const o of stale)
      await s.call(() => s.client.delete(objectPath(o.kind, s.namespace, o.name), { dryRun: opts.dryRun }), `${o.kind} ${o.name}`);
  return stale;
}
