// The `collect` step template: report.json, report.html and a Markdown summary of the run (steps/collect).
import type { Config } from '../config/types.js';
import type { Template } from '../argo/types.js';
import { input, outputFromFile, ref } from '../argo/params.js';
import { cliStep, stepMounts, stepVolumes } from './common.js';

export const COLLECT = 'collect';
/** Outcomes exported as the Prometheus gauge openfold_targets{workflow, status}. */
const COUNTED = ['predicted', 'failed', 'not-run'];

export function collectTemplate(c: Config): Template {
  return cliStep(c, {
    name: COLLECT,
    step: 'collect',
    image: 'tools',
    // --final: collect runs after every chunk ended, so a target without a result is not_run, not pending.
    args: [
      'report',
      ref.input('run'),
      '--metrics-dir',
      `${ref.input('run')}/metrics`,
      '--final',
      ...(c.input.keepRunsFor ? ['--prune-runs-older-than', c.input.keepRunsFor] : []),
    ],
    outputs: COUNTED.map((status) =>
      outputFromFile(`targets-${status}`, `${ref.input('run')}/metrics/targets-${status}`, `Targets ${status.replace('-', ' ')}.`, '0'),
    ),
    // One series per run (label workflow): runs finishing close together do not overwrite each other's counts.
    // Argo expires a custom metric's series after the controller's metricsConfig.metricsTTL.
    extraMetrics: COUNTED.map((status) => ({
      name: 'openfold_targets',
      help: 'Targets of a finished run, by workflow and outcome.',
      labels: [
        { key: 'workflow', value: '{{workflow.name}}' },
        { key: 'status', value: status },
      ],
      gauge: { value: `{{outputs.parameters.targets-${status}}}`, realtime: false },
    })),
    inputs: [input('run', { description: 'Run directory on the shared volume.' })],
    resources: { cpu: 1, memory: '2Gi' },
    deadline: 'collect',
    volumes: stepVolumes(c),
    volumeMounts: stepMounts(c, 'none'),
  });
}
