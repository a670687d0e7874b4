// A container template for one step program: image, argv (never a shell string), resources, placement,
// deadline, retries, security context and metrics, assembled in one place.
import type { Container, Obj, Parameter, PrometheusMetric, RetryStrategy, Synchronization, Template } from './types.js';
import { stepMetrics } from './metrics.js';
import { labels } from './metadata.js';

export interface Placement {
  nodeSelector: Record<string, string>;
  tolerations: Obj[] | readonly object[];
  /** @default none */
  affinity?: Obj;
  /** @default none */
  priorityClassName?: string;
}

export interface Resources {
  cpu: string | number;
  memory: string;
  gpu?: { resource: string; count: number };
}

export interface StepTemplateProps {
  readonly name: string;
  /** Step name for metrics and labels (databases, split, align, predict, collect). */
  readonly step: string;
  readonly image: string;
  readonly pullPolicy: string;
  /** The program and its arguments; parameters are separate argv elements, never spliced into a script. */
  readonly command: string[];
  readonly args: string[];
  readonly inputs?: Parameter[];
  readonly outputs?: Parameter[];
  readonly env?: { name: string; value: string }[];
  readonly resources: Resources;
  readonly placement: Placement;
  /** Labels and annotations of the pod (template metadata). @default none */
  readonly podLabels?: Record<string, string>;
  readonly podAnnotations?: Record<string, string>;
  readonly deadlineSeconds: number;
  /** How long a pod may stay Pending (unschedulable) before the node fails: Argo >= 4.1 `pendingTimeout`. @default none */
  readonly pendingTimeout?: string;
  readonly retry: RetryStrategy;
  readonly volumes: Obj[];
  readonly volumeMounts: NonNullable<Container['volumeMounts']>;
  /** @default none */
  readonly podSpecPatch?: string;
  /** @default none */
  readonly synchronization?: Synchronization;
  /** Metrics beyond the duration and outcome every step emits. @default none */
  readonly extraMetrics?: PrometheusMetric[];
}

/** Non-root, no privilege escalation, no capabilities, read-only root filesystem (writes go to /tmp or the volume). */
export const CONTAINER_SECURITY: Obj = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

export function resourceBlock(r: Resources): Container['resources'] {
  const both: Record<string, string | number> = { cpu: r.cpu, memory: r.memory };
  if (r.gpu) both[r.gpu.resource] = r.gpu.count;
  return { requests: { ...both }, limits: { ...both } };
}

export function stepTemplate(p: StepTemplateProps): Template {
  const t: Template = {
    name: p.name,
    metadata: {
      labels: { 'app.kubernetes.io/component': p.step, 'openfold-argo.io/step': p.step, ...p.podLabels },
      ...(p.podAnnotations && Object.keys(p.podAnnotations).length ? { annotations: p.podAnnotations } : {}),
    },
  };
  if (p.inputs?.length) t.inputs = { parameters: p.inputs };
  if (p.outputs?.length) t.outputs = { parameters: p.outputs };
  t.container = {
    image: p.image,
    imagePullPolicy: p.pullPolicy,
    command: p.command,
    args: p.args,
    ...(p.env?.length ? { env: p.env } : {}),
    resources: resourceBlock(p.resources),
    volumeMounts: p.volumeMounts,
    securityContext: CONTAINER_SECURITY,
  };
  t.volumes = p.volumes;
  if (Object.keys(p.placement.nodeSelector).length) t.nodeSelector = p.placement.nodeSelector;
  if (p.placement.tolerations.length) t.tolerations = p.placement.tolerations as Obj[];
  if (p.placement.affinity) t.affinity = p.placement.affinity;
  if (p.placement.priorityClassName) t.priorityClassName = p.placement.priorityClassName;
  t.retryStrategy = p.retry;
  t.activeDeadlineSeconds = p.deadlineSeconds;
  if (p.pendingTimeout) t.pendingTimeout = p.pendingTimeout;
  if (p.podSpecPatch) t.podSpecPatch = p.podSpecPatch;
  if (p.synchronization) t.synchronization = p.synchronization;
  t.metrics = { prometheus: [...stepMetrics(p.step).prometheus, ...(p.extraMetrics ?? [])] };
  return t;
}

export { labels };
