// CronWorkflows: the weekly refresh of the data that changes weekly (pdb_mmcif, pdb_seqres), the CAMEO-92
// regression benchmark (same targets, same template date, compared run to run) and the weekly CAMEO targets
// from CAMEO's current listing. They run our WorkflowTemplates by reference; Argo v4 takes `schedules`.
import type { Config, Schedule } from '../config/types.js';
import type { CronWorkflow, Parameter } from '../argo/types.js';
import { metadata } from '../argo/metadata.js';
import { TEMPLATE_NAMES, cliStep, runDir, stepMounts, stepVolumes, workflowDefaults } from './common.js';
import { dagTemplate, localTask, refTask } from '../argo/dag.js';
import { args, outputFromFile, ref } from '../argo/params.js';
import { PIPELINE_MAIN, PIPELINE_PARAMETERS } from './pipeline.js';
import { databaseTasksFor } from './databases.js';
import { builtinManifest } from '../../steps/databases/manifest.js';

export const REFRESH_CRON = 'openfold-database-refresh';
export const BENCHMARK_CRON = 'openfold-benchmark';
export const CAMEO_WEEKLY_CRON = 'openfold-cameo-weekly';

/** Databases the refresh updates incrementally (those the manifest marks `refresh: incremental`). */
export function refreshedDatabases(c: Config): string[] {
  const incremental = new Set(
    builtinManifest(c.databases.preset)
      .databases.filter((d) => d.refresh === 'incremental')
      .map((d) => d.name),
  );
  return databaseTasksFor(c).filter((n) => incremental.has(n));
}

/** A CronWorkflow running `workflowSpec` on the schedule; a disabled schedule is rendered suspended. */
function cronWorkflow(
  c: Config,
  name: string,
  component: string,
  description: string,
  s: Schedule,
  workflowSpec: CronWorkflow['spec']['workflowSpec'],
): CronWorkflow {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'CronWorkflow',
    metadata: metadata(name, c.namespace, component, description),
    spec: {
      schedules: s.schedules,
      timezone: s.timezone,
      suspend: !s.enabled,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      workflowMetadata: { labels: { 'app.kubernetes.io/part-of': 'openfold-argo', 'app.kubernetes.io/component': component } },
      workflowSpec,
    },
  };
}

/** A CronWorkflow that submits one of our WorkflowTemplates with fixed parameters. */
function cron(
  c: Config,
  name: string,
  component: string,
  description: string,
  s: Schedule,
  template: string,
  parameters: Parameter[],
): CronWorkflow {
  return cronWorkflow(c, name, component, description, s, { workflowTemplateRef: { name: template }, arguments: { parameters } });
}

export function cronWorkflows(c: Config): CronWorkflow[] {
  const refreshed = refreshedDatabases(c);
  const out: CronWorkflow[] = [];
  if (refreshed.length)
    out.push(
      cron(
        c,
        REFRESH_CRON,
        'database-refresh',
        `Weekly incremental refresh of ${refreshed.join(' and ')} (new and changed objects only).`,
        c.cron.databaseRefresh,
        TEMPLATE_NAMES.databases,
        [
          { name: 'only', value: refreshed.join(',') },
          { name: 'refresh', value: 'true' },
        ],
      ),
    );
  out.push(
    cron(
      c,
      BENCHMARK_CRON,
      'benchmark',
      `Weekly CAMEO benchmark with templates up to ${c.cron.benchmark.maxTemplateDate} (no template newer than the targets).`,
      c.cron.benchmark,
      TEMPLATE_NAMES.pipeline,
      [
        { name: 'input-fasta', value: c.cron.benchmark.fasta },
        { name: 'max-template-date', value: c.cron.benchmark.maxTemplateDate },
        { name: 'skip-databases', value: 'true' },
      ],
    ),
  );
  out.push(cameoWeeklyCron(c));
  return out;
}

/**
 * This week's CAMEO targets: `cameo week` reads CAMEO's listing, fetches the listed entries (the references,
 * whose SEQRES are the sequences) and writes the FASTA of those released, with max_template_date the day before
 * their week; the pipeline's DAG (templateRef openfold-pipeline/main) predicts them and, with
 * evaluation.references set to the same folder, scores them. Targets not released yet wait in the ledger and
 * join a later week.
 */
function cameoWeeklyCron(c: Config): CronWorkflow {
  const s = c.cron.cameoWeekly;
  const input = `${runDir(c)}/input`;
  const week = cliStep(c, {
    name: 'cameo-week',
    step: 'cameo-week',
    image: 'tools',
    args: [
      'cameo',
      'week',
      '--out',
      `${input}/cameo-week.fasta`,
      '--references',
      s.references,
      '--listing-url',
      s.listingUrl,
      '--references-url',
      s.referencesUrl,
      '--outputs-dir',
      `${input}/outputs`,
    ],
    outputs: [
      outputFromFile('fasta', `${input}/outputs/fasta`, 'The FASTA of the targets to predict.'),
      outputFromFile('max-template-date', `${input}/outputs/max-template-date`, 'The day before the earliest target.'),
      outputFromFile('targets', `${input}/outputs/targets`, 'How many targets were written.', '0'),
    ],
    resources: { cpu: 1, memory: '4Gi' },
    deadline: 'evaluate',
    volumes: stepVolumes(c),
    volumeMounts: stepMounts(c, 'none'),
  });
  const dag = dagTemplate({
    name: 'weekly',
    tasks: [
      localTask('week', 'cameo-week'),
      refTask('pipeline', TEMPLATE_NAMES.pipeline, PIPELINE_MAIN, {
        depends: 'week.Succeeded',
        when: `'${ref.taskOutput('week', 'targets')}' != '0'`,
        // Every parameter of the pipeline's main template (it has no defaults of its own): the config's, then the week's.
        arguments: args({
          ...Object.fromEntries(PIPELINE_PARAMETERS(c).map((p) => [p.name, String(p.value ?? '')])),
          'input-fasta': ref.taskOutput('week', 'fasta'),
          model: c.model,
          'align-mode': c.alignment.mode,
          'max-template-date': ref.taskOutput('week', 'max-template-date'),
          'skip-databases': 'true',
        }),
      }),
    ],
  });
  return cronWorkflow(
    c,
    CAMEO_WEEKLY_CRON,
    'cameo-weekly',
    "Weekly CAMEO targets from CAMEO's listing, predicted with templates up to the day before their week and scored against their PDB entries.",
    s,
    { entrypoint: 'weekly', ...workflowDefaults(c, 'cameo-weekly'), templates: [dag, week] },
  );
}
