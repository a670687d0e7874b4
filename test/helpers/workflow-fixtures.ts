// Workflow objects as Argo's controller writes them (status.nodes with Pod and Retry nodes), for the CLI tests.
import { gzipSync } from 'node:zlib';
import type { KubeObject } from '../doubles/kube-api-double.js';

export function node(id: string, type: string, phase: string, templateScope: string, templateName: string, children?: string[]) {
  return { id, name: `run.${id}`, displayName: id, type, phase, templateScope, templateName, children };
}

export function workflow(name: string, phase: string, nodes: ReturnType<typeof node>[]): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name, namespace: 'openfold', labels: { 'app.kubernetes.io/part-of': 'openfold-argo' } },
    spec: { workflowTemplateRef: { name: 'openfold-pipeline' } },
    status: { phase, startedAt: '2026-01-01T00:00:00Z', nodes: Object.fromEntries(nodes.map((n) => [n.id, n])) },
  };
}

export const splitDone = node('split', 'Pod', 'Succeeded', 'namespaced/openfold-pipeline', 'split');
export const alignRetry = (i: number, phase: string, attempts: string[]) =>
  node(`align-${i}`, 'Retry', phase, 'namespaced/openfold-align', 'align-group', attempts);
export const attempt = (id: string, phase: string) => node(id, 'Pod', phase, 'namespaced/openfold-align', 'align-group');

/** The workflow as Argo stores it past MAX_WORKFLOW_SIZE: status.nodes emptied, compressedNodes = base64(gzip(JSON)). */
export function compressed(wf: KubeObject): KubeObject {
  const status = wf.status as { nodes: Record<string, unknown> };
  const { nodes, ...rest } = status;
  return { ...wf, status: { ...rest, compressedNodes: gzipSync(JSON.stringify(nodes)).toString('base64') } };
}

/** The workflow as Argo stores it with node-status offloading: no nodes at all, a version naming the DB copy. */
export function offloaded(wf: KubeObject, version = 'fnv:1234567890'): KubeObject {
  const { nodes: _nodes, ...rest } = wf.status as { nodes: Record<string, unknown> };
  void _nodes;
  return { ...wf, status: { ...rest, offloadNodeStatusVersion: version } };
}

/** A workflow with n align steps (Retry nodes, each with one Pod attempt) in the given phase. */
export function manyAlignSteps(name: string, phase: string, n: number, stepPhase = 'Succeeded'): KubeObject {
  const nodes = [splitDone];
  for (let i = 0; i < n; i++) nodes.push(alignRetry(i, stepPhase, [`a${i}`]), attempt(`a${i}`, stepPhase));
  return workflow(name, phase, nodes);
}
