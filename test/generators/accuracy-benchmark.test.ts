// Generators for accuracy and the benchmarks: the evaluate step appears only with reference structures
// configured, the pipeline's DAG takes its parameters as inputs (so the weekly CAMEO workflow can call it with
// the week's values), the CAMEO-92 regression benchmark keeps its pinned date, max-template-date defaults to today.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../generators/config/load.js';
import { generateResources } from '../../generators/index.js';
import type { CronWorkflow, DagTask, Template, WorkflowTemplate } from '../../generators/argo/types.js';
import { PIPELINE_PARAMETERS } from '../../generators/templates/pipeline.js';

const resources = (doc: unknown) => generateResources(resolveConfig(doc));
const pipelineOf = (doc: unknown) => resources(doc).find((r) => r.file === 'template-openfold-pipeline.yaml')!.resource as WorkflowTemplate;
const template = (templates: Template[] | undefined, name: string) => templates?.find((t) => t.name === name);
const task = (t: Template | undefined, name: string) => t?.dag?.tasks.find((x: DagTask) => x.name === name);

test('without evaluation.references there is no evaluate step; with it, evaluate runs between the chunks and collect', () => {
  const plain = pipelineOf({});
  assert.is(template(plain.spec.templates, 'evaluate'), undefined);
  assert.match(task(template(plain.spec.templates, 'main'), 'collect')?.depends ?? '', 'chunk.Succeeded');
  const scored = pipelineOf({ evaluation: { references: '/fsx/references/cameo' } });
  const evaluate = template(scored.spec.templates, 'evaluate')!;
  assert.equal(evaluate.container?.args, ['evaluate', '{{inputs.parameters.run}}', '--references', '/fsx/references/cameo']);
  const main = template(scored.spec.templates, 'main');
  assert.match(task(main, 'evaluate')?.depends ?? '', 'chunk.Succeeded');
  assert.match(task(main, 'collect')?.depends ?? '', 'evaluate.Succeeded || evaluate.Failed');
});

test("the pipeline's DAG reads its parameters as inputs, not as workflow parameters", () => {
  const main = template(pipelineOf({}).spec.templates, 'main')!;
  assert.equal(
    main.inputs?.parameters?.map((p) => p.name),
    PIPELINE_PARAMETERS(resolveConfig({})).map((p) => p.name),
  );
  assert.not.match(JSON.stringify(pipelineOf({}).spec.templates), 'workflow.parameters');
});

test('max-template-date is today by default; the CAMEO-92 benchmark keeps its pinned date', () => {
  const c = resolveConfig({});
  assert.is(c.inference.maxTemplateDate, 'today');
  const benchmark = resources({}).find((r) => r.file === 'cron-openfold-benchmark.yaml')!.resource as CronWorkflow;
  assert.equal(benchmark.spec.workflowSpec.arguments?.parameters?.find((p) => p.name === 'max-template-date')?.value, '2022-04-08');
});

test("the weekly CAMEO CronWorkflow: the week's targets, then the pipeline's DAG with the week's FASTA and date", () => {
  const weekly = resources({ cron: { cameoWeekly: { enabled: true } } }).find((r) => r.file === 'cron-openfold-cameo-weekly.yaml')!
    .resource as CronWorkflow;
  assert.is(weekly.spec.suspend, false);
  const spec = weekly.spec.workflowSpec;
  assert.is(spec.entrypoint, 'weekly');
  const week = template(spec.templates, 'cameo-week')!;
  assert.equal(week.container?.args?.slice(0, 2), ['cameo', 'week']);
  assert.ok(week.container?.args?.includes('https://www.cameo3d.org'));
  const pipeline = task(template(spec.templates, 'weekly'), 'pipeline')!;
  assert.equal(pipeline.templateRef, { name: 'openfold-pipeline', template: 'main' });
  assert.is(pipeline.when, "'{{tasks.week.outputs.parameters.targets}}' != '0'");
  const a = Object.fromEntries((pipeline.arguments?.parameters ?? []).map((p) => [p.name, p.value]));
  assert.equal(a, {
    'input-fasta': '{{tasks.week.outputs.parameters.fasta}}',
    'align-mode': 'full_dbs',
    'max-template-date': '{{tasks.week.outputs.parameters.max-template-date}}',
    'skip-databases': 'true',
    model: 'openfold',
  });
  const suspended = resources({}).find((r) => r.file === 'cron-openfold-cameo-weekly.yaml')!.resource as CronWorkflow;
  assert.is(suspended.spec.suspend, true);
});

test.run();
