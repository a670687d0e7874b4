// `openfold-argo watch NAME`: live per-stage progress (align/predict steps done, running, failed) from the
// watch API until the workflow ends; exit 0 when it succeeded, 1 when it failed or errored.
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { exitCodeOf, failedSteps } from '../cluster/argo.js';
import { followWorkflow } from '../cluster/follow.js';
import { CLUSTER_HELP, CLUSTER_OPTIONS, openSession } from '../cluster/session.js';

const HELP = `usage: openfold-argo watch NAME [cluster options]

Follows workflow NAME until it ends, printing a line whenever its progress changes. Exit code: 0 when it
succeeded, 1 when it failed or errored.

${CLUSTER_HELP}`;

export const command: Command = {
  summary: 'follow a workflow until it ends (per-stage progress; the exit code is its result)',
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, options: CLUSTER_OPTIONS, allowPositionals: true });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length !== 1) throw new UserError('expected one workflow NAME (see `openfold-argo list`)');
    const s = openSession(values);
    const wf = await followWorkflow(s, positionals[0]);
    for (const line of failedSteps(wf)) console.error(`  failed: ${line}`);
    console.log(`${wf.metadata.name} ${wf.status?.phase}${wf.status?.message ? `: ${wf.status.message}` : ''}`);
    return exitCodeOf(wf);
  },
};
