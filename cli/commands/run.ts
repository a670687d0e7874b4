// `openfold-argo run --local`: runs the rendered pipeline on this machine (executor/README.md).
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { projectRoot } from '../paths.js';
import { loadConfig, DEFAULT_CONFIG_FILE } from '../../generators/config/load.js';
import { executeLocally, parseParameters } from '../../executor/cli.js';

const USAGE = `usage: openfold-argo run --local [--config FILE] [--workdir DIR] [--resume] [--max-parallel N] [-p name=value ...]

Runs the pipeline the generators render (databases -> split -> align -> predict -> collect) on this machine:
the shared volume becomes DIR/volume, each step runs as a local process, logs go to DIR/logs/<step>.log and
the run's state to DIR/state.json. The report ends up in DIR/volume/runs/<workflow>/report.html.

  --config FILE      openfold-argo.yaml (default: the EKS + FSx example)
  --workdir DIR      work directory (default .work/run)
  --resume           continue the run in DIR: steps that succeeded are not run again
  --max-parallel N   steps running at once (default: the number of CPUs)
  -p name=value      a workflow parameter: input-fasta, align-mode, max-template-date, skip-databases

Ctrl-C stops the running steps and keeps the state; --resume continues from there.`;

export const command: Command = {
  summary: 'run the pipeline on this machine (--local), with progress, logs and resume',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        local: { type: 'boolean', default: false },
        config: { type: 'string' },
        workdir: { type: 'string', default: '.work/run' },
        resume: { type: 'boolean', default: false },
        'max-parallel': { type: 'string' },
        parameter: { type: 'string', short: 'p', multiple: true },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (!values.local)
      throw new UserError(
        `only local runs are implemented by this command: add --local (to run on a cluster: openfold-argo submit)\n${USAGE}`,
      );
    const maxParallel = values['max-parallel'] === undefined ? availableParallelism() : Number(values['max-parallel']);
    if (!Number.isInteger(maxParallel) || maxParallel < 1)
      throw new UserError(`--max-parallel: must be a whole number >= 1, got ${JSON.stringify(values['max-parallel'])}`);
    const configFile = values.config ?? DEFAULT_CONFIG_FILE;
    const config = loadConfig({ file: configFile });
    const workdir = resolve(values.workdir!);
    return executeLocally({
      config,
      configName: configFile,
      workdir,
      projectRoot: projectRoot(),
      resume: values.resume,
      maxParallel,
      parameters: parseParameters(values.parameter ?? []),
      resumeCommand: `openfold-argo run --local${values.config ? ` --config ${values.config}` : ''} --workdir ${values.workdir} --resume`,
    });
  },
};
