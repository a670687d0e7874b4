// `openfold-argo install [--config FILE] [--dry-run]`: server-side apply (field manager openfold-argo) of the
// WorkflowTemplates, CronWorkflows and ConfigMaps generated from the config. Idempotent: a second run reports
// every object unchanged.
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { generateResources } from '../../generators/index.js';
import type { Resource } from '../../generators/argo/types.js';
import { FIELD_MANAGER, objectPath } from '../cluster/argo.js';
import { KubeApiError } from '../cluster/client.js';
import { CLUSTER_HELP, CLUSTER_OPTIONS, openSession, type Session } from '../cluster/session.js';

const HELP = `usage: openfold-argo install [--dry-run] [cluster options]

Applies the Argo resources of the config (server-side apply, field manager "${FIELD_MANAGER}") into the
namespace: WorkflowTemplates, CronWorkflows and the semaphore ConfigMap. Run it again after changing the
config. The ServiceAccount, RBAC and the shared volume come from the Helm chart (charts/openfold-argo).
  --dry-run   ask the API server to validate everything without saving it (server-side dry run)

${CLUSTER_HELP}`;

export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface InstallResult {
  kind: string;
  name: string;
  outcome: ApplyOutcome;
}

async function resourceVersion(s: Session, path: string): Promise<string | undefined> {
  try {
    const o = await s.client.get<{ metadata: { resourceVersion?: string } }>(path);
    return o.metadata.resourceVersion;
  } catch (e) {
    if (e instanceof KubeApiError && e.statusCode === 404 && e.details?.name) return undefined;
    throw e;
  }
}

/** Applies every generated resource into the session's namespace; returns what happened to each. */
export async function install(s: Session, dryRun = false): Promise<InstallResult[]> {
  const results: InstallResult[] = [];
  for (const { resource } of generateResources(s.config)) {
    const object: Resource = { ...resource, metadata: { ...resource.metadata, namespace: s.namespace } };
    const path = objectPath(object.kind, s.namespace, object.metadata.name);
    const what = `${object.kind} ${object.metadata.name}`;
    const before = await s.call(() => resourceVersion(s, path), what);
    const after = await s.call(() => s.client.apply<{ metadata: { resourceVersion?: string } }>(path, object, FIELD_MANAGER, dryRun), what);
    const outcome: ApplyOutcome = before === undefined ? 'created' : before === after.metadata.resourceVersion ? 'unchanged' : 'configured';
    results.push({ kind: object.kind, name: object.metadata.name, outcome });
  }
  return results;
}

export const command: Command = {
  summary: 'apply the generated WorkflowTemplates, CronWorkflows and ConfigMaps to the cluster',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { ...CLUSTER_OPTIONS, 'dry-run': { type: 'boolean' } } });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const s = openSession(values);
    const dryRun = values['dry-run'] ?? false;
    const results = await install(s, dryRun);
    const suffix = dryRun ? ' (server dry run)' : '';
    for (const r of results) console.log(`${r.kind.toLowerCase()}/${r.name} ${r.outcome}${suffix}`);
    const sa = await s.call(() => resourceVersion(s, objectPath('ServiceAccount', s.namespace, s.config.serviceAccount)), 'ServiceAccount');
    if (sa === undefined)
      console.error(
        `warning: ServiceAccount ${s.config.serviceAccount} does not exist in ${s.namespace}; workflows will not start until it does (helm install the chart charts/openfold-argo)`,
      );
    return 0;
  },
};
