// Where a Workflow's node tree is. Argo keeps it in status.nodes until the object would pass
// MAX_WORKFLOW_SIZE (1 MiB by default; a few hundred targets of this pipeline): then status.nodes is emptied and
// status.compressedNodes holds base64 (standard alphabet, padded) of gzip of the JSON nodes map
// (workflow/packer compressWorkflow -> util/file CompressEncodeString, v3.6 to v4). With node-status offloading
// on, both are empty and status.offloadNodeStatusVersion names the copy in Argo's database, which only the
// Argo server reads. Pure functions; the commands decide what to print.
import { gunzipSync } from 'node:zlib';
import { UserError } from '../../common/errors.js';
import type { Workflow, WorkflowNode } from './argo.js';

export type NodeSource = 'nodes' | 'compressed' | 'offloaded' | 'none';

export interface NodeTree {
  nodes: Record<string, WorkflowNode>;
  source: NodeSource;
}

// One decoded tree per workflow object: progress, failed steps and the pod lookup all read it.
const decoded = new WeakMap<Workflow, NodeTree>();

/** Decodes status.compressedNodes (base64 of gzip of JSON) into the nodes map; one-line error when it is not. */
export function decompressNodes(compressed: string, workflowName: string): Record<string, WorkflowNode> {
  try {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compressed)) throw new Error('not base64');
    const nodes = JSON.parse(gunzipSync(Buffer.from(compressed, 'base64')).toString('utf8')) as unknown;
    if (!nodes || typeof nodes !== 'object' || Array.isArray(nodes)) throw new Error('not a JSON object of nodes');
    return nodes as Record<string, WorkflowNode>;
  } catch (e) {
    throw new UserError(
      `workflow ${workflowName}: status.compressedNodes is not base64 of gzip of the JSON nodes (${(e as Error).message})`,
      1,
    );
  }
}

/** The node tree of a workflow, wherever Argo keeps it (nodes, compressedNodes), and where that was. */
export function nodeTree(wf: Workflow): NodeTree {
  const cached = decoded.get(wf);
  if (cached) return cached;
  const st = wf.status ?? {};
  let tree: NodeTree;
  if (st.nodes && Object.keys(st.nodes).length > 0) tree = { nodes: st.nodes, source: 'nodes' };
  else if (st.compressedNodes) tree = { nodes: decompressNodes(st.compressedNodes, wf.metadata.name), source: 'compressed' };
  else if (st.offloadNodeStatusVersion) tree = { nodes: {}, source: 'offloaded' };
  else tree = { nodes: {}, source: 'none' };
  decoded.set(wf, tree);
  return tree;
}

export function isOffloaded(wf: Workflow): boolean {
  return nodeTree(wf).source === 'offloaded';
}

/** The one line that says where an offloaded node status can be read. */
export function offloadedHint(wf: Workflow, namespace: string): string {
  const name = wf.metadata.name;
  return (
    `workflow ${name}: its node status is offloaded to Argo's database (status.offloadNodeStatusVersion ` +
    `${wf.status?.offloadNodeStatusVersion}), which only the Argo server reads: per-step progress with \`argo get ${name} -n ${namespace}\` or the Argo UI`
  );
}

/** The workflow as Argo's server returns it: nodes in status.nodes, compressedNodes dropped (offloaded: unchanged). */
export function hydrated(wf: Workflow): Workflow {
  const tree = nodeTree(wf);
  if (tree.source !== 'compressed') return wf;
  const { compressedNodes: _dropped, ...status } = wf.status ?? {};
  void _dropped;
  return { ...wf, status: { ...status, nodes: tree.nodes } };
}
