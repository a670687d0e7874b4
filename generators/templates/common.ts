// What every openfold-argo step template shares: images, the config handed to the step, the shared volume
// (databases read-only where a step only reads them), /tmp, retries and the workflow-level settings.
import type { Config, ImageRef } from '../config/types.js';
import type { Container, Obj, Template, WorkflowSpec } from '../argo/types.js';
import { stepTemplate, type StepTemplateProps } from '../argo/container.js';
import { retryStrategy } from '../argo/retry.js';
import { durationSeconds } from '../argo/units.js';

export const CLI = 'openfold-argo';
export const ALIGN_MODES = ['full_dbs', 'mmseqs', 'colabfold_server'] as const;
export const MODELS = ['openfold', 'openfold3'] as const;
export const SEMAPHORE_CONFIGMAP = 'openfold-argo-semaphores';
export const SEMAPHORE_KEYS = { gpu: 'gpu', align: 'align', msaServer: 'msaServer' } as const;

export const TEMPLATE_NAMES = {
  pipeline: 'openfold-pipeline',
  databases: 'openfold-databases',
  align: 'openfold-align',
  predict: 'openfold-predict',
} as const;

export function image(ref: ImageRef): string {
  return ref.digest ? `${ref.repository}@${ref.digest}` : `${ref.repository}:${ref.tag}`;
}

/** The resolved config travels to the step program as JSON in one environment variable. */
export function configEnv(c: Config): { name: string; value: string }[] {
  return [
    { name: 'OPENFOLD_ARGO_CONFIG', value: JSON.stringify(c) },
    { name: 'HOME', value: '/tmp' },
  ];
}

const SHARED = 'shared';

export type DatabaseAccess = 'read-only' | 'read-write' | 'none';

/** The shared RWX claim and a /tmp emptyDir (the root filesystem is read-only); GPU steps add /dev/shm. */
export function stepVolumes(c: Config, shm?: string): Obj[] {
  const v: Obj[] = [
    { name: SHARED, persistentVolumeClaim: { claimName: c.volume.claimName } },
    { name: 'tmp', emptyDir: {} },
  ];
  if (shm) v.push({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: shm } });
  return v;
}

/**
 * Mounts of the shared volume. With read-only database access the databases folder is mounted a second
 * time, read-only, over the read-write mount: a search cannot damage the reference data.
 */
export function stepMounts(c: Config, databases: DatabaseAccess, shm = false): NonNullable<Container['volumeMounts']> {
  const m: NonNullable<Container['volumeMounts']> = [
    { name: SHARED, mountPath: c.volume.mountPath },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  const sub = c.databases.root.slice(c.volume.mountPath.length + 1);
  if (databases === 'read-only' && sub) m.push({ name: SHARED, mountPath: c.databases.root, subPath: sub, readOnly: true });
  if (shm) m.push({ name: 'dshm', mountPath: '/dev/shm' });
  return m;
}

export function stepRetry(c: Config) {
  return retryStrategy(c.retries);
}

export function deadline(c: Config, step: keyof Config['deadlines']): number {
  return durationSeconds(c.deadlines[step]);
}

/** Settings every WorkflowTemplate carries, so each is complete when submitted on its own. */
export function workflowDefaults(c: Config, component: string): WorkflowSpec {
  return {
    serviceAccountName: c.serviceAccount,
    podGC: { strategy: c.podGC.strategy, deleteDelayDuration: c.podGC.deleteDelayDuration },
    ttlStrategy: { ...c.ttl },
    activeDeadlineSeconds: durationSeconds(c.deadlines.workflow),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      // A recursive chown of a multi-terabyte Lustre volume would take hours.
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    },
    podMetadata: { labels: { 'app.kubernetes.io/part-of': 'openfold-argo', 'app.kubernetes.io/component': component } },
    workflowMetadata: { labels: { 'app.kubernetes.io/part-of': 'openfold-argo', 'app.kubernetes.io/component': component } },
  };
}

/** The run directory of a workflow on the shared volume (steps/README.md). */
export function runDir(c: Config): string {
  return `${c.input.runsRoot}/{{workflow.name}}`;
}

export type ImageName = 'tools' | 'msa' | 'openfold' | 'openfold3';

export type CliStepProps = Omit<StepTemplateProps, 'image' | 'pullPolicy' | 'command' | 'retry' | 'deadlineSeconds'> & {
  /** Which of the config's images runs the step. */
  readonly image: ImageName;
  /** Which of the config's deadlines bounds one attempt. */
  readonly deadline: keyof Config['deadlines'];
};

/** A step that runs `openfold-argo <args>` with the config, retries and deadline every step gets. */
export function cliStep(c: Config, p: CliStepProps): Template {
  return stepTemplate({
    ...p,
    image: image(c.images[p.image]),
    pullPolicy: c.images.pullPolicy,
    command: [CLI],
    env: [...configEnv(c), ...(p.env ?? [])],
    retry: stepRetry(c),
    deadlineSeconds: deadline(c, p.deadline),
  });
}
