// Reading OpenFold3's outputs and log: summary.txt, the samples' aggregated confidences, the ranked sample,
// per-query failure reasons.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { summariseOpenfold3Log } from '../../../steps/predict-openfold3/log.js';
import { parseSummary, readQueryOutputs, samplePrefix } from '../../../steps/predict-openfold3/outputs.js';
import { tempDir } from '../../helpers/env.js';

// As core/runners/writer.py writes it.
const SUMMARY = `
==================================================
    PREDICTION SUMMARY (COMPLETE)    
==================================================
Total Queries Processed: 3
  - Successful Queries:  1
  - Failed Queries:      2

Failed Queries: bad, oom
==================================================
`;

test('summary.txt: counts and failed ids', () => {
  assert.equal(parseSummary(SUMMARY), { processed: 3, successful: 1, failed: 2, failedQueries: ['bad', 'oom'] });
  assert.equal(parseSummary(SUMMARY.replace('\nFailed Queries: bad, oom', ''))?.failedQueries, []);
  assert.is(parseSummary('not a summary'), undefined);
});

function sample(out: string, q: string, seed: number, k: number, score: number, extra: Record<string, unknown> = {}) {
  const prefix = samplePrefix(out, q, seed, k);
  mkdirSync(join(out, q, `seed_${seed}`), { recursive: true });
  writeFileSync(`${prefix}_model.cif`, 'data_x\n');
  writeFileSync(
    `${prefix}_confidences_aggregated.json`,
    JSON.stringify({
      avg_plddt: 50 + k,
      gpde: 16,
      iptm: 0.1 * k,
      ptm: 0.2,
      disorder: 1,
      has_clash: 0,
      sample_ranking_score: score,
      chain_ptm: { A: 0.2 },
      chain_pair_iptm: { '(A, B)': 0.3 },
      ...extra,
    }),
  );
}

test('the ranked sample is the best sample_ranking_score over seeds and samples; runtime summed over seeds', () => {
  const out = tempDir('ofa-out3-');
  sample(out, 'q', 1, 1, 0.4);
  sample(out, 'q', 1, 2, 0.7);
  sample(out, 'q', 2, 1, 0.5, { has_clash: 1 });
  sample(out, 'q', 2, 2, 0.6);
  writeFileSync(join(out, 'q', 'seed_1', 'timing.json'), '{"runtime_s": 1.5}');
  writeFileSync(join(out, 'q', 'seed_2', 'timing.json'), '{"runtime_s": 2.0}');
  const r = readQueryOutputs(out, 'q', [1, 2], 2, 'cif');
  if (typeof r === 'string') throw new Error(r);
  assert.equal([r.ranked.seed, r.ranked.sample, r.ranked.rankingScore], [1, 2, 0.7]);
  assert.is(r.samples.length, 4);
  assert.is(r.samples[2].hasClash, true);
  assert.is(r.seconds, 3.5);
  assert.equal(r.ranked.chainPairIptm, { '(A, B)': 0.3 });
});

test('a missing sample or a malformed score makes the query incomplete, with the file named', () => {
  const out = tempDir('ofa-out3-');
  sample(out, 'q', 1, 1, 0.4);
  assert.match(readQueryOutputs(out, 'q', [1], 2, 'cif') as string, /no model .*q_seed_1_sample_2_model\.cif/);
  sample(out, 'r', 1, 1, 0.4, { ptm: 'NaN' });
  assert.match(readQueryOutputs(out, 'r', [1], 1, 'cif') as string, /must be numbers/);
});

test('the log gives a reason per failed query: data pipeline, OOM, model failure', () => {
  const log = summariseOpenfold3Log(
    [
      'WARNING:openfold3.core.data.framework.single_datasets.inference:----------------------------------------',
      'Failed to process bad with preferredException type: KeyError',
      'Traceback: Traceback (most recent call last):',
      '  File "x.py", line 1, in f',
      'KeyError: "No atom information found for residue \'ZZZZZ\' in CCD"',
      '----------------------------------------',
      'ERROR:openfold3.projects.of3_all_atom.runner:OOM for query_id(s) big. See logs/predict_err_rank0.log for details.',
      'ERROR:openfold3.projects.of3_all_atom.runner:Failed for query_id(s) odd: shapes do not match. See logs/predict_err_rank0.log for details.',
    ].join('\n'),
  );
  assert.equal(
    log.failures.get('bad'),
    'OpenFold3 could not prepare the query: KeyError: "No atom information found for residue \'ZZZZZ\' in CCD"',
  );
  assert.equal(log.failures.get('big'), 'CUDA out of memory');
  assert.equal([...log.oom], ['big']);
  assert.ok(log.cudaOom);
  assert.equal(log.failures.get('odd'), 'OpenFold3 failed on the query: shapes do not match');
});

test.run();
