// Node classes: the defaults follow EKS's formulas for the README's instance types; render refuses a pod that
// would not fit its class (naming template, resource and both numbers); placement, priority, capacity type,
// annotations and pendingTimeout reach the step templates.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { ConfigError, resolveConfig } from '../../generators/config/load.js';
import { DEFAULT_NODE_CLASSES } from '../../generators/config/schema.js';
import { eksAllocatable, eksMaxPods, kubeReservedCpuMillis, kubeReservedMemoryMiB, INSTANCE_SHAPES } from '../../generators/config/eks.js';
import { generateResources } from '../../generators/index.js';
import type { Template, WorkflowTemplate } from '../../generators/argo/types.js';
import { ROOT } from '../helpers/env.js';

const SHAPES = INSTANCE_SHAPES;

function refusal(doc: unknown): string[] {
  try {
    generateResources(resolveConfig(doc), 'test.yaml');
  } catch (e) {
    assert.instance(e, ConfigError);
    return (e as ConfigError).problems;
  }
  assert.unreachable('expected render to refuse the config');
  return [];
}

const templateOf = (doc: unknown, owner: string, name: string): Template =>
  (
    generateResources(resolveConfig(doc)).find((r) => r.resource.metadata.name === owner)!.resource as WorkflowTemplate
  ).spec.templates!.find((t) => t.name === name)!;

test("EKS's formulas: kube-reserved CPU and memory, max pods", () => {
  // nodeadm: 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% of the rest.
  assert.is(kubeReservedCpuMillis(32), 60 + 10 + 10 + 70);
  assert.is(kubeReservedCpuMillis(2), 70);
  assert.is(eksMaxPods(SHAPES['r6i.8xlarge']), 8 * 29 + 2);
  assert.is(kubeReservedMemoryMiB(234), 11 * 234 + 255);
});

test('the default node classes are the README instance types with EKS kube-reserved and eviction subtracted', () => {
  for (const [name, cls] of Object.entries(DEFAULT_NODE_CLASSES)) {
    const shape = SHAPES[cls.instanceType];
    assert.ok(shape, `${name}: ${cls.instanceType}`);
    assert.equal(cls.allocatable, eksAllocatable(shape), name);
  }
});

test("the README's eksctl node groups are the default classes (same instance types and labels)", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```yaml\n {3}(# cluster\.yaml[\s\S]*?) *```/.exec(readme)![1];
  const cluster = yaml.load(block.replace(/^ {3}/gm, '')) as {
    managedNodeGroups: { name: string; instanceType: string; labels: Record<string, string> }[];
  };
  const groups = Object.fromEntries(cluster.managedNodeGroups.map((g) => [g.labels['openfold-argo.io/node-class'], g.instanceType]));
  assert.equal(groups, Object.fromEntries(Object.entries(DEFAULT_NODE_CLASSES).map(([n, c]) => [n, c.instanceType])));
});

test('render refuses a request above its node class, naming the template, the resource and both numbers', () => {
  const p = refusal({ alignment: { resources: { memory: '300Gi' } } });
  assert.ok(p.length >= 1);
  assert.ok(
    p.includes(
      'template openfold-align/align-group: memory request 300Gi does not fit: node class cpu (r6i.8xlarge) has 233.9Gi memory allocatable, less 1Gi left for DaemonSets: 232.9Gi for a pod',
    ),
    p.join('\n'),
  );
  assert.ok(p.every((l) => /^template openfold-align\/align-(one|group|search|finalize): memory request 300Gi/.test(l)));
});

test('render refuses CPU, GPUs and /dev/shm that do not fit', () => {
  const cpu = refusal({ inference: { gpu: { cpu: 16 } } });
  assert.ok(
    cpu.some((l) =>
      l.startsWith('template openfold-predict/predict-chunk: cpu request 16 does not fit: node class gpu (g5.4xlarge) has 15.89 CPU'),
    ),
  );
  const gpus = refusal({ inference: { gpu: { count: 2 } } });
  assert.ok(
    gpus.some(
      (l) =>
        l === 'template openfold-predict/predict-chunk: nvidia.com/gpu request 2 does not fit: node class gpu (g5.4xlarge) has 1 per node',
    ),
  );
  const shm = refusal({ inference: { longSequence: { shm: '200Gi' } } });
  assert.ok(
    shm.some(
      (l) =>
        l ===
        "template openfold-predict/predict-chunk-long: /dev/shm 200Gi exceeds the pod's memory 120Gi (its files are charged to the pod's memory)",
    ),
  );
});

test("the old defaults (predict 8 CPU / 60Gi on a g5.2xlarge's node class) are refused", () => {
  const g52xlarge = {
    instanceType: 'g5.2xlarge',
    allocatable: eksAllocatable({ vcpus: 8, memoryGiB: 32, enis: 4, ipv4PerEni: 15, gpus: 1 }),
  };
  const p = refusal({
    nodeClasses: { ...DEFAULT_NODE_CLASSES, gpu: { ...DEFAULT_NODE_CLASSES.gpu, ...g52xlarge } },
    inference: { gpu: { cpu: 8, memory: '60Gi' } },
  });
  assert.ok(
    p.some((l) =>
      l.startsWith('template openfold-predict/predict-chunk: memory request 60Gi does not fit: node class gpu (g5.2xlarge) has 28.6Gi'),
    ),
    p.join('\n'),
  );
});

test('a step naming a node class that does not exist is a config error', () => {
  try {
    resolveConfig({ alignment: { nodeClass: 'highmem' } });
    assert.unreachable();
  } catch (e) {
    assert.equal((e as ConfigError).problems, ['alignment.nodeClass: must name a node class (cpu, gpu, gpu-large), got "highmem"']);
  }
});

test('placement from the class: selector, tolerations, priorityClassName, capacity type as node affinity', () => {
  const classes = structuredClone(DEFAULT_NODE_CLASSES) as Record<string, Record<string, unknown>>;
  classes.gpu.priorityClassName = 'openfold-gpu';
  classes.gpu.capacityType = 'spot';
  const t = templateOf({ nodeClasses: classes }, 'openfold-predict', 'predict-chunk');
  assert.is(t.priorityClassName, 'openfold-gpu');
  assert.equal(t.affinity, {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }] },
          { matchExpressions: [{ key: 'eks.amazonaws.com/capacityType', operator: 'In', values: ['SPOT'] }] },
        ],
      },
    },
  });
  assert.equal(t.metadata!.labels!['openfold-argo.io/node-class'], 'gpu');
  const d = templateOf({}, 'openfold-predict', 'predict-chunk');
  assert.is(d.affinity, undefined);
  assert.is(d.priorityClassName, undefined);
});

test('karpenter.sh/do-not-disrupt on the long steps only; podAnnotations.all on every step', () => {
  const doc = { podAnnotations: { all: { team: 'structure' } } };
  for (const [owner, name] of [
    ['openfold-align', 'align-group'],
    ['openfold-predict', 'predict-chunk'],
    ['openfold-databases', 'download-database'],
  ])
    assert.equal(templateOf(doc, owner, name).metadata!.annotations, { team: 'structure', 'karpenter.sh/do-not-disrupt': 'true' }, name);
  for (const name of ['split', 'collect'])
    assert.equal(templateOf(doc, 'openfold-pipeline', name).metadata!.annotations, { team: 'structure' }, name);
});

test('pendingTimeout on the step templates for Argo >= 4.1 only', () => {
  assert.is(templateOf({}, 'openfold-predict', 'predict-chunk').pendingTimeout, '1h');
  assert.is(templateOf({ argoVersion: 'v4.0.5' }, 'openfold-predict', 'predict-chunk').pendingTimeout, undefined);
  assert.is(templateOf({ deadlines: { pending: '' } }, 'openfold-predict', 'predict-chunk').pendingTimeout, undefined);
});

test.run();
