// The subset of Argo Workflows' API that openfold-argo emits, typed for the compiler. The linter checks the
// rendered output against Argo's own schema and rules; these types only keep the builders honest.

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Obj = { [key: string]: Json | undefined };

export interface Parameter {
  name: string;
  value?: string;
  default?: string;
  enum?: string[];
  description?: string;
  valueFrom?: { path?: string; default?: string; expression?: string };
  globalName?: string;
}

export interface Arguments {
  parameters?: Parameter[];
}

export interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RetryStrategy {
  limit: number;
  retryPolicy: 'Always' | 'OnFailure' | 'OnError' | 'OnTransientError';
  expression?: string;
  /** No maxDuration: see retry.ts. `cap` (Argo >= 3.7) is the longest delay. */
  backoff?: { duration: string; factor: number; cap?: string };
}

/** Argo >= 3.6 lists (v4 has only these forms). A mutex name may use the template's inputs. */
export interface Synchronization {
  semaphores?: { configMapKeyRef: { name: string; key: string } }[];
  mutexes?: { name: string }[];
}

export interface PrometheusMetric {
  name: string;
  help: string;
  labels?: { key: string; value: string }[];
  when?: string;
  gauge?: { value: string; realtime: boolean };
  counter?: { value: string };
  histogram?: { value: string; buckets: number[] };
}

export interface Container {
  image: string;
  imagePullPolicy?: string;
  command: string[];
  args: string[];
  env?: { name: string; value: string }[];
  resources: { requests: Record<string, string | number>; limits: Record<string, string | number> };
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  securityContext?: Obj;
}

export interface DagTask {
  name: string;
  template?: string;
  templateRef?: { name: string; template: string };
  arguments?: Arguments;
  depends?: string;
  when?: string;
  withParam?: string;
  withSequence?: { start: string; end: string };
  continueOn?: { failed?: boolean; error?: boolean };
}

export interface Template {
  name: string;
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  inputs?: { parameters: Parameter[] };
  outputs?: { parameters: Parameter[] };
  container?: Container;
  dag?: { tasks: DagTask[]; failFast?: boolean };
  volumes?: Obj[];
  nodeSelector?: Record<string, string>;
  tolerations?: Obj[];
  affinity?: Obj;
  priorityClassName?: string;
  retryStrategy?: RetryStrategy;
  activeDeadlineSeconds?: number;
  /** Argo >= 4.1: fail the node when its pod stays Pending this long (a Go duration). */
  pendingTimeout?: string;
  podSpecPatch?: string;
  synchronization?: Synchronization;
  metrics?: { prometheus: PrometheusMetric[] };
  securityContext?: Obj;
}

export interface WorkflowSpec {
  entrypoint?: string;
  arguments?: Arguments;
  serviceAccountName?: string;
  templates?: Template[];
  podGC?: { strategy: string; deleteDelayDuration?: string };
  ttlStrategy?: { secondsAfterCompletion: number; secondsAfterSuccess: number; secondsAfterFailure: number };
  activeDeadlineSeconds?: number;
  securityContext?: Obj;
  podMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  workflowMetadata?: { labels?: Record<string, string> };
  workflowTemplateRef?: { name: string };
  metrics?: { prometheus: PrometheusMetric[] };
}

export interface WorkflowTemplate {
  apiVersion: 'argoproj.io/v1alpha1';
  kind: 'WorkflowTemplate';
  metadata: Metadata;
  spec: WorkflowSpec;
}

export interface CronWorkflow {
  apiVersion: 'argoproj.io/v1alpha1';
  kind: 'CronWorkflow';
  metadata: Metadata;
  spec: {
    schedules: string[];
    timezone: string;
    suspend: boolean;
    concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace';
    startingDeadlineSeconds?: number;
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
    workflowMetadata?: { labels?: Record<string, string> };
    workflowSpec: WorkflowSpec;
  };
}

export interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: Metadata;
  data: Record<string, string>;
}

export type Resource = WorkflowTemplate | CronWorkflow | ConfigMap;
