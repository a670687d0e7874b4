// The `split` step template: multi-FASTA in, one FASTA per target + manifest + plan out (steps/split).
// Its output `chunks` (RUN/split/chunks.json) is the list the pipeline fans out over; `shared` the align groups
// every chunk waits for (OpenFold3 chains used by several chunks). It also writes the run's estimate
// (RUN/split/estimate.json) for the report to compare with the measured cost.
import type { Config } from '../config/types.js';
import type { Template } from '../argo/types.js';
import { input, outputFromFile, ref } from '../argo/params.js';
import { ALIGN_MODES, cliStep, stepMounts, stepVolumes } from './common.js';

export const SPLIT = 'split';

export function splitTemplate(c: Config): Template {
  return cliStep(c, {
    name: SPLIT,
    step: 'split',
    image: 'tools',
    args: [
      'split',
      ref.input('fasta'),
      '--out',
      `${ref.input('run')}/split`,
      '--model',
      ref.input('model'),
      '--align-mode',
      ref.input('align-mode'),
    ],
    inputs: [
      input('fasta', { description: 'Input on the shared volume or an s3:// URL: a multi-FASTA, or (openfold3) an OpenFold3 query JSON.' }),
      input('run', { description: 'Run directory on the shared volume.' }),
      input('model', { description: 'openfold or openfold3.', default: c.model, enum: ['openfold', 'openfold3'] }),
      input('align-mode', {
        description:
          "The run's alignment mode (colabfold_server adds paired MSAs), also for the estimate split writes (split/estimate.json).",
        default: c.alignment.mode,
        enum: [...ALIGN_MODES],
      }),
    ],
    outputs: [
      outputFromFile('chunks', `${ref.input('run')}/split/chunks.json`, 'Prediction chunks with their align-group ranges (JSON list).'),
      outputFromFile(
        'shared',
        `${ref.input('run')}/split/shared.json`,
        'Align groups every chunk needs (a JSON list of at most one range).',
      ),
    ],
    resources: { cpu: 1, memory: '2Gi' },
    deadline: 'split',
    volumes: stepVolumes(c),
    volumeMounts: stepMounts(c, 'none'),
  });
}
