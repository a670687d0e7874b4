// The options every cluster command shares (kubectl's --kubeconfig, --context, --namespace, plus --config) and
// the session they resolve to: the client, where it points, and the openfold-argo config.
import type { ParseArgsConfig } from 'node:util';
import { loadConfig } from '../../generators/config/load.js';
import type { Config } from '../../generators/config/types.js';
import { KubeClient } from './client.js';
import { explainClusterError, explained, type ErrorContext } from './errors.js';
import { loadCluster } from './kubeconfig.js';

export const CLUSTER_OPTIONS = {
  config: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const CLUSTER_HELP = `cluster options (as kubectl):
  --kubeconfig FILE     default: $KUBECONFIG, then ~/.kube/config, then the in-cluster service account
  --context NAME        default: the kubeconfig's current-context
  -n, --namespace NS    default: the context's namespace, then the config's \`namespace\`
  --config FILE         openfold-argo.yaml (default: the EKS + FSx example)`;

export interface SessionFlags {
  config?: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface Session {
  client: KubeClient;
  config: Config;
  namespace: string;
  context: string;
  server: string;
  /** Runs fn, turning cluster errors into one clear line (what names the object being fetched). */
  call<T>(fn: () => Promise<T>, what?: string, installHint?: string): Promise<T>;
  /** The one-line error for a cluster error caught elsewhere. */
  explain(e: unknown, what?: string): Error;
}

export function openSession(flags: SessionFlags, env: NodeJS.ProcessEnv = process.env): Session {
  const config = loadConfig({ file: flags.config, env });
  const target = loadCluster({ ...flags, fallbackNamespace: config.namespace, env });
  const client = new KubeClient(target.kc, target.server);
  const base: ErrorContext = { context: target.context, server: target.server, namespace: target.namespace };
  return {
    client,
    config,
    namespace: target.namespace,
    context: target.context,
    server: target.server,
    call: (fn, what, installHint) => explained({ ...base, what, installHint }, fn),
    explain: (e, what) => explainClusterError(e, { ...base, what }),
  };
}
