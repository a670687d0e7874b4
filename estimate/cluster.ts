// `--cluster FILE`: an eksctl ClusterConfig (the format of the README's EKS guide). Its node groups say which
// instance type each node class runs on and how many nodes it may grow to (maxSize); a class's pods go to the
// node group whose labels hold the class's nodeSelector, as the scheduler would place them.
import yaml from 'js-yaml';
import type { Config } from '../generators/config/types.js';
import type { NodeClassName } from '../generators/config/cost.js';
import { EstimateError } from './errors.js';

export interface NodeGroup {
  name: string;
  instanceType: string;
  maxSize: number;
  labels: Record<string, string>;
}

export interface ClassNodes {
  group: string;
  instanceType: string;
  maxNodes: number;
}

export interface ClusterNodes {
  source: string;
  classes: Partial<Record<NodeClassName, ClassNodes>>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The node groups of an eksctl ClusterConfig (managedNodeGroups and nodeGroups). */
export function parseEksctlCluster(text: string, source: string): NodeGroup[] {
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: source });
  } catch (e) {
    throw new EstimateError(`${source}: not YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isObject(doc) || doc.kind !== 'ClusterConfig')
    throw new EstimateError(`${source}: expected an eksctl ClusterConfig (kind: ClusterConfig)`);
  const groups: NodeGroup[] = [];
  for (const key of ['managedNodeGroups', 'nodeGroups'] as const) {
    const list = doc[key] ?? [];
    if (!Array.isArray(list)) throw new EstimateError(`${source}: ${key}: expected a list`);
    list.forEach((g: unknown, i) => {
      const at = `${source}: ${key}[${i}]`;
      if (!isObject(g) || typeof g.name !== 'string') throw new EstimateError(`${at}: expected a node group with a name`);
      if (typeof g.instanceType !== 'string')
        throw new EstimateError(`${at} (${g.name}): instanceType is required (instance lists are not supported)`);
      const maxSize = g.maxSize ?? g.desiredCapacity ?? g.minSize;
      if (!Number.isInteger(maxSize) || (maxSize as number) < 0)
        throw new EstimateError(`${at} (${g.name}): maxSize must be a whole number`);
      const labels = isObject(g.labels) ? Object.fromEntries(Object.entries(g.labels).map(([k, v]) => [k, String(v)])) : {};
      groups.push({ name: g.name, instanceType: g.instanceType, maxSize: maxSize as number, labels });
    });
  }
  if (groups.length === 0) throw new EstimateError(`${source}: no node groups`);
  return groups;
}

/** The node selector of the node class a cost class's pods run on (the config's nodeClasses). */
function selectorOf(c: Config, k: NodeClassName): Record<string, string> | undefined {
  const name =
    k === 'align'
      ? c.alignment.nodeClass
      : k === 'predict'
        ? c.inference.gpu.nodeClass
        : k === 'long'
          ? c.inference.longSequence.nodeClass
          : undefined;
  return name === undefined ? undefined : c.nodeClasses[name]?.nodeSelector;
}

/**
 * Which node group each class lands on. Light pods (split, collect) have no selector and are left out: they
 * share whatever node is up. A class whose selector no node group matches is an error: its pods would pend.
 */
export function clusterNodes(groups: NodeGroup[], c: Config, source: string): ClusterNodes {
  const classes: ClusterNodes['classes'] = {};
  for (const k of ['align', 'predict', 'long'] as const) {
    const selector = selectorOf(c, k) ?? {};
    const match = groups.find((g) => Object.entries(selector).every(([key, v]) => g.labels[key] === v));
    if (!match)
      throw new EstimateError(`${source}: no node group has the labels ${JSON.stringify(selector)} the config's ${k} pods select`);
    if (!(match.instanceType in c.cost.prices))
      throw new EstimateError(`${source}: node group ${match.name}: instance type ${match.instanceType} has no entry in cost.prices`);
    classes[k] = { group: match.name, instanceType: match.instanceType, maxNodes: match.maxSize };
  }
  return { source, classes };
}

/** The config with cost.instanceTypes taken from the cluster's node groups. */
export function withClusterInstances(c: Config, cluster: ClusterNodes): Config {
  const out = structuredClone(c);
  for (const [k, v] of Object.entries(cluster.classes)) out.cost.instanceTypes[k as NodeClassName] = (v as ClassNodes).instanceType;
  return out;
}
