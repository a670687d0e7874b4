// The `collect` step template: report.json, report.html and a Markdown summary of the run (steps/collect).
import type { Config } from '../config/types.js';
import type { Template } from '../argo/types.js';
import { stepTemplate } from '../argo/container.js';
import { input, ref } from '../argo/params.js';
import { CLI, configEnv, deadline, image, stepMounts, stepRetry, stepVolumes } from './common.js';

export const COLLECT = 'collect';

export function collectTemplate(c: Config): Template {
  return stepTemplate({
    name: COLLECT,
    step: 'collect',
    image: image(c.images.tools),
    pullPolicy: c.images.pullPolicy,
    command: [CLI],
    args: ['report', ref.input('run')],
    inputs: [input('run', { description: 'Run directory on the shared volume.' })],
    env: configEnv(c),
    resources: { cpu: 1, memory: '2Gi' },
    placement: { nodeSelector: {}, tolerations: [] },
    deadlineSeconds: deadline(c, 'collect'),
    retry: stepRetry(c),
    volumes: stepVolumes(c),
    volumeMounts: stepMounts(c, 'none'),
  });
}
