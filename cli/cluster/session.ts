// The options every cluster command shares (kubectl's --kubeconfig, --context, --namespace, plus --config) and
// the session they resolve to: the client, where it points, and the openfold-argo config.
import type { ParseArgsConfig } from 'node:util';
import { loadConfig } from '../../generators/config/load.js';
import type { Config } from '../../generators/config/types.js';
import { DEFAULT_BACKOFF, formatDuration, parseDuration, type BackoffPolicy } from './backoff.js';
import { KubeClient } from './client.js';
import { explainClusterError, explained, type ErrorContext } from './errors.js';
import { loadCluster } from './kubeconfig.js';
import { UserError } from '../../common/errors.js';

export const CLUSTER_OPTIONS = {
  config: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  'request-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** The options of the commands that follow a workflow (watch, submit --watch). */
export const WATCH_OPTIONS = {
  'give-up-after': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export const WATCH_HELP = `  --give-up-after DURATION   keep retrying the API server through errors (reset, timeout, 429, 5xx, a
                             cut stream) for this long before giving up (default ${formatDuration(DEFAULT_BACKOFF.giveUpAfterMs)}; e.g. 30m, 2h)`;

/** The backoff policy of --give-up-after. */
export function watchBackoff(flags: { 'give-up-after'?: string }): BackoffPolicy {
  const giveUp = flags['give-up-after'];
  return { ...DEFAULT_BACKOFF, ...(giveUp !== undefined ? { giveUpAfterMs: parseDuration(giveUp, '--give-up-after') } : {}) };
}

export const CLUSTER_HELP = `cluster options (as kubectl):
  --kubeconfig FILE     default: $KUBECONFIG, then ~/.kube/config, then the in-cluster service account
  --context NAME        default: the kubeconfig's current-context
  -n, --namespace NS    default: the context's namespace, then the config's \`namespace\`
  --request-timeout D   idle timeout of one API request (default 30s; e.g. 10s, 2m)
  --config FILE         openfold-argo.yaml (default: the EKS + FSx example)`;

export interface SessionFlags {
  config?: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  'request-timeout'?: string;
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
  const timeout = flags['request-timeout'];
  const client = new KubeClient(target.kc, target.server, timeout ? parseDuration(timeout, '--request-timeout') : undefined);
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

/** The workflow NAME arguments of a command: exactly one, or (many) one or more. */
export function workflowNames(positionals: string[], many = false): string[] {
  if (positionals.length === 0 || (!many && positionals.length > 1))
    throw new UserError(`expected ${many ? 'one or more workflow NAMEs' : 'one workflow NAME'} (see \`openfold-argo list\`)`);
  return positionals;
}
