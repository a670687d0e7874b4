// The `check-parameters` step template: the pipeline's first task checks the workflow's own parameters
// (dates, locations, and the enums Argo does not enforce for a Workflow submitted by reference; see
// common/parameters.ts) before any download or alignment starts. Values reach the program as separate argv
// elements (NAME=VALUE), never a shell or an expression.
import type { Config } from '../config/types.js';
import type { Template } from '../argo/types.js';
import { input, ref } from '../argo/params.js';
import { cliStep } from './common.js';

export const CHECK_PARAMETERS = 'check-parameters';

export function checkParametersTemplate(c: Config, names: string[]): Template {
  return cliStep(c, {
    name: CHECK_PARAMETERS,
    step: 'check-parameters',
    image: 'tools',
    args: ['check-parameters', ...names.map((n) => `${n}=${ref.input(n)}`)],
    inputs: names.map((n) => input(n, { description: `The workflow's ${n}, as given.` })),
    resources: { cpu: '100m', memory: '256Mi' },
    // A check of a few strings: the split step's deadline is more than enough.
    deadline: 'split',
    volumes: [{ name: 'tmp', emptyDir: {} }],
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  });
}
