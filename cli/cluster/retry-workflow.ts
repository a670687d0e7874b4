// `retry` as Argo's server does it without an argo-server: a port of FormulateRetryWorkflow (workflow/util/util.go,
// v4.0.5; the same logic since v3.5) for its default options (no --restart-successful, no node selector).
// The failed execution nodes (and their subtrees) are deleted, the nodes above them on the path to the root
// (Retry, StepGroup/TaskGroup, Steps/DAG boundaries) are reset to Running, everything else is kept; the
// workflow's phase, message, finish time and shutdown are cleared and its completed label dropped, so the
// controller picks it up again and re-runs only what failed. The caller deletes the returned pods, then
// replaces the Workflow (PUT). Pure: no I/O.
import { UserError } from '../../common/errors.js';
import type { Parameter, Workflow, WorkflowNode } from './argo.js';
import { nodeTree } from './nodes.js';

type Nodes = Record<string, WorkflowNode>;

interface DagNode {
  n: WorkflowNode;
  parent?: DagNode;
  children: DagNode[];
}

const failedOrError = (n: WorkflowNode) => n.phase === 'Failed' || n.phase === 'Error';
const isGroupNodeType = (t: string) => ['DAG', 'TaskGroup', 'StepGroup', 'Steps'].includes(t);
const isExecutionNodeType = (t: string) => ['Container', 'Pod', 'HTTP', 'Plugin'].includes(t);

/** Argo's overrideParameters: the given ones first, then those of the spec that were not given. */
export function overrideParameters(wf: Workflow, parameters: { name: string; value: string }[]): void {
  if (!parameters.length) return;
  const given = new Set(parameters.map((p) => p.name));
  const next: Parameter[] = [...parameters, ...(wf.spec?.arguments?.parameters ?? []).filter((p) => !given.has(p.name))];
  wf.spec = { ...wf.spec, arguments: { ...wf.spec?.arguments, parameters: next } };
  if (wf.status?.storedWorkflowSpec)
    wf.status.storedWorkflowSpec = {
      ...wf.status.storedWorkflowSpec,
      arguments: { ...wf.status.storedWorkflowSpec.arguments, parameters: structuredClone(next) },
    };
}

function isDescendantNodeSucceeded(nodes: Nodes, node: WorkflowNode, reset: Set<string>): boolean {
  for (const child of node.children ?? []) {
    const c = nodes[child];
    if (!c) continue;
    if ((!reset.has(child) && c.phase === 'Succeeded') || isDescendantNodeSucceeded(nodes, c, reset)) return true;
  }
  return false;
}

function newWorkflowsDag(wf: Workflow, nodes: Nodes): Map<string, DagNode> {
  const dag = new Map<string, DagNode>();
  const parents = new Map<string, WorkflowNode>();
  for (const n of Object.values(nodes)) {
    dag.set(n.id, { n, children: [] });
    for (const child of n.children ?? []) parents.set(child, n);
  }
  for (const n of Object.values(nodes)) {
    const parent = parents.get(n.id);
    if (!parent && n.name !== wf.metadata.name && !(n.name ?? '').startsWith(`${wf.metadata.name}.onExit`))
      throw new UserError(`cannot retry workflow ${wf.metadata.name}: node ${n.id} has no parent in status.nodes`, 1);
    const d = dag.get(n.id)!;
    d.parent = parent ? dag.get(parent.id) : undefined;
    d.children = (n.children ?? []).map((id) => {
      const c = dag.get(id);
      if (!c) throw new UserError(`cannot retry workflow ${wf.metadata.name}: child ${id} of node ${n.id} is not in status.nodes`, 1);
      return c;
    });
  }
  return dag;
}

/** Breadth-first from the root node (the one named as the workflow); exit-handler nodes are left out. */
function dagSortedNodes(dag: Map<string, DagNode>, rootName: string): DagNode[] {
  const root = [...dag.values()].find((d) => d.n.name === rootName);
  if (!root) throw new UserError(`cannot retry workflow ${rootName}: no root node in status.nodes`, 1);
  const sorted: DagNode[] = [];
  const visited = new Set([root.n.id]);
  const queue = [root];
  while (queue.length) {
    const curr = queue.shift()!;
    sorted.push(curr);
    for (const child of curr.children) {
      if (visited.has(child.n.id)) continue;
      visited.add(child.n.id);
      queue.push(child);
    }
  }
  return sorted;
}

function descendants(n: DagNode): Set<string> {
  const out = new Set<string>();
  const queue = [n];
  while (queue.length) {
    const curr = queue.shift()!;
    for (const c of curr.children) {
      out.add(c.n.id);
      queue.push(c);
    }
  }
  return out;
}

/** The path from the root to toNode, root first. */
function singularPath(nodes: DagNode[], toNode: string): DagNode[] {
  let root: DagNode | undefined;
  let leaf: DagNode | undefined;
  for (const n of nodes) {
    if (n.n.id === toNode) leaf = n;
    if (!n.parent) root = n;
  }
  if (!root || !leaf) throw new UserError(`cannot retry: node ${toNode} is not reachable from the root`, 1);
  const path: DagNode[] = [];
  for (let curr: DagNode | undefined = leaf; ; curr = curr.parent) {
    if (!curr) throw new UserError(`cannot retry: node ${toNode} has a broken parent chain`, 1);
    path.push(curr);
    if (curr.n.id === root.n.id) break;
  }
  return path.reverse();
}

/** Walks up from n to the first node that matches, resets it and returns it. */
function resetUntil(n: DagNode, match: (d: DagNode) => boolean, reset: (id: string) => void): DagNode {
  for (let curr: DagNode | undefined = n; curr; curr = curr.parent) {
    if (match(curr)) {
      reset(curr.n.id);
      return curr;
    }
  }
  throw new UserError('cannot retry: ran out of nodes while looking for a boundary', 1);
}

function resetBoundaries(n: DagNode, reset: (id: string) => void): DagNode | undefined {
  let curr: DagNode | undefined = n;
  for (;;) {
    if (!curr) return curr;
    if (curr.parent?.n.type === 'Retry') {
      reset(curr.parent.n.id);
      curr = curr.parent;
    }
    if (curr.parent?.n.type === 'StepGroup') reset(curr.parent.n.id);
    if (curr.parent?.n.type === 'TaskGroup') reset(curr.parent.n.id);
    const boundary = curr.n.boundaryID;
    if (!boundary) return curr.parent;
    curr = resetUntil(curr, (d) => d.n.id === boundary, reset);
  }
}

function resetPath(all: DagNode[], startNode: string): { reset: Set<string>; remove: Set<string> } {
  const path = singularPath(all, startNode);
  let curr: DagNode | undefined = path.pop()!;
  const remove = descendants(curr);
  remove.add(curr.n.id);
  const reset = new Set<string>();
  if (path.length === 0) return { reset, remove };
  const addReset = (id: string) => reset.add(id);
  while (curr) {
    if (isGroupNodeType(curr.n.type)) {
      addReset(curr.n.id);
      curr = resetBoundaries(curr, addReset);
      continue;
    }
    if (curr.n.type === 'Retry' && failedOrError(curr.n)) addReset(curr.n.id);
    else if (curr.n.type === 'Container') {
      const pod = resetUntil(curr, (d) => d.n.type === 'Pod', addReset);
      remove.add(pod.n.id);
      for (const id of descendants(pod)) remove.add(id);
      curr = pod;
      continue;
    }
    curr = curr.parent;
  }
  return { reset, remove };
}

/** Argo's resetNode: back to Running (Skipped stays Skipped), message cleared, started now, not finished. */
function resetNode(node: WorkflowNode, now: string): WorkflowNode {
  const n = structuredClone(node);
  if (n.type === 'Suspend' && n.outputs?.parameters)
    n.outputs.parameters = n.outputs.parameters.map((p) => ({ name: p.name, valueFrom: { supplied: {} } }));
  n.phase = n.phase === 'Skipped' ? 'Skipped' : 'Running';
  delete n.message;
  n.startedAt = now;
  delete n.finishedAt;
  return n;
}

/** createNewRetryWorkflow: the workflow with its completion undone and no nodes yet. */
function newRetryWorkflow(wf: Workflow, parameters: { name: string; value: string }[], now: string): Workflow {
  const next = structuredClone(wf);
  const labels = { ...next.metadata.labels };
  delete labels['workflows.argoproj.io/completed'];
  delete labels['workflows.argoproj.io/workflow-archiving-status'];
  next.metadata.labels = labels;
  const status = { ...next.status };
  delete status.compressedNodes;
  const conditions = (status.conditions ?? []).filter((c) => c.type !== 'Completed');
  status.conditions = [...conditions, { type: 'Completed', status: 'False' }];
  delete status.phase;
  delete status.message;
  delete status.finishedAt;
  status.nodes = {};
  status.startedAt = now;
  if (status.storedWorkflowSpec) status.storedWorkflowSpec = { ...status.storedWorkflowSpec, shutdown: undefined };
  status.persistentVolumeClaims = [];
  next.status = status;
  const spec = { ...next.spec };
  delete spec.shutdown;
  if (spec.activeDeadlineSeconds === 0) delete spec.activeDeadlineSeconds; // a terminated workflow's deadline
  next.spec = spec;
  overrideParameters(next, parameters);
  return next;
}

export interface RetryPlan {
  workflow: Workflow;
  /** Node ids of the Pod nodes whose pods must be deleted (and of the exit handler's nodes). */
  podNodes: WorkflowNode[];
  reset: string[];
  deleted: string[];
}

/** FormulateRetryWorkflow(wf, restartSuccessful=false, nodeFieldSelector="", parameters). */
export function formulateRetry(wf: Workflow, parameters: { name: string; value: string }[] = [], now = new Date()): RetryPlan {
  const name = wf.metadata.name;
  const phase = wf.status?.phase ?? '';
  if (phase === 'Succeeded')
    throw new UserError(
      `workflow ${name} Succeeded: Argo retries a succeeded workflow only with restartSuccessful and a node field selector, which this CLI does not offer (use \`argo retry --restart-successful --node-field-selector ...\`)`,
    );
  if (phase !== 'Failed' && phase !== 'Error')
    throw new UserError(`cannot retry workflow ${name} in phase ${phase || 'Pending'}: only a Failed or Error one`);
  const tree = nodeTree(wf);
  if (tree.source === 'offloaded')
    throw new UserError(
      `cannot retry workflow ${name} here: its node status is offloaded to Argo's database; use \`argo retry ${name}\` (the Argo server reads it)`,
      1,
    );
  const nodes = tree.nodes;
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const next = newRetryWorkflow(wf, parameters, stamp);
  const nextNodes: Nodes = {};
  const deleteNodes = new Set<string>();
  for (const [id, node] of Object.entries(nodes)) {
    if (!failedOrError(node) || !isExecutionNodeType(node.type)) continue;
    const owner = node.nodeFlag?.retried
      ? (Object.values(nodes).find((n) => n.type === 'Retry' && (n.children ?? []).includes(id)) ?? node)
      : node;
    if (!isDescendantNodeSucceeded(nodes, owner, new Set())) deleteNodes.add(id);
  }
  const dag = newWorkflowsDag(wf, nodes);
  const sorted = dagSortedNodes(dag, name);
  const toReset = new Set<string>();
  const toDelete = new Set<string>();
  for (const d of sorted.filter((d) => deleteNodes.has(d.n.id))) {
    if (toDelete.has(d.n.id)) continue;
    const { reset, remove } = resetPath(sorted, d.n.id);
    for (const id of reset) toReset.add(id);
    for (const id of remove) toDelete.add(id);
  }
  // With new parameter values, a reset StepGroup/TaskGroup loses its children so the controller expands them again.
  if (parameters.length)
    for (const id of toReset) {
      const n = nodes[id];
      if (toDelete.has(id) || !n || (n.type !== 'TaskGroup' && n.type !== 'StepGroup')) continue;
      for (const child of descendants(dag.get(id)!)) toDelete.add(child);
    }
  for (const id of toReset) if (!toDelete.has(id)) nextNodes[id] = resetNode(nodes[id], stamp);
  const podNodes = [...toDelete].map((id) => nodes[id]).filter((n) => n?.type === 'Pod');
  const onExit = `${name}.onExit`;
  for (const [id, n] of Object.entries(nodes)) {
    const remove = toDelete.has(id) || (n.name ?? '').startsWith(onExit);
    if (!(id in nextNodes) && !remove) nextNodes[id] = structuredClone(n);
    if (n.name === onExit) {
      // The exit handler runs again: its pods go too.
      const queue = [n];
      while (queue.length) {
        const curr = queue.shift()!;
        podNodes.push(curr);
        for (const c of curr.children ?? []) if (nodes[c]) queue.push(nodes[c]);
      }
    }
  }
  for (const [id, old] of Object.entries(nodes)) {
    const n = nextNodes[id];
    if (!n) continue;
    const children = (old.children ?? []).filter((c) => !toDelete.has(c));
    const outbound = (old.outboundNodes ?? []).filter((c) => !toDelete.has(c));
    if (children.length) n.children = children;
    else delete n.children;
    if (outbound.length) n.outboundNodes = outbound;
    else delete n.outboundNodes;
  }
  next.status!.nodes = nextNodes;
  return { workflow: next, podNodes, reset: [...toReset].filter((id) => !toDelete.has(id)), deleted: [...toDelete] };
}
