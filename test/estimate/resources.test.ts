import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../generators/config/load.js';
import { ConfigError } from '../../generators/config/load.js';
import { classPrices, cores, fitWarnings, gibibytes, podsPerNode, requestsFor } from '../../estimate/resources.js';

test('quantities: cores and GiB as Kubernetes writes them', () => {
  assert.is(cores(8), 8);
  assert.is(cores('500m'), 0.5);
  assert.is(gibibytes('32Gi'), 32);
  assert.is(gibibytes('512Mi'), 0.5);
  assert.is(gibibytes('1Ti'), 1024);
  assert.ok(Math.abs(gibibytes('2G') - 2e9 / 2 ** 30) < 1e-12);
  assert.throws(() => gibibytes('lots'), /not a memory quantity/);
});

test('pods per node: the scarcest resource decides (a 10 CPU / 64 GiB pod fits once on 115.5 allocatable GiB)', () => {
  const c = resolveConfig({});
  const align = requestsFor(c, 'align');
  assert.equal(align, { cpu: 10, memoryGiB: 64, gpu: 0 });
  assert.is(podsPerNode(align, c.cost.prices['m6i.4xlarge'].allocatable), 0);
  assert.is(podsPerNode(align, c.cost.prices['m6i.8xlarge'].allocatable), 1);
  assert.is(podsPerNode(align, c.cost.prices['r6i.8xlarge'].allocatable), 3);
  assert.is(podsPerNode(requestsFor(c, 'long'), c.cost.prices['p4d.24xlarge'].allocatable), 8);
  assert.is(podsPerNode(requestsFor(c, 'predict'), c.cost.prices['g5.2xlarge'].allocatable), 0);
  assert.is(podsPerNode(requestsFor(c, 'predict'), c.cost.prices['g5.4xlarge'].allocatable), 1);
});

test('a pod costs its share of the node; one that does not fit is costed as a whole node and warned about', () => {
  const c = resolveConfig({});
  const p = classPrices(c);
  assert.is(p.align.share, 1 / 3);
  assert.is(p.long.share, 1 / 8);
  assert.is(p.predict.instanceType, 'g5.4xlarge');
  assert.equal(fitWarnings(p, c), []);
  const small = resolveConfig({ cost: { instanceTypes: { predict: 'g5.2xlarge', align: 'm6i.4xlarge' } } });
  const q = classPrices(small);
  assert.is(q.predict.share, 1);
  const warnings = fitWarnings(q, small).join('\n');
  assert.match(warnings, 'predict pods (12 CPU, 48 GiB, 1 GPU) do not fit on g5.2xlarge (allocatable 7.91 CPU, 28.62 GiB, 1 GPU)');
  assert.match(warnings, 'align pods (10 CPU, 64 GiB) do not fit on m6i.4xlarge (allocatable 15.89 CPU, 56.33 GiB)');
  const general = resolveConfig({ cost: { instanceTypes: { align: 'm6i.8xlarge' } } });
  assert.match(
    fitWarnings(classPrices(general), general).join('\n'),
    'align pods (10 CPU, 64 GiB): 1 per m6i.8xlarge (allocatable 31.85 CPU, 115.53 GiB) use 31 % of its CPUs and 55 % of its memory',
  );
});

test('the config refuses a node class on an instance type without a price', () => {
  assert.throws(
    () => resolveConfig({ cost: { instanceTypes: { align: 'z9.huge' } } }),
    (e: unknown) => e instanceof ConfigError && /cost\.instanceTypes\.align: "z9.huge" has no entry in cost\.prices/.test(e.message),
  );
  assert.throws(
    () => resolveConfig({ cost: { prices: { x: { onDemand: 1 } } } }),
    (e: unknown) => e instanceof ConfigError,
  );
});

test.run();
