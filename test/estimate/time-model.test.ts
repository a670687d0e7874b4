import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DEFAULT_TIME_MODEL,
  H100_OPENFOLD2_NIM,
  V100_ALPHAFOLD2,
  baseInferenceSeconds,
  curveSeconds,
  mergeOverrides,
  resolveTimeModel,
} from '../../estimate/time-model.js';

test('the published points come back exactly, linear between them', () => {
  for (const [l, t] of H100_OPENFOLD2_NIM) assert.is(curveSeconds(H100_OPENFOLD2_NIM, l), t);
  for (const [l, t] of V100_ALPHAFOLD2) assert.is(curveSeconds(V100_ALPHAFOLD2, l), t);
  assert.is(curveSeconds(H100_OPENFOLD2_NIM, 201), (4.33 + 7.73) / 2);
  assert.equal(H100_OPENFOLD2_NIM, [
    [98, 4.33],
    [304, 7.73],
    [562, 19.36],
    [914, 41.19],
  ]);
});

test('below the first point: its time; above the last: the last segment power law, increasing', () => {
  assert.is(curveSeconds(H100_OPENFOLD2_NIM, 20), 4.33);
  const at1828 = curveSeconds(H100_OPENFOLD2_NIM, 1828);
  const exponent = Math.log(41.19 / 19.36) / Math.log(914 / 562);
  assert.ok(Math.abs(at1828 - 41.19 * 2 ** exponent) < 1e-9);
  let last = 0;
  for (let l = 10; l < 5000; l += 37) {
    const t = curveSeconds(V100_ALPHAFOLD2, l);
    assert.ok(t >= last, `monotone at ${l}`);
    last = t;
  }
});

test('GPU models: H100 is the NIM series, A100 an assumed half of the V100 series, unknown models fall back to V100', () => {
  assert.is(baseInferenceSeconds('H100', 304), 7.73);
  assert.is(baseInferenceSeconds('A100', 384), 33);
  assert.is(baseInferenceSeconds('A10G', 384), 66);
  assert.is(baseInferenceSeconds('TPU', 384), 66);
  assert.is(baseInferenceSeconds(undefined, 384), 66);
});

test('overrides replace single coefficients and keep the other defaults', () => {
  const m = resolveTimeModel({ podStartSeconds: { align: 1 }, align: { mmseqs: { secondsPerResidue: 0.5 } } });
  assert.is(m.podStartSeconds.align, 1);
  assert.is(m.podStartSeconds.predict, DEFAULT_TIME_MODEL.podStartSeconds.predict);
  assert.is(m.align.mmseqs.secondsPerResidue, 0.5);
  assert.is(m.align.mmseqs.groupSeconds, DEFAULT_TIME_MODEL.align.mmseqs.groupSeconds);
  assert.is(m.align.full_dbs.secondsPerResidue, 7.25);
  const merged = mergeOverrides({ podStartSeconds: { align: 1, light: 2 } }, { podStartSeconds: { align: 3 } });
  assert.equal(merged, { podStartSeconds: { align: 3, light: 2 } });
  // The defaults object itself is never changed.
  assert.is(DEFAULT_TIME_MODEL.podStartSeconds.align, 60);
});

test.run();
