import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { EXAMPLES_DIR, resolveConfig } from '../../generators/config/load.js';
import { clusterNodes, parseEksctlCluster } from '../../estimate/cluster.js';
import { estimateTargets } from '../../estimate/estimate.js';
import { ROOT } from '../helpers/env.js';

const FILE = join(EXAMPLES_DIR, 'eksctl-cluster.yaml');
const text = readFileSync(FILE, 'utf8');

test('the example eksctl cluster maps every node class to a node group of the default config', () => {
  const c = resolveConfig({});
  const nodes = clusterNodes(parseEksctlCluster(text, FILE), c, 'eksctl-cluster.yaml');
  assert.equal(nodes.classes, {
    align: { group: 'cpu', instanceType: 'r6i.8xlarge', maxNodes: 11 },
    predict: { group: 'gpu', instanceType: 'g5.4xlarge', maxNodes: 4 },
    long: { group: 'gpu-large', instanceType: 'p4d.24xlarge', maxNodes: 1 },
  });
  // Its instance types are the config's defaults, and every pod fits its node (no warnings).
  const e = estimateTargets(
    [
      { tag: 'a', length: 1200 },
      { tag: 'b', length: 300 },
    ],
    { config: c, cluster: nodes },
  );
  assert.equal(e.warnings, []);
  assert.is(e.nodeClasses.align.concurrentPods, 32);
  assert.is(e.nodeClasses.long.concurrentPods, 4);
  assert.is(e.cluster, 'eksctl-cluster.yaml');
});

test("the README's EKS guide shows the same cluster", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /# cluster\.yaml: eksctl create cluster -f cluster\.yaml[^\n]*\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'the cluster block in README.md');
  const dedented = block![1].replace(/^ {3}/gm, '');
  assert.equal(yaml.load(dedented), yaml.load(text));
});

test('a cluster whose node groups miss a class, or a malformed file, is refused with the reason', () => {
  const c = resolveConfig({});
  const noLarge = text.replace(/gpu-large/g, 'other');
  assert.throws(
    () => clusterNodes(parseEksctlCluster(noLarge, 'x.yaml'), c, 'x.yaml'),
    /x\.yaml: no node group has the labels .*gpu-large.* long pods select/,
  );
  assert.throws(() => parseEksctlCluster('kind: Pod', 'p.yaml'), /p\.yaml: expected an eksctl ClusterConfig/);
  assert.throws(
    () => parseEksctlCluster('kind: ClusterConfig\nmanagedNodeGroups: [{ name: a, instanceType: m6i.large, maxSize: -1 }]', 'n.yaml'),
    /n\.yaml: managedNodeGroups\[0\] \(a\): maxSize must be a whole number/,
  );
  const unpriced = text.replace('instanceType: g5.4xlarge', 'instanceType: g9.mega');
  assert.throws(
    () => clusterNodes(parseEksctlCluster(unpriced, 'u.yaml'), c, 'u.yaml'),
    /instance type g9\.mega has no entry in cost\.prices/,
  );
});

test.run();
