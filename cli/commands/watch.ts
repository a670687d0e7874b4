// `openfold-argo watch NAME`: live per-stage progress (align/predict steps done, running, failed) from the
// watch API until the workflow ends; exit 0 when it succeeded, 1 when it failed or errored.
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { followToExit } from '../cluster/follow.js';
import { CLUSTER_HELP, CLUSTER_OPTIONS, WATCH_HELP, WATCH_OPTIONS, openSession, watchBackoff } from '../cluster/session.js';

const HELP = `usage: openfold-argo watch NAME [--give-up-after DURATION] [cluster options]

Follows workflow NAME until it ends, printing a line whenever its progress changes. Exit code: 0 when it
succeeded, 1 when it failed or errored, or when the API server kept failing for longer than --give-up-after.
${WATCH_HELP}

${CLUSTER_HELP}`;

export const command: Command = {
  summary: 'follow a workflow until it ends (per-stage progress; the exit code is its result)',
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, options: { ...CLUSTER_OPTIONS, ...WATCH_OPTIONS }, allowPositionals: true });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length !== 1) throw new UserError('expected one workflow NAME (see `openfold-argo list`)');
    const backoff = watchBackoff(values);
    const s = openSession(values);
    return followToExit(s, positionals[0], { backoff });
  },
};
