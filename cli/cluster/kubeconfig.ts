// Which cluster, user and namespace a command talks to, following kubectl: $KUBECONFIG (a list of files, merged
// by client-go's rules), else ~/.kube/config, else the in-cluster service account; --context picks a context;
// the namespace is --namespace, else the context's namespace, else the config's `namespace`.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
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

/**
 * The kubeconfig files kubectl would read, in precedence order: --kubeconfig alone; else every file of
 * $KUBECONFIG that exists (duplicates dropped, missing ones skipped, as client-go's loading rules do); else
 * ~/.kube/config when it exists; else [] (then in-cluster or an error).
 */
export function kubeconfigFiles(opts: Pick<ClusterOptions, 'kubeconfig' | 'env'>): string[] {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig) return [opts.kubeconfig];
  if (env.KUBECONFIG) return [...new Set(env.KUBECONFIG.split(delimiter))].filter((f) => f && existsSync(f));
  const home = env.HOME ?? homedir();
  const file = join(home, '.kube', 'config');
  return existsSync(file) ? [file] : [];
}

type Named = { name?: unknown } & Record<string, unknown>;
type RawConfig = Record<string, unknown> & { clusters?: Named[]; users?: Named[]; contexts?: Named[]; 'current-context'?: string };

const LISTS = ['clusters', 'users', 'contexts'] as const;

/** Makes a file's relative paths absolute against its folder, as client-go's ResolveLocalPaths does. */
function resolveLocalPaths(config: RawConfig, file: string): void {
  const base = dirname(resolve(file));
  const fix = (o: Record<string, unknown> | undefined, key: string) => {
    const v = o?.[key];
    if (typeof v === 'string' && v !== '' && !isAbsolute(v)) o![key] = join(base, v);
  };
  for (const c of config.clusters ?? []) fix(c.cluster as Record<string, unknown>, 'certificate-authority');
  for (const u of config.users ?? []) {
    const user = u.user as Record<string, unknown> | undefined;
    for (const key of ['client-certificate', 'client-key', 'token-file']) fix(user, key);
    // An exec command is resolved only when it names a path, not a program looked up in PATH.
    const exec = user?.exec as Record<string, unknown> | undefined;
    if (typeof exec?.command === 'string' && exec.command.includes(sep)) fix(exec, 'command');
  }
}

function readKubeconfig(file: string): RawConfig {
  let config: unknown;
  try {
    config = yaml.load(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`cannot read kubeconfig ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (config === undefined || config === null) return {};
  if (typeof config !== 'object' || Array.isArray(config)) throw new UserError(`cannot read kubeconfig ${file}: not a kubeconfig map`);
  const raw = config as RawConfig;
  for (const list of LISTS) {
    const seen = new Set<unknown>();
    for (const entry of raw[list] ?? []) {
      // client-go refuses a file that names one cluster, user or context twice.
      if (seen.has(entry.name)) throw new UserError(`cannot read kubeconfig ${file}: duplicate name "${entry.name}" in ${list}`);
      seen.add(entry.name);
    }
  }
  resolveLocalPaths(raw, file);
  return raw;
}

/**
 * Merges kubeconfig files as kubectl does (client-go's ClientConfigLoadingRules.Load): for clusters, users and
 * contexts the first file that names an entry wins, whole (a later entry of the same name is dropped, even its
 * fields the first one lacks); current-context is the first file's that sets one.
 */
export function mergeKubeconfigs(configs: RawConfig[]): RawConfig {
  const merged: RawConfig = { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] };
  for (const list of LISTS) {
    const names = new Set<unknown>();
    for (const c of configs)
      for (const entry of c[list] ?? []) {
        if (names.has(entry.name)) continue;
        names.add(entry.name);
        merged[list]!.push(entry);
      }
  }
  const current = configs.map((c) => c['current-context']).find((name) => typeof name === 'string' && name !== '');
  if (current) merged['current-context'] = current;
  return merged;
}

export function loadCluster(opts: ClusterOptions): ClusterTarget {
  const env = opts.env ?? process.env;
  const kc = new KubeConfig();
  const files = kubeconfigFiles(opts);
  if (opts.kubeconfig && !existsSync(opts.kubeconfig)) throw new UserError(`kubeconfig ${opts.kubeconfig} not found`);
  if (files.length > 0) {
    const merged = mergeKubeconfigs(files.map(readKubeconfig));
    try {
      kc.loadFromString(yaml.dump(merged));
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
