// The report of an OpenFold3 run: per query the ranked sample's scores and the tokens, chain alignments shared
// by queries counted once, the per-query table and the ipTM vs pTM plot of complexes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeReport } from '../../../steps/collect/report.js';
import type { PredictResult } from '../../../steps/predict/result.js';
import { tempDir } from '../../helpers/env.js';

const run = tempDir('ofa-report3-');
const write = (rel: string, doc: unknown) => {
  mkdirSync(join(run, rel, '..'), { recursive: true });
  writeFileSync(join(run, rel), JSON.stringify(doc));
};
const chains = (...c: [string[], string?][]) => c.map(([ids, key]) => ({ ids, molecule: 'protein', length: 10, ...(key ? { key } : {}) }));
write('split/manifest.json', {
  model: 'openfold3',
  targets: [
    { tag: 'dimer', header: 'dimer', length: 20, sha256: 'a', tokens: 20, chains: chains([['A'], 'protein_x'], [['B'], 'protein_y']) },
    { tag: 'mono', header: 'mono', length: 10, sha256: 'b', tokens: 10, chains: chains([['A'], 'protein_x']) },
    { tag: 'lig', header: 'lig', length: 10, sha256: 'c', tokens: 41, chains: chains([['A'], 'protein_y'], [['L']]) },
  ],
  aligned: [],
});
for (const [key, seconds] of [
  ['protein_x', 10],
  ['protein_y', 5],
] as const)
  write(`alignments/${key}/manifest.json`, {
    msaDepth: { 'uniref90_hits.sto': 30 },
    wallSeconds: seconds,
    cached: false,
    completedAt: '2026-01-01T00:00:00Z',
  });
const result = (tag: string, fields: Partial<PredictResult>): PredictResult => ({
  version: 1,
  tag,
  chunk: 'c0000',
  model: 'openfold3',
  status: 'predicted',
  files: { model: `predictions/c0000/b000/attempt/output/${tag}/seed_42/${tag}_seed_42_sample_1_model.cif` },
  configPreset: 'predict',
  gpuClass: 'standard',
  completedAt: '2026-01-01T00:01:00Z',
  meanPlddt: 71.5,
  ...fields,
});
const scores = (ptm: number, iptm: number, n: number, clash = false) => ({
  tokens: 20,
  ptm,
  iptm,
  rankingScore: 0.8 * iptm + 0.2 * ptm,
  hasClash: clash,
  chainPtm: { A: ptm },
  chainPairIptm: (n > 1 ? { '(A, B)': iptm } : {}) as Record<string, number>,
  ranked: { seed: 42, sample: 1 },
  samples: [],
  chains: n,
});
write('results/dimer/result.json', result('dimer', { openfold3: scores(0.81, 0.77, 2) }));
write('results/mono/result.json', result('mono', { openfold3: scores(0.9, 0, 1) }));
write(
  'results/lig/result.json',
  result('lig', { status: 'failed', reason: 'OpenFold3 could not prepare the query: KeyError', meanPlddt: undefined }),
);

test('report.json: model, per-query OpenFold3 columns, chain alignments by chain id, alignment time counted once', async () => {
  const { report } = await writeReport(run);
  assert.is(report.model, 'openfold3');
  const [dimer, mono, lig] = report.targets;
  assert.equal(dimer.openfold3, {
    tokens: 20,
    chains: 2,
    ptm: 0.81,
    iptm: 0.77,
    rankingScore: 0.8 * 0.77 + 0.2 * 0.81,
    hasClash: false,
    chainPtm: { A: 0.81 },
    chainPairIptm: { '(A, B)': 0.77 },
  });
  assert.equal(dimer.msaDepth, { 'A uniref90_hits.sto': 30, 'B uniref90_hits.sto': 30 });
  assert.is(dimer.alignSeconds, 15);
  assert.is(mono.openfold3?.chains, 1);
  assert.equal([lig.status, lig.openfold3?.tokens, lig.openfold3?.ptm], ['failed', 41, null]);
  // protein_x serves dimer and mono, protein_y dimer and lig: 10 + 5 seconds, not 15 + 10 + 5.
  assert.is(report.summary.alignSeconds, 15);
});

test('report.html: the OpenFold3 table and the ipTM vs pTM plot of the complexes (one dot: the dimer)', () => {
  const html = readFileSync(join(run, 'report.html'), 'utf8');
  assert.match(html, /OpenFold3: the ranked sample of each query/);
  assert.is(html.match(/class="openfold3-row"/g)?.length, 3);
  assert.match(html, /ipTM vs pTM \(complexes: 1\)/);
  assert.is(html.match(/<title>dimer: pTM 0\.810, ipTM 0\.770<\/title>/g)?.length, 1);
  assert.not.match(html, /<title>mono: pTM/);
});

test.run();
