// CronWorkflows: the weekly refresh of the data that changes weekly (pdb_mmcif, pdb_seqres) and the weekly
// CAMEO benchmark. Both run our WorkflowTemplates by reference; Argo v4 takes `schedules` (a list).
import type { Config, Schedule } from '../config/types.js';
import type { CronWorkflow, Parameter } from '../argo/types.js';
import { metadata } from '../argo/metadata.js';
import { TEMPLATE_NAMES } from './common.js';
import { databaseTasksFor } from './databases.js';
import { builtinManifest } from '../../steps/databases/manifest.js';

export const REFRESH_CRON = 'openfold-database-refresh';
export const BENCHMARK_CRON = 'openfold-benchmark';

/** Databases the refresh updates incrementally (those the manifest marks `refresh: incremental`). */
export function refreshedDatabases(c: Config): string[] {
  const incremental = new Set(
    builtinManifest(c.databases.preset)
      .databases.filter((d) => d.refresh === 'incremental')
      .map((d) => d.name),
  );
  return databaseTasksFor(c).filter((n) => incremental.has(n));
}

function cron(
  c: Config,
  name: string,
  component: string,
  description: string,
  s: Schedule,
  template: string,
  parameters: Parameter[],
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
      workflowSpec: { workflowTemplateRef: { name: template }, arguments: { parameters } },
    },
  };
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
  return out;
}
