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

export interface RenderedResource {
  /** File name under workflows/. */
  file: string;
  resource: Resource;
}

export function generateResources(c: Config): RenderedResource[] {
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
  return resources.map((resource) => ({ file: fileOf(resource), resource }));
}
