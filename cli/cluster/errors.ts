// The errors a user meets when talking to a cluster, each as one line that says what to do next.
import { UserError } from '../../common/errors.js';
import { KubeApiError, KubeUnreachableError } from './client.js';

export interface ErrorContext {
  /** The kube context and server, for "cannot reach" messages. */
  context: string;
  server: string;
  namespace: string;
  /** What was being fetched, e.g. `WorkflowTemplate openfold-pipeline`. */
  what?: string;
  /** The command that installs what is missing. */
  installHint?: string;
}

/** A 404 with no object name in its details means the resource type itself is unknown: the CRD is missing. */
export function isMissingResourceType(e: KubeApiError): boolean {
  return e.statusCode === 404 && !e.details?.name;
}

export function explainClusterError(e: unknown, ctx: ErrorContext): Error {
  if (e instanceof KubeUnreachableError)
    return new UserError(
      `cannot reach the Kubernetes API server ${ctx.server} (context ${ctx.context}): ${e.message}; check the cluster is up and your network/VPN`,
      1,
    );
  if (!(e instanceof KubeApiError)) return e as Error;
  const argo = e.path.startsWith('/apis/argoproj.io/');
  if (e.statusCode === 401)
    return new UserError(
      `unauthorized (context ${ctx.context}): the kubeconfig's credentials were refused; refresh them (aws eks update-kubeconfig)`,
      1,
    );
  if (e.statusCode === 403) return new UserError(`forbidden: ${e.message}`, 1);
  if (e.statusCode === 404 && argo && isMissingResourceType(e))
    return new UserError(
      `the Argo Workflows CRDs are not installed in this cluster (context ${ctx.context}): install Argo Workflows first (see docs-cluster.md)`,
      1,
    );
  if (e.statusCode === 404 && ctx.what)
    return new UserError(`${ctx.what} not found in namespace ${ctx.namespace}${ctx.installHint ? `: ${ctx.installHint}` : ''}`, 1);
  return new UserError(`${e.method} ${e.path}: ${e.statusCode} ${e.reason}: ${e.message}`, 1);
}

/** Runs fn and turns cluster errors into one-line UserErrors. */
export async function explained<T>(ctx: ErrorContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw explainClusterError(e, ctx);
  }
}
