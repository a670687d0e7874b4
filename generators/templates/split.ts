// The `split` step template: multi-FASTA in, one FASTA per target + manifest + plan out (steps/split).
// Its output `chunks` (RUN/split/chunks.json) is the list the pipeline fans out over; it also writes the run's
// estimate (RUN/split/estimate.json) for the report to compare with the measured cost.
import type { Config } from '../config/types.js';
import type { Template } from '../argo/types.js';
import { input, outputFromFile, ref } from '../argo/params.js';
import { cliStep, stepMounts, stepVolumes } from './common.js';

export const SPLIT = 'split';

export function splitTemplate(c: Config): Template {
  return cliStep(c, {
    name: SPLIT,
    step: 'split',
    image: 'tools',
    args: ['split', ref.input('fasta'), '--out', `${ref.input('run')}/split`, '--align-mode', ref.input('align-mode')],
    inputs: [
      input('fasta', { description: 'Multi-FASTA on the shared volume or an s3:// URL.' }),
      input('run', { description: 'Run directory on the shared volume.' }),
      input('align-mode', { description: 'Align mode of the run, for the estimate split writes (split/estimate.json).' }),
    ],
    outputs: [
      outputFromFile('chunks', `${ref.input('run')}/split/chunks.json`, 'Prediction chunks with their align-group ranges (JSON list).'),
    ],
    resources: { cpu: 1, memory: '2Gi' },
    placement: { nodeSelector: {}, tolerations: [] },
    deadline: 'split',
    volumes: stepVolumes(c),
    volumeMounts: stepMounts(c, 'none'),
  });
}
