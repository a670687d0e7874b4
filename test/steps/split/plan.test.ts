import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { chunkItems, planRun, type Plan, type PlanTarget } from '../../../steps/split/plan.js';
import { parseFasta } from '../../../steps/split/fasta.js';
import { manifestFor } from '../../../steps/split/split.js';
import { CAMEO_FASTA, cameoLengths, syntheticTargets } from './synthetic.js';

const LIMITS = { residuesPerBatch: 4000, longThreshold: 1000, targetsPerAlignGroup: 1 };

/** Every invariant steps/README.md states, checked on any plan. */
function checkPlan(plan: Plan, targets: PlanTarget[]): void {
  const byTag = new Map(targets.map((t) => [t.tag, t]));
  const unique = targets.filter((t) => !t.duplicateOf);
  const { limits } = plan;
  // Group ids are 0..n-1 and every unique target is in exactly one group and one batch.
  assert.equal(
    plan.alignGroups.map((g) => g.id),
    plan.alignGroups.map((_, i) => i),
  );
  const grouped = plan.alignGroups.flatMap((g) => g.tags);
  const batched = plan.chunks.flatMap((c) => c.batches.flatMap((b) => b.tags));
  assert.is(new Set(grouped).size, grouped.length);
  assert.is(new Set(batched).size, batched.length);
  assert.equal([...grouped].sort(), unique.map((t) => t.tag).sort());
  assert.equal([...batched].sort(), unique.map((t) => t.tag).sort());
  assert.ok(plan.alignGroups.length <= limits.maxAlignGroups, `groups ${plan.alignGroups.length}`);
  assert.ok(plan.chunks.length <= limits.maxChunks, `chunks ${plan.chunks.length}`);
  for (const g of plan.alignGroups) assert.ok(g.tags.length >= 1 && g.tags.length <= limits.targetsPerAlignGroup);
  let nextGroup = 0;
  for (const c of plan.chunks) {
    // Contiguous, non-overlapping group ranges holding exactly the chunk's targets.
    assert.is(c.first, nextGroup, `chunk ${c.id} first`);
    assert.ok(c.last >= c.first);
    nextGroup = c.last + 1;
    const chunkTags = c.batches.flatMap((b) => b.tags).sort();
    const groupTags = plan.alignGroups
      .slice(c.first, c.last + 1)
      .flatMap((g) => g.tags)
      .sort();
    assert.equal(groupTags, chunkTags, `chunk ${c.id} groups`);
    for (const b of c.batches) {
      const lengths = b.tags.map((t) => byTag.get(t)!.length);
      assert.is(
        b.residues,
        lengths.reduce((x, y) => x + y, 0),
      );
      const long = lengths.some((l) => l > limits.longThreshold);
      assert.is(c.gpu, long ? 'long' : 'standard', `chunk ${c.id} gpu`);
      if (long) assert.is(b.tags.length, 1, 'a long target is alone');
      else assert.ok(b.residues <= limits.residuesPerBatch);
    }
  }
  assert.is(nextGroup, plan.alignGroups.length);
}

test('CAMEO: 92 targets, 25 326 residues, lengths 34..883 -> 7 standard chunks of one batch', () => {
  const records = parseFasta(readFileSync(CAMEO_FASTA, 'utf8'));
  const targets = manifestFor(records).targets;
  const lengths = targets.map((t) => t.length);
  assert.is(targets.length, 92);
  assert.is(
    lengths.reduce((a, b) => a + b, 0),
    25326,
  );
  assert.is(Math.min(...lengths), 34);
  assert.is(Math.max(...lengths), 883);
  const plan = planRun(targets, LIMITS);
  checkPlan(plan, targets);
  assert.is(plan.alignGroups.length, 92);
  assert.is(plan.chunks.length, 7);
  assert.ok(plan.chunks.every((c) => c.gpu === 'standard' && c.batches.length === 1));
  // Longest first: the 883-residue target is in the first chunk.
  assert.is(plan.chunks[0].batches[0].tags.map((t) => targets.find((x) => x.tag === t)!.length)[0], 883);
  assert.equal(plan.limits, { ...LIMITS, maxChunks: 500, maxAlignGroups: 5000 });
  assert.equal(chunkItems(plan)[0], { id: 'c0000', gpu: 'standard', align: true, first: 0, last: plan.chunks[0].last });
});

test('long targets are alone on the long class; duplicates are left out', () => {
  const targets: PlanTarget[] = [
    { tag: 'a', length: 300 },
    { tag: 'big', length: 1500 },
    { tag: 'b', length: 900 },
    { tag: 'a2', length: 300, duplicateOf: 'a' },
    { tag: 'huge', length: 2500 },
  ];
  const plan = planRun(targets, { ...LIMITS, residuesPerBatch: 1000 });
  checkPlan(plan, targets);
  assert.equal(
    plan.chunks.map((c) => [c.gpu, c.batches.map((b) => b.tags)]),
    [
      ['long', [['huge']]],
      ['long', [['big']]],
      ['standard', [['b']]],
      ['standard', [['a']]],
    ],
  );
  assert.not.ok(plan.alignGroups.some((g) => g.tags.includes('a2')));
});

test('the plan is deterministic and equal lengths keep input order', () => {
  const targets: PlanTarget[] = ['x', 'y', 'z'].map((tag) => ({ tag, length: 100 }));
  const one = planRun(targets, LIMITS);
  assert.equal(one, planRun(targets, LIMITS));
  assert.equal(one.chunks[0].batches[0].tags, ['x', 'y', 'z']);
});

test('targetsPerAlignGroup from the config is honoured and groups mix long and short targets', () => {
  const targets: PlanTarget[] = [500, 400, 300, 200, 100].map((length, i) => ({ tag: `t${i}`, length }));
  const plan = planRun(targets, { ...LIMITS, targetsPerAlignGroup: 2 });
  checkPlan(plan, targets);
  assert.equal(
    plan.alignGroups.map((g) => g.tags),
    [['t0', 't3'], ['t1', 't4'], ['t2']],
  );
});

test('bad limits and targets are rejected', () => {
  assert.throws(() => planRun([], { ...LIMITS, residuesPerBatch: 0 }), /limits.residuesPerBatch: must be an integer >= 1/);
  assert.throws(
    () =>
      planRun(
        [
          { tag: 'a', length: 1 },
          { tag: 'a', length: 2 },
        ],
        LIMITS,
      ),
    /duplicate tag "a"/,
  );
  assert.throws(() => planRun([{ tag: 'a', length: 0 }], LIMITS), /length must be >= 1/);
});

for (const count of [10_000, 100_000]) {
  test(`${count} synthetic targets: bounded chunks and groups, chunks.json far below 256 KB`, () => {
    const targets = syntheticTargets(count, cameoLengths());
    const started = performance.now();
    const plan = planRun(targets, LIMITS);
    const ms = performance.now() - started;
    checkPlan(plan, targets);
    const bytes = Buffer.byteLength(JSON.stringify(chunkItems(plan)));
    assert.ok(plan.chunks.length <= 500 && plan.alignGroups.length <= 5000);
    assert.ok(bytes < 64 * 1024, `chunks.json ${bytes} bytes`);
    assert.ok(ms < 5000, `planned in ${ms} ms`);
    if (count === 100_000) {
      assert.ok(plan.limits.targetsPerAlignGroup > 1, 'targets per group was raised');
      assert.ok(
        plan.chunks.some((c) => c.batches.length > 1),
        'batches per chunk was raised',
      );
    }
  });
}

test('an input with many long targets still fits maxChunks, long and standard chunked apart', () => {
  const targets = Array.from({ length: 3000 }, (_, i) => ({ tag: `t${i}`, length: i % 2 ? 1200 : 200 }));
  const plan = planRun(targets, { ...LIMITS, maxChunks: 10, maxAlignGroups: 20 });
  checkPlan(plan, targets);
  assert.ok(plan.chunks.length <= 10);
  assert.ok(plan.chunks.some((c) => c.gpu === 'long') && plan.chunks.some((c) => c.gpu === 'standard'));
});

test.run();
