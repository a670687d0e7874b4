// The OpenFold3 plan: token batches, chains aligned once (shared across chunks, or a chunk's own), bounds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planQueries, type QueryPlanTarget } from '../../../steps/split/plan-queries.js';

test('a ligand screen against one protein: the protein is aligned once, in the shared group; no chunk aligns', () => {
  const targets: QueryPlanTarget[] = Array.from({ length: 10_000 }, (_, i) => ({
    tag: `lig${i}`,
    tokens: 300 + (i % 40),
    chains: ['protein_x'],
  }));
  const started = Date.now();
  const plan = planQueries(targets, { tokensPerBatch: 4000, longThreshold: 1500, chainsPerAlignGroup: 1 });
  assert.ok(Date.now() - started < 5000, 'plans 10 000 queries in seconds');
  assert.equal(plan.alignGroups, [{ id: 0, tags: ['protein_x'] }]);
  assert.equal(plan.shared, { align: true, first: 0, last: 0 });
  assert.ok(plan.chunks.every((c) => !c.align));
  assert.is(plan.chunks.flatMap((c) => c.batches.flatMap((b) => b.tags)).length, 10_000);
  assert.ok(plan.chunks.every((c) => c.batches.every((b) => b.tokens <= 4000)));
});

test('chains used by one chunk are its own groups, contiguous; over the token threshold a query is alone on the long class', () => {
  const plan = planQueries(
    [
      { tag: 'big', tokens: 2000, chains: ['p1', 'p2'] },
      { tag: 'a', tokens: 100, chains: ['p3'] },
      { tag: 'b', tokens: 100, chains: ['p3', 'p4'] },
    ],
    { tokensPerBatch: 4000, longThreshold: 1500, chainsPerAlignGroup: 1 },
  );
  assert.equal(
    plan.chunks.map((c) => [c.id, c.gpu, c.align, c.first, c.last, c.batches.map((b) => b.tags)]),
    [
      ['c0000', 'long', true, 0, 1, [['big']]],
      ['c0001', 'standard', true, 2, 3, [['a', 'b']]],
    ],
  );
  assert.equal(plan.shared.align, false);
  assert.equal(
    plan.alignGroups.map((g) => g.tags),
    [['p1'], ['p2'], ['p3'], ['p4']],
  );
});

test('the group count stays under maxAlignGroups by raising chains per group', () => {
  const targets = Array.from({ length: 300 }, (_, i) => ({ tag: `q${i}`, tokens: 10, chains: [`c${i}`] }));
  const plan = planQueries(targets, { tokensPerBatch: 100, longThreshold: 50, chainsPerAlignGroup: 1, maxAlignGroups: 40 });
  assert.ok(plan.alignGroups.length <= 40);
  assert.is(plan.alignGroups.flatMap((g) => g.tags).length, 300);
  assert.ok(plan.limits.chainsPerAlignGroup > 1);
});

test('bad limits and duplicate queries are refused', () => {
  assert.throws(
    () => planQueries([{ tag: 'a', tokens: 1, chains: [] }], { tokensPerBatch: 0, longThreshold: 1, chainsPerAlignGroup: 1 }),
    /tokensPerBatch/,
  );
  assert.throws(
    () =>
      planQueries(
        [
          { tag: 'a', tokens: 1, chains: [] },
          { tag: 'a', tokens: 2, chains: [] },
        ],
        { tokensPerBatch: 9, longThreshold: 5, chainsPerAlignGroup: 1 },
      ),
    /duplicate query/,
  );
});

test.run();
