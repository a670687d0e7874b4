// stop, terminate, resubmit and the pieces retry needs, as Argo's server does them against the Kubernetes API
// (workflow/util/util.go and pod_name.go, v4.0.5): the shutdown merge patch, FormulateResubmitWorkflow (not
// memoized), GeneratePodName, and CompressWorkflowIfNeeded on the way back in. Pure: no I/O.
import { gzipSync } from 'node:zlib';
import { UserError } from '../../common/errors.js';
import { FINAL_PHASES, type Workflow, type WorkflowNode } from './argo.js';
import { overrideParameters } from './retry-workflow.js';

export type ShutdownStrategy = 'Stop' | 'Terminate';

/**
 * The patch Argo's StopWorkflow/TerminateWorkflow send (JSON merge patch): Stop lets the exit handler run,
 * Terminate does not; both stop running pods and start no new ones. A finished workflow is refused.
 */
export function shutdownPatch(wf: Workflow, strategy: ShutdownStrategy, namespace: string): { spec: { shutdown: ShutdownStrategy } } {
  if (FINAL_PHASES.includes(wf.status?.phase ?? ''))
    throw new UserError(`cannot shutdown a completed workflow: workflow: "${wf.metadata.name}", namespace: "${namespace}"`, 1);
  return { spec: { shutdown: strategy } };
}

const DROPPED_ON_RESUBMIT = [
  'workflows.argoproj.io/creator',
  'workflows.argoproj.io/creator-email',
  'workflows.argoproj.io/creator-preferred-username',
  'workflows.argoproj.io/phase',
  'workflows.argoproj.io/completed',
  'workflows.argoproj.io/workflow-archiving-status',
];
export const RESUBMITTED_FROM_LABEL = 'workflows.argoproj.io/resubmitted-from-workflow';

/**
 * FormulateResubmitWorkflow(wf, memoized=false, parameters): a new Workflow (generateName) with the same spec,
 * shutdown and a zero deadline cleared, the user's labels and annotations and owner references kept, and the
 * label naming the workflow it came from.
 */
export function formulateResubmit(wf: Workflow, parameters: { name: string; value: string }[] = []): Workflow {
  const labels = Object.fromEntries(Object.entries(wf.metadata.labels ?? {}).filter(([k]) => !DROPPED_ON_RESUBMIT.includes(k)));
  labels[RESUBMITTED_FROM_LABEL] = wf.metadata.name;
  const spec = structuredClone(wf.spec ?? {});
  if (spec.activeDeadlineSeconds === 0) delete spec.activeDeadlineSeconds;
  delete spec.shutdown;
  const next = {
    apiVersion: wf.apiVersion ?? 'argoproj.io/v1alpha1',
    kind: wf.kind ?? 'Workflow',
    metadata: {
      generateName: wf.metadata.generateName || `${wf.metadata.name}-`,
      labels,
      annotations: { ...wf.metadata.annotations },
      ...(wf.metadata.ownerReferences?.length ? { ownerReferences: structuredClone(wf.metadata.ownerReferences) } : {}),
    },
    spec,
  } as Workflow;
  overrideParameters(next, parameters);
  return next;
}

/** FNV-1a, 32 bit, as Go's hash/fnv New32a. */
export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

// Kubernetes names are at most 253 characters; Argo keeps 10 for the hash.
const MAX_PREFIX_LENGTH = 253 - 10;

/** GeneratePodName: the pod of a node, in the workflow's pod-name format (v2 unless annotated v1). */
export function podNameOf(wf: Workflow, node: WorkflowNode): string {
  const format = wf.metadata.annotations?.['workflows.argoproj.io/pod-name-format'];
  if (format === 'v1') return node.id;
  const nodeName = node.name ?? '';
  if (nodeName === wf.metadata.name) return wf.metadata.name;
  const template = node.templateRef?.template ?? node.templateName ?? '';
  let prefix = template ? `${wf.metadata.name}-${template}` : wf.metadata.name;
  if (prefix.length > MAX_PREFIX_LENGTH - 1) prefix = prefix.slice(0, MAX_PREFIX_LENGTH - 1);
  return `${prefix}-${fnv32a(nodeName)}`;
}

/** Argo's default MAX_WORKFLOW_SIZE: past it the controller and server store the nodes compressed. */
export const MAX_WORKFLOW_SIZE = 1024 * 1024;

/**
 * CompressWorkflowIfNeeded: a workflow whose JSON passes maxSize gets its nodes as compressedNodes; one still
 * too large is refused, as Argo refuses it (it would need node-status offloading, i.e. the Argo server).
 */
export function compressIfNeeded(wf: Workflow, maxSize = MAX_WORKFLOW_SIZE): Workflow {
  if (Buffer.byteLength(JSON.stringify(wf)) <= maxSize) return wf;
  const { nodes, ...status } = wf.status ?? {};
  const packed: Workflow = { ...wf, status: { ...status, compressedNodes: gzipSync(JSON.stringify(nodes ?? {})).toString('base64') } };
  const size = Buffer.byteLength(JSON.stringify(packed));
  if (size > maxSize)
    throw new UserError(
      `workflow ${wf.metadata.name} is longer than maximum allowed size. compressed size ${size} > maxSize ${maxSize}: it needs Argo's node-status offloading (the Argo server)`,
      1,
    );
  return packed;
}
