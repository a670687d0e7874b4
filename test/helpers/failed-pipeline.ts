// A Failed run of the pipeline as Argo's controller records it: the root DAG, split, the chunk fan-out
// (TaskGroup) with one chunk that succeeded and one whose align step failed twice (Retry node with two
// failed attempts), boundaries and node flags as Argo sets them.
import type { KubeObject } from '../doubles/kube-api-double.js';

export const FAILED_RUN = 'run-f';

interface N {
  id: string;
  name: string;
  displayName: string;
  type: string;
  phase: string;
  templateName?: string;
  boundaryID?: string;
  children?: string[];
  message?: string;
  nodeFlag?: { retried: boolean };
  startedAt: string;
  finishedAt: string;
}

const at = { startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T01:00:00Z' };
const n = (id: string, type: string, phase: string, extra: Partial<N> = {}): N => ({
  id: id === 'root' ? FAILED_RUN : `${FAILED_RUN}-${id}`,
  name: id === 'root' ? FAILED_RUN : `${FAILED_RUN}.${extra.displayName ?? id}`,
  displayName: id,
  type,
  phase,
  ...at,
  ...extra,
});
const ref = (id: string) => (id === 'root' ? FAILED_RUN : `${FAILED_RUN}-${id}`);

export function failedPipelineNodes(): Record<string, N> {
  const list = [
    n('root', 'DAG', 'Failed', { templateName: 'main', children: [ref('split')] }),
    n('split', 'Pod', 'Succeeded', { templateName: 'split', boundaryID: ref('root'), children: [ref('chunk')] }),
    n('chunk', 'TaskGroup', 'Failed', { templateName: 'process-chunk', boundaryID: ref('root'), children: [ref('c0'), ref('c1')] }),
    n('c0', 'DAG', 'Succeeded', { templateName: 'process-chunk', boundaryID: ref('root'), children: [ref('c0-align')] }),
    n('c0-align', 'Retry', 'Succeeded', { templateName: 'align-group', boundaryID: ref('c0'), children: [ref('c0-align-0')] }),
    n('c0-align-0', 'Pod', 'Succeeded', { templateName: 'align-group', boundaryID: ref('c0'), children: [ref('c0-predict')] }),
    n('c0-predict', 'Retry', 'Succeeded', { templateName: 'predict-chunk', boundaryID: ref('c0'), children: [ref('c0-predict-0')] }),
    n('c0-predict-0', 'Pod', 'Succeeded', { templateName: 'predict-chunk', boundaryID: ref('c0') }),
    n('c1', 'DAG', 'Failed', { templateName: 'process-chunk', boundaryID: ref('root'), children: [ref('c1-align')] }),
    n('c1-align', 'Retry', 'Failed', {
      templateName: 'align-group',
      boundaryID: ref('c1'),
      children: [ref('c1-align-0'), ref('c1-align-1')],
      message: 'No more retries left',
    }),
    n('c1-align-0', 'Pod', 'Failed', {
      templateName: 'align-group',
      boundaryID: ref('c1'),
      nodeFlag: { retried: true },
      message: 'OOMKilled',
    }),
    n('c1-align-1', 'Pod', 'Failed', {
      templateName: 'align-group',
      boundaryID: ref('c1'),
      nodeFlag: { retried: true },
      message: 'OOMKilled',
    }),
  ];
  return Object.fromEntries(list.map((x) => [x.id, x]));
}

export function failedPipeline(): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: {
      name: FAILED_RUN,
      namespace: 'openfold',
      generateName: 'openfold-pipeline-',
      labels: {
        'app.kubernetes.io/part-of': 'openfold-argo',
        'workflows.argoproj.io/completed': 'true',
        'workflows.argoproj.io/phase': 'Failed',
        'workflows.argoproj.io/creator': 'someone',
        'workflows.argoproj.io/workflow-template': 'openfold-pipeline',
      },
      annotations: { 'workflows.argoproj.io/pod-name-format': 'v2' },
    },
    spec: {
      workflowTemplateRef: { name: 'openfold-pipeline' },
      arguments: { parameters: [{ name: 'input-fasta', value: '/fsx/in.fasta' }] },
      activeDeadlineSeconds: 0,
      shutdown: 'Terminate',
    },
    status: {
      phase: 'Failed',
      message: 'child failed',
      startedAt: at.startedAt,
      finishedAt: at.finishedAt,
      conditions: [
        { type: 'PodRunning', status: 'False' },
        { type: 'Completed', status: 'True' },
      ],
      storedWorkflowSpec: {
        arguments: {
          parameters: [
            { name: 'input-fasta', value: '/fsx/in.fasta' },
            { name: 'align-mode', value: 'full_dbs' },
          ],
        },
      },
      nodes: failedPipelineNodes(),
    },
  };
}
