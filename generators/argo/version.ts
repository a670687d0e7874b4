// What the configured Argo version (config `argoVersion`) supports. Each entry names the release that
// introduced the feature, as read in Argo's source at the release tags (git show <tag>:<file>):
// - backoff.cap: pkg/apis/workflow/v1alpha1/workflow_types.go `Backoff.Cap`, absent at v3.6.0, present at v3.7.0
//   (argo-workflows#13782);
// - lastRetry.* in the template (podSpecPatch): workflow/controller/operator.go injects `lastRetry.exitCode`,
//   `.status`, `.duration`, `.message` into the template's local parameters from v3.7.0 (#14450); before, they
//   exist only in retryStrategy.expression;
// - pendingTimeout: `Template.PendingTimeout`, first in v4.1.0 (#12762; absent in every v4.0.x);
// - synchronization.mutexes / semaphores (lists): v3.6.0 (#13358); v4 keeps only these forms.

export const ARGO_FEATURES = {
  synchronizationLists: 'v3.6.0',
  backoffCap: 'v3.7.0',
  lastRetryInTemplate: 'v3.7.0',
  pendingTimeout: 'v4.1.0',
} as const;

export type ArgoFeature = keyof typeof ARGO_FEATURES;

/** Oldest Argo the generated resources run on (the list forms of synchronization). */
export const OLDEST_SUPPORTED_ARGO = ARGO_FEATURES.synchronizationLists;

function parts(version: string): number[] {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) throw new Error(`not an Argo version: ${JSON.stringify(version)} (expected v4.1.2)`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** a >= b for versions such as v4.1.2. */
export function versionAtLeast(a: string, b: string): boolean {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i];
  return true;
}

export function argoHas(argoVersion: string, feature: ArgoFeature): boolean {
  return versionAtLeast(argoVersion, ARGO_FEATURES[feature]);
}
