// The `collect` step template: report.json, report.html and a Markdown summary of the run (steps/collect).
import type { Config } from '../config/types.js';
import type { Template } from '../argo/types.js';
import { stepTemplate } from '../argo/container.js';
import { input, outputFromFile, ref } from '../argo/params.js';
import { CLI, configEnv, deadline, image, stepMounts, stepRetry, stepVolumes } from './common.js';

export const COLLECT = 'collect';
/** Outcomes exported as the Prometheus gauge openfold_targets{status}. */
const COUNTED = ['predicted', 'failed', 'not-run'];

export function collectTemplate(c: Config): Template {
  return stepTemplate({
    name: COLLECT,
    step: 'collect',
    image: image(c.images.tools),
    pullPolicy: c.images.pullPolicy,
    command: [CLI],
    args: ['report', ref.input('run'), '--metrics-dir', `${ref.input('run')}/metrics`],
    outputs: COUNTED.map((status) =>
      outputFromFile(`targets-${status}`, `${ref.input('run')}/metrics/targets-${status}`, `Targets ${status.replace('-', ' ')}.`, '0'),
    ),
    extraMetrics: COUNTED.map((status) => ({
      name: 'openfold_targets',
      help: 'Targets of the last finished run, by outcome.',
      labels: [{ key: 'status', value: status }],
      gauge: { value: `{{outputs.parameters.targets-${status}}}`, realtime: false },
    })),
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
