// The `evaluate` step template: scores the run's predictions against reference structures (steps/evaluate),
// RUN/evaluation/<tag>/evaluation.json, before collect puts them in the report. Rendered only when
// evaluation.references names a folder of reference mmCIF files on the shared volume.
import type { Config } from '../config/types.js';
import type { Template } from '../argo/types.js';
import { input, ref } from '../argo/params.js';
import { evaluateContract } from '../../steps/evaluate/contract.js';
import { cliStep, stepMounts, stepVolumes } from './common.js';

export const EVALUATE = 'evaluate';

export function evaluateTemplate(c: Config): Template {
  return cliStep(c, {
    name: EVALUATE,
    step: 'evaluate',
    image: evaluateContract.image,
    args: evaluateContract.command({ run: ref.input('run'), references: c.evaluation.references }).slice(1),
    inputs: [input('run', { description: 'Run directory on the shared volume.' })],
    resources: evaluateContract.resources,
    deadline: 'evaluate',
    volumes: stepVolumes(c),
    volumeMounts: stepMounts(c, 'none'),
  });
}
