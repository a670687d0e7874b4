// What a pod of each node class requests, how many such pods fit on one node of its instance type, and so
// which share of the node's price it costs. A pod costs 1/n of its node, where n is the number of pods of its
// shape the node's allocatable CPU, memory and GPUs hold: the share it actually keeps from other pods.
import type { Config } from '../generators/config/types.js';
import { NODE_CLASSES, type InstancePrice, type NodeClassName } from '../generators/config/cost.js';
import { contract as splitContract } from '../steps/split/contract.js';

export interface PodRequests {
  cpu: number;
  memoryGiB: number;
  gpu: number;
}

export interface ClassPrice {
  nodeClass: NodeClassName;
  instanceType: string;
  /** USD per hour of one whole node. */
  onDemand: number;
  spot: number;
  gpuModel?: string;
  requests: PodRequests;
  /** Pods of this class one node holds (0: a pod does not fit the node at all). */
  podsPerNode: number;
  /** Fraction of the node's price one pod costs: 1 / podsPerNode (1 when it does not fit). */
  share: number;
}

/** "8" -> 8, "500m" -> 0.5. */
export function cores(q: string | number): number {
  const s = String(q);
  return s.endsWith('m') ? Number(s.slice(0, -1)) / 1000 : Number(s);
}

const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A Kubernetes memory quantity in GiB: "32Gi" -> 32, "512Mi" -> 0.5, "2G" -> 1.86. */
export function gibibytes(q: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(q));
  if (!m) throw new RangeError(`not a memory quantity: ${JSON.stringify(q)}`);
  return (Number(m[1]) * MEMORY_UNITS[m[2] ?? '']) / 2 ** 30;
}

/** The requests of a pod of each class, as the templates render them (generators/templates). */
export function requestsFor(c: Config, nodeClass: NodeClassName): PodRequests {
  switch (nodeClass) {
    case 'align':
      return { cpu: cores(c.alignment.resources.cpu), memoryGiB: gibibytes(c.alignment.resources.memory), gpu: 0 };
    case 'predict':
    case 'long': {
      const g = nodeClass === 'long' ? c.inference.longSequence : c.inference.gpu;
      return { cpu: cores(g.cpu), memoryGiB: gibibytes(g.memory), gpu: g.count };
    }
    case 'light':
      return { cpu: cores(splitContract.resources.cpu), memoryGiB: gibibytes(splitContract.resources.memory), gpu: 0 };
  }
}

/** Pods of these requests one node holds: the scarcest of CPU, memory and (when requested) GPUs decides. */
export function podsPerNode(r: PodRequests, node: InstancePrice['allocatable']): number {
  const fits = [Math.floor(node.cpu / r.cpu + 1e-9), Math.floor(node.memoryGiB / r.memoryGiB + 1e-9)];
  if (r.gpu > 0) fits.push(Math.floor(node.gpu / r.gpu));
  return Math.max(0, Math.min(...fits));
}

export function classPrice(c: Config, nodeClass: NodeClassName): ClassPrice {
  const instanceType = c.cost.instanceTypes[nodeClass];
  const p = c.cost.prices[instanceType];
  const requests = requestsFor(c, nodeClass);
  const n = podsPerNode(requests, p.allocatable);
  return {
    nodeClass,
    instanceType,
    onDemand: p.onDemand,
    spot: p.spot,
    ...(p.gpuModel ? { gpuModel: p.gpuModel } : {}),
    requests,
    podsPerNode: n,
    share: n > 0 ? 1 / n : 1,
  };
}

export function classPrices(c: Config): Record<NodeClassName, ClassPrice> {
  return Object.fromEntries(NODE_CLASSES.map((k) => [k, classPrice(c, k)])) as Record<NodeClassName, ClassPrice>;
}

const fmt = (n: number) => String(Math.round(n * 100) / 100);

/** Warnings about pods that do not fit their node, or fit so that most of the node stays idle. */
export function fitWarnings(prices: Record<NodeClassName, ClassPrice>, c: Config): string[] {
  const out: string[] = [];
  for (const p of Object.values(prices)) {
    const a = c.cost.prices[p.instanceType].allocatable;
    const r = p.requests;
    const what = `${p.nodeClass} pods (${fmt(r.cpu)} CPU, ${fmt(r.memoryGiB)} GiB${r.gpu ? `, ${r.gpu} GPU` : ''})`;
    const node = `${p.instanceType} (allocatable ${fmt(a.cpu)} CPU, ${fmt(a.memoryGiB)} GiB${a.gpu ? `, ${a.gpu} GPU` : ''})`;
    if (p.podsPerNode === 0) out.push(`${what} do not fit on ${node}: they would never be scheduled; costed as one node each`);
    else if (r.gpu === 0 && p.nodeClass !== 'light') {
      const cpuUsed = (p.podsPerNode * r.cpu) / a.cpu;
      const memoryUsed = (p.podsPerNode * r.memoryGiB) / a.memoryGiB;
      if (cpuUsed < 0.6 && memoryUsed < 0.6)
        out.push(
          `${what}: ${p.podsPerNode} per ${node} use ${Math.round(cpuUsed * 100)} % of its CPUs and ${Math.round(memoryUsed * 100)} % of its memory`,
        );
    }
  }
  return out;
}
