// Config in, Argo resources out: the whole set of resources openfold-argo installs, in a stable order.
// Pure: no I/O; render.ts turns these into YAML files.
import type { Config } from './config/types.js';
import type { Resource } from './argo/types.js';
import { databasesWorkflowTemplate } from './templates/databases.js';
import { alignWorkflowTemplate } from './templates/align.js';
import { predictWorkflowTemplate } from './templates/predict.js';
import { pipelineWorkflowTemplate } from './templates/pipeline.js';
import { cronWorkflows } from './templates/cron.js';
import { semaphoreConfigMap } from './templates/configmaps.js';
import { ConfigError } from './config/load.js';
import { fitProblems } from './fit.js';

export interface RenderedResource {
  /** File name under workflows/. */
  file: string;
  resource: Resource;
}

/** Every resource of the config; throws a ConfigError (source: the config's name) when a pod would not fit its node. */
export function generateResources(c: Config, source = 'config'): RenderedResource[] {
  const fileOf = (r: Resource) =>
    `${r.kind === 'ConfigMap' ? 'configmap' : r.kind === 'CronWorkflow' ? 'cron' : 'template'}-${r.metadata.name}.yaml`;
  const resources: Resource[] = [
    semaphoreConfigMap(c),
    databasesWorkflowTemplate(c),
    alignWorkflowTemplate(c),
    predictWorkflowTemplate(c),
    pipelineWorkflowTemplate(c),
    ...cronWorkflows(c),
  ];
  const problems = fitProblems(c, resources);
  if (problems.length) throw new ConfigError(source, problems);
  return resources.map((resource) => ({ file: fileOf(resource), resource }));
}
