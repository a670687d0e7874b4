// The OpenFold3 split: query JSON or complex FASTA in; queries/, the unique chains to align, the manifest and
// a token plan out; bad input refused with one line naming query and field.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../../generators/config/load.js';
import { queriesFromFasta } from '../../../steps/split/complexes.js';
import { parseFasta, FastaError } from '../../../steps/split/fasta.js';
import { runQuerySplit, type QueryManifest } from '../../../steps/split/split-queries.js';
import type { QueryPlan } from '../../../steps/split/plan-queries.js';
import { CLI, tempDir } from '../../helpers/env.js';
import { execFileSync, spawnSync } from 'node:child_process';

const A = 'MKTAYIAKQRQISFVKSHFSRQ';
const B = 'GSHMLEDPVAGRRGV';
const config = resolveConfig({ openfold3: { tokensPerBatch: 60, longThreshold: 50 } }, 'test');
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

test('the FASTA convention: QUERY|CHAIN records form a complex, identical chains one entry, other headers monomers', () => {
  const set = queriesFromFasta(parseFasta(`>d|A\n${A}\n>d|B\n${B}\n>h|A x\n${A}\n>h|B\n${A}\n>sp|P69905|HBA_HUMAN\n${B}\n`, 'in.fasta'));
  assert.equal(set.queries, {
    d: {
      chains: [
        { molecule_type: 'protein', chain_ids: ['A'], sequence: A },
        { molecule_type: 'protein', chain_ids: ['B'], sequence: B },
      ],
    },
    h: { chains: [{ molecule_type: 'protein', chain_ids: ['A', 'B'], sequence: A }] },
    P69905: { chains: [{ molecule_type: 'protein', chain_ids: ['A'], sequence: B }] },
  });
});

test('the FASTA convention refuses a repeated chain and a complex split over the file', () => {
  assert.throws(
    () => queriesFromFasta(parseFasta(`>d|A\n${A}\n>d|A\n${B}\n`, 'x')),
    (e: Error) => e instanceof FastaError && /record 2 .*chain A appears twice in query "d"/.test(e.message),
  );
  assert.throws(() => queriesFromFasta(parseFasta(`>d|A\n${A}\n>e|A\n${B}\n>d|B\n${B}\n`, 'x')), /record 3 .*must be consecutive/);
});

test('a query JSON is split: queries/, one FASTA per unique aligned chain, tokens, a plan by tokens', async () => {
  const dir = tempDir('ofa-split3-');
  const input = join(dir, 'in.json');
  writeFileSync(
    input,
    JSON.stringify({
      queries: {
        'dimer one': {
          chains: [
            { molecule_type: 'protein', chain_ids: ['A'], sequence: A },
            { molecule_type: 'protein', chain_ids: ['B'], sequence: B },
          ],
        },
        lig: {
          chains: [
            { molecule_type: 'protein', chain_ids: ['A'], sequence: A },
            { molecule_type: 'ligand', chain_ids: ['L'], ccd_codes: ['ATP'] },
          ],
        },
        rna: { chains: [{ molecule_type: 'rna', chain_ids: ['R'], sequence: 'ACGU' }] },
        again: { chains: [{ molecule_type: 'rna', chain_ids: ['R'], sequence: 'ACGU' }] },
      },
    }),
  );
  const out = join(dir, 'split');
  const s = await runQuerySplit({ input, out, config, alignMode: 'full_dbs' });
  assert.equal(readdirSync(out).sort(), ['chunks.json', 'fasta', 'manifest.json', 'plan.json', 'queries', 'shared.json']);
  assert.equal(readdirSync(join(out, 'queries')).sort(), ['again.json', 'dimer_one.json', 'lig.json', 'rna.json']);
  const m = json(join(out, 'manifest.json')) as QueryManifest;
  assert.equal(
    m.targets.map((t) => [t.tag, t.header, t.tokens, t.duplicateOf ?? null]),
    [
      ['dimer_one', 'dimer one', 37, null],
      ['lig', 'lig', 22 + 31, null],
      ['rna', 'rna', 4, null],
      ['again', 'again', 4, 'rna'],
    ],
  );
  // Protein A is shared by two queries but aligned once; RNA is not aligned (no RNA searches configured).
  assert.is(m.aligned.length, 2);
  assert.equal(readdirSync(join(out, 'fasta')).sort(), m.aligned.map((a) => `${a.key}.fasta`).sort());
  const plan = json(join(out, 'plan.json')) as QueryPlan;
  assert.is(plan.model, 'openfold3');
  // 60 tokens per batch, longer than 50 on the long class: lig (53) alone | dimer (37) + rna (4); the duplicate
  // is not predicted.
  assert.equal(
    plan.chunks.flatMap((c) => c.batches.map((b) => [b.tags, b.tokens])),
    [
      [['lig'], 53],
      [['dimer_one', 'rna'], 41],
    ],
  );
  assert.is(s.tokens, 37 + 53 + 4);
  // Chain A is needed by both chunks: aligned once in the shared group every chunk waits for. Chain B only by
  // the second chunk: its own group. The first chunk has nothing of its own to align.
  const keyA = m.targets[1].chains[0].key;
  const keyB = m.targets[0].chains[1].key;
  assert.equal(plan.shared, { align: true, first: 0, last: 0 });
  assert.equal(plan.alignGroups, [
    { id: 0, tags: [keyA] },
    { id: 1, tags: [keyB] },
  ]);
  assert.equal(json(join(out, 'chunks.json')), [
    { id: 'c0000', gpu: 'long', align: false, first: 0, last: 0 },
    { id: 'c0001', gpu: 'standard', align: true, first: 1, last: 1 },
  ]);
  assert.equal(json(join(out, 'shared.json')), [{ first: 0, last: 0 }]);
  // A rerun of the same input replaces the split with identical bytes.
  const again = await runQuerySplit({ input, out, config, alignMode: 'full_dbs' });
  assert.is(again.installed, 'replaced');
});

test('colabfold_server mode adds the paired MSA of a complex as its own align target (its FASTA holds the chains)', async () => {
  const dir = tempDir('ofa-split3-');
  const input = join(dir, 'in.fasta');
  writeFileSync(input, `>d|A\n${A}\n>d|B\n${B}\n`);
  await runQuerySplit({ input, out: join(dir, 'split'), config, alignMode: 'colabfold_server' });
  const m = json(join(dir, 'split', 'manifest.json')) as QueryManifest;
  const pair = m.targets[0].pairKey!;
  assert.match(pair, /^pair_[0-9a-f]{40}$/);
  const fasta = readFileSync(join(dir, 'split', 'fasta', `${pair}.fasta`), 'utf8');
  assert.is(fasta.match(/^>/gm)?.length, 2);
});

test('the CLI refuses bad input with exit 2 and one line naming the query and field; nothing is written', () => {
  const dir = tempDir('ofa-split3-');
  const input = join(dir, 'bad.json');
  writeFileSync(input, JSON.stringify({ queries: { q: { chains: [{ molecule_type: 'dna', chain_ids: ['A'], sequence: 'ACGU' }] } } }));
  const r = spawnSync(process.execPath, [CLI, 'split', input, '--out', join(dir, 'split'), '--model', 'openfold3'], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /bad\.json: query "q": chains\[0\]\.sequence: residue 4 is "U"; a dna sequence has A, C, G, T or N/);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.not.ok(existsSync(join(dir, 'split')));
  void execFileSync;
});

test.run();
