// `openfold-argo delete NAME... | --all | --completed`: deletes workflows as `argo delete` does (propagation
// Background: the API server's garbage collector removes their pods).
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { PART_OF_LABEL, isFinished, objectPath, type Workflow } from '../cluster/argo.js';
import { CLUSTER_HELP, CLUSTER_OPTIONS, openSession } from '../cluster/session.js';
import { UserError } from '../../common/errors.js';

const HELP = `usage: openfold-argo delete (NAME... | --all | --completed) [--dry-run] [cluster options]

Deletes workflows (and, through their owner references, their pods), as \`argo delete\` does. The run
directories on the shared volume are kept.
  --all         every workflow labelled ${PART_OF_LABEL} in the namespace
  --completed   of those (or of the NAMEs), only the ones that have finished
  --dry-run     server-side dry run: say what would be deleted, delete nothing

${CLUSTER_HELP}`;

export const command: Command = {
  summary: 'delete workflows (by name, --all or --completed), as `argo delete`',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...CLUSTER_OPTIONS, all: { type: 'boolean' }, completed: { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
      allowPositionals: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length && values.all) throw new UserError('give NAMEs or --all, not both');
    if (!positionals.length && !values.all && !values.completed)
      throw new UserError('expected workflow NAMEs, --all or --completed (see `openfold-argo list`)');
    const s = openSession(values);
    let targets: Workflow[];
    if (positionals.length)
      targets = await Promise.all(
        positionals.map((name) => s.call(() => s.client.get<Workflow>(objectPath('Workflow', s.namespace, name)), `Workflow ${name}`)),
      );
    else
      targets = (
        await s.call(
          () => s.client.get<{ items: Workflow[] }>(objectPath('Workflow', s.namespace), { labelSelector: PART_OF_LABEL }),
          'Workflows',
        )
      ).items;
    if (values.completed) targets = targets.filter(isFinished);
    const dryRun = values['dry-run'] ?? false;
    for (const wf of targets) {
      const name = wf.metadata.name;
      await s.call(
        () => s.client.delete(objectPath('Workflow', s.namespace, name), { propagationPolicy: 'Background', dryRun }),
        `Workflow ${name}`,
      );
      console.log(`Workflow '${name}' deleted${dryRun ? ' (server dry run)' : ''}`);
    }
    if (!targets.length) console.log(`no workflows to delete in namespace ${s.namespace}`);
    return 0;
  },
};
