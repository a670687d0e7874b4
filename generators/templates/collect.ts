// The `collect` step template: report.json, report.html and a Markdown summary of the run (steps/collect).
import type { Config } from '../config/types.js';
import type { Template } from '../argo/types.js';
import { input, outputFromFile, ref } from '../argo/params.js';
import { cliStep, stepMounts, stepVolumes } from './common.js';

export const COLLECT = 'collect';
/** Outcomes exported as the Prometheus gauge openfold_targets{status}. */
const COUNTED = ['predicted', 'failed', 'not-run'];

export function collectTemplate(c: Config): Template {
  return cliStep(c, {
    name: COLLECT,
    step: 'collect',
    image: 'tools',
    // --final: collect runs after every chunk ended, so a target without a result is not_run, not pending.
    args: ['report', ref.input('run'), '--metrics-dir', `${ref.input('run')}/metrics`, '--final'],
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
    resources: { cpu: 1, memory: '2Gi' },
    placement: { nodeSelector: {}, tolerations: [] },
    deadline: 'collect',
    volumes: stepVolumes(c),
    volumeMounts: stepMounts(c, 'none'),
  });
}
