// The report with accuracy: a run scored by the real evaluate step, collected into report.json and report.html
// (lDDT-Cα vs mean pLDDT scatter, per-target table, the comparison with OpenFold's published CAMEO figure).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../../helpers/gate.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectRun } from '../../../steps/collect/collect.js';
import { OPENFOLD_PUBLISHED, summarizeAccuracy } from '../../../steps/collect/accuracy.js';
import { markdownSummary, writeReport } from '../../../steps/collect/report.js';
import { evaluateRun } from '../../../steps/evaluate/evaluate.js';
import { buildRun, missingEvaluatePython } from '../evaluate/helpers.js';

const withPython = requires(missingEvaluatePython());

test('without evaluations the report has no accuracy section', () => {
  assert.is(summarizeAccuracy([null, null], []), null);
});

withPython('an evaluated run: per-target scores, means over evaluated targets, the published comparison', async () => {
  const { run, references } = buildRun();
  await evaluateRun(run, { references });
  const { report } = await collectRun(run);
  const byTag = Object.fromEntries(report.targets.map((t) => [t.tag, t]));
  const csde = byTag.CSDE_A.accuracy!;
  assert.is(csde.status, 'evaluated');
  assert.is(csde.reference, '5EEP A');
  assert.ok(Math.abs((csde.lddtCa ?? 0) - 0.7869) < 1e-3);
  // a duplicate shows its original's prediction numbers but its own accuracy (its own reference)
  assert.is(byTag.CSDE_copy.meanPlddt, 81.5);
  assert.is(byTag.CSDE_copy.accuracy?.reference, '1NI7 A');
  assert.is(byTag.CSDE_copy.accuracy?.lddtCa, 1);
  assert.equal(Object.keys(byTag.COMPLEX.accuracy!.dockq), ['A/D']);
  assert.is(byTag.NOT_FETCHED.accuracy?.status, 'no_reference');
  assert.is(byTag.FAILED.accuracy, null);

  const a = report.accuracy!;
  assert.equal([a.evaluated, a.noReference, a.failed], [3, 2, 0]);
  const mean = (csde.lddtCa! + 1 + byTag.COMPLEX.accuracy!.lddtCa!) / 3;
  assert.ok(Math.abs(a.meanLddtCa! - mean) < 1e-12);
  assert.equal(a.models, ['openfold_params/finetuning_ptm_2.pt model_1_ptm']);
  assert.equal(report.summary.maxTemplateDates, ['2022-04-22']);
  assert.is(a.published.meanLddtCa, 0.9097);
  assert.match(a.comparison, `mean lDDT-Cα ${mean.toFixed(4)} over this run's 3 evaluated targets`);
  assert.match(a.comparison, 'OpenFold published 0.9097 for finetuning_ptm_2 on about 180 chains drawn from CAMEO');
  assert.match(markdownSummary(report), '- accuracy: mean lDDT-Cα');

  await writeReport(run);
  const html = readFileSync(join(run, 'report.html'), 'utf8');
  assert.match(html, 'Accuracy against reference structures');
  assert.match(html, '<td>max_template_date (as the results recorded it)</td><td class="num">2022-04-22</td>');
  assert.match(html, 'aria-label="lDDT-Cα against mean pLDDT"');
  assert.is((html.match(/<tr id="accuracy-/g) ?? []).length, 5);
  assert.match(html, OPENFOLD_PUBLISHED.source.slice(0, 40));
  const json = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8'));
  assert.is(json.accuracy.evaluated, 3);
});

test.run();
