// `openfold-argo logs NAME [--step STEP] [--target TAG] [--tail N] [--follow]`: the main-container logs of a
// workflow's pods, read through the core API (see cluster/pod-logs.ts). --step keeps the pods of one stage
// (split, align, predict, collect, databases) or template; --target keeps the pods whose log names the target
// (the step programs log every target they process as `align TAG: ...`, `predict TAG ...`).
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { followLogs, goneLines, workflowLogs } from '../cluster/pod-logs.js';
import { CLUSTER_HELP, CLUSTER_OPTIONS, openSession, workflowNames } from '../cluster/session.js';

const HELP = `usage: openfold-argo logs NAME [--step STEP] [--target TAG] [--tail N] [--follow] [cluster options]

Prints the logs of the workflow's step pods (container "main"), oldest first, each under a header line.
  --step STEP    only the pods of a stage (databases, split, align, predict, collect) or a template name
  --target TAG   only the pods whose log mentions the target TAG (e.g. 7ELF_C); with --follow, only the
                 lines that mention it
  --tail N       only the last N lines of each pod
  -f, --follow   follow the logs as they are written, each line prefixed with its pod (as argo logs
                 --follow), taking up new pods as they start, until the workflow has ended
Pods of succeeded steps are deleted by the podGC strategy of the config (OnPodSuccess by default, after
the delay) and their stdout with them; failed pods are kept. For steps whose pods are gone, the command
names what they left on the shared volume (manifests, OpenFold's own openfold.log, result.json, report).

${CLUSTER_HELP}`;

export const command: Command = {
  summary: "print or follow the logs of a workflow's step pods (filter by --step or --target)",
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        ...CLUSTER_OPTIONS,
        step: { type: 'string' },
        target: { type: 'string' },
        tail: { type: 'string' },
        follow: { type: 'boolean', short: 'f' },
      },
      allowPositionals: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [name] = workflowNames(positionals);
    if (values.tail !== undefined && !/^\d+$/.test(values.tail)) throw new UserError(`--tail ${values.tail}: expected a number of lines`);
    const filter = { step: values.step, target: values.target, tail: values.tail === undefined ? undefined : Number(values.tail) };
    const s = openSession(values);
    if (values.follow) {
      await followLogs(s, name, filter);
      return 0;
    }
    const { logs, vanished, gone } = await workflowLogs(s, name, filter);
    for (const l of logs) {
      console.log(`==> ${l.pod}${l.node ? ` (${l.node})` : ''} <==`);
      if (l.note) console.log(`(${l.note})`);
      process.stdout.write(l.text.endsWith('\n') || l.text === '' ? l.text : `${l.text}\n`);
    }
    for (const pod of vanished) console.error(`(pod ${pod} was deleted before its log could be read: podGC)`);
    for (const line of goneLines(gone)) console.log(line);
    if (logs.length === 0) {
      const which = [values.step && `step ${values.step}`, values.target && `target ${values.target}`].filter(Boolean).join(' and ');
      throw new UserError(
        `no pod logs of workflow ${name}${which ? ` for ${which}` : ''} (pods of succeeded steps are deleted by podGC; failed ones are kept)`,
        1,
      );
    }
    return 0;
  },
};
