// What every openfold-argo step template shares: images, the config handed to the step, the shared volume
// (databases read-only where a step only reads them), /tmp, retries and the workflow-level settings.
import type { Config, ImageRef, NodeClass } from '../config/types.js';
import type { Container, Obj, Template, WorkflowSpec } from '../argo/types.js';
import { stepTemplate, type Placement, type StepTemplateProps } from '../argo/container.js';
import { retryStrategy } from '../argo/retry.js';
import { durationSeconds, goDuration } from '../argo/units.js';
import { argoHas } from '../argo/version.js';

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

export function stepRetry(c: Config, finalExitCodes?: readonly number[]) {
  return retryStrategy({ ...c.retries, argoVersion: c.argoVersion }, finalExitCodes);
}

export function deadline(c: Config, step: keyof Config['deadlines']): number {
  return durationSeconds(c.deadlines[step]);
}

/** pendingTimeout of the step templates: Argo >= 4.1 only (older versions refuse the field). */
export function pendingTimeout(c: Config): string | undefined {
  return argoHas(c.argoVersion, 'pendingTimeout') && c.deadlines.pending ? goDuration(c.deadlines.pending) : undefined;
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

export type CliStepProps = Omit<
  StepTemplateProps,
  'image' | 'pullPolicy' | 'command' | 'retry' | 'deadlineSeconds' | 'placement' | 'podLabels' | 'podAnnotations'
> & {
  /** Which of the config's images runs the step. */
  readonly image: ImageName;
  /** Which of the config's deadlines bounds one attempt. */
  readonly deadline: keyof Config['deadlines'];
  /** Key of config.nodeClasses the pod runs on (its placement; its requests must fit). @default config.defaultNodeClass */
  readonly nodeClass?: string;
  /** A step that runs for hours (databases, align, predict): gets podAnnotations.longSteps. @default false */
  readonly long?: boolean;
  /** Exit codes after which the step is not retried. @default [2] (bad input) */
  readonly finalExitCodes?: readonly number[];
};

/** The label naming a template's node class: on the pod, and what the fit check (fit.ts) reads. */
export const NODE_CLASS_LABEL = 'openfold-argo.io/node-class';

const CAPACITY_TYPE_LABELS = [
  { key: 'karpenter.sh/capacity-type', values: { 'on-demand': 'on-demand', spot: 'spot' } },
  { key: 'eks.amazonaws.com/capacityType', values: { 'on-demand': 'ON_DEMAND', spot: 'SPOT' } },
] as const;

/** Placement of a pod of a node class: its selector, tolerations, priority, and capacity type. */
export function classPlacement(cls: NodeClass): Placement {
  const p: Placement = { nodeSelector: cls.nodeSelector, tolerations: cls.tolerations };
  if (cls.priorityClassName) p.priorityClassName = cls.priorityClassName;
  const type = cls.capacityType;
  // Karpenter's nodes carry karpenter.sh/capacity-type, EKS managed node groups eks.amazonaws.com/capacityType:
  // node selector terms are ORed, so either kind of node matches.
  if (type)
    p.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: CAPACITY_TYPE_LABELS.map((l) => ({
            matchExpressions: [{ key: l.key, operator: 'In', values: [l.values[type]] }],
          })),
        },
      },
    };
  return p;
}

export function nodeClassOf(c: Config, name: string): NodeClass {
  const cls = c.nodeClasses[name];
  if (!cls) throw new Error(`node class ${JSON.stringify(name)} is not in nodeClasses (${Object.keys(c.nodeClasses).join(', ')})`);
  return cls;
}

/** A step that runs `openfold-argo <args>` with the config, retries and deadline every step gets. */
export function cliStep(c: Config, p: CliStepProps): Template {
  const className = p.nodeClass ?? c.defaultNodeClass;
  return stepTemplate({
    ...p,
    image: image(c.images[p.image]),
    pullPolicy: c.images.pullPolicy,
    command: [CLI],
    env: [...configEnv(c), ...(p.env ?? [])],
    placement: classPlacement(nodeClassOf(c, className)),
    podLabels: { [NODE_CLASS_LABEL]: className },
    podAnnotations: { ...c.podAnnotations.all, ...(p.long ? c.podAnnotations.longSteps : {}) },
    retry: stepRetry(c, p.finalExitCodes),
    deadlineSeconds: deadline(c, p.deadline),
    pendingTimeout: pendingTimeout(c),
  });
}
