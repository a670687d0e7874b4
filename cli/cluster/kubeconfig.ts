// Which cluster, user and namespace a command talks to, following kubectl: $KUBECONFIG (a list of files), else
// ~/.kube/config, else the in-cluster service account; --context picks a context; the namespace is
// --namespace, else the context's namespace, else the config's `namespace`.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { UserError } from '../../common/errors.js';

export interface ClusterOptions {
  /** A kubeconfig file (like kubectl --kubeconfig); wins over $KUBECONFIG. */
  kubeconfig?: string;
  /** Context to use instead of the kubeconfig's current-context. */
  context?: string;
  /** Namespace; @default the context's namespace, then `fallbackNamespace`. */
  namespace?: string;
  /** Namespace when neither the flag nor the context names one (the config's `namespace`). */
  fallbackNamespace: string;
  env?: NodeJS.ProcessEnv;
}

export interface ClusterTarget {
  kc: KubeConfig;
  context: string;
  server: string;
  namespace: string;
}

const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** The kubeconfig files kubectl would read, or [] when there are none (then in-cluster or an error). */
export function kubeconfigFiles(opts: Pick<ClusterOptions, 'kubeconfig' | 'env'>): string[] {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig) return [opts.kubeconfig];
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter((f) => f && existsSync(f));
  const home = env.HOME ?? homedir();
  const file = join(home, '.kube', 'config');
  return existsSync(file) ? [file] : [];
}

export function loadCluster(opts: ClusterOptions): ClusterTarget {
  const env = opts.env ?? process.env;
  const kc = new KubeConfig();
  const files = kubeconfigFiles(opts);
  if (opts.kubeconfig && !existsSync(opts.kubeconfig)) throw new UserError(`kubeconfig ${opts.kubeconfig} not found`);
  if (files.length > 0) {
    try {
      kc.loadFromFile(files[0]);
      for (const f of files.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(f);
        kc.mergeConfig(more);
      }
    } catch (e) {
      throw new UserError(`cannot read kubeconfig ${files.join(delimiter)}: ${(e as Error).message}`);
    }
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(IN_CLUSTER_TOKEN)) {
    kc.loadFromCluster();
  } else {
    throw new UserError(
      'no kubeconfig: set KUBECONFIG or create ~/.kube/config (on EKS: aws eks update-kubeconfig --name CLUSTER), or pass --kubeconfig FILE',
    );
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context))
      throw new UserError(
        `context "${opts.context}" not found in the kubeconfig (have: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        })`,
      );
    kc.setCurrentContext(opts.context);
  }
  const context = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  if (!context || !cluster)
    throw new UserError('the kubeconfig has no current context: pass --context NAME or run `kubectl config use-context NAME`');
  const namespace = opts.namespace || kc.getContextObject(context)?.namespace || opts.fallbackNamespace;
  return { kc, context, server: cluster.server, namespace };
}
