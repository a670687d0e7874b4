// `openfold-argo stop NAME` and `terminate NAME`: Argo's shutdown, as `argo stop` / `argo terminate` do it
// (a JSON merge patch of spec.shutdown). Stop runs the exit handler; Terminate does not.
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { FIELD_MANAGER, objectPath, type Workflow } from '../cluster/argo.js';
import { shutdownPatch, type ShutdownStrategy } from '../cluster/lifecycle.js';
import { CLUSTER_HELP, CLUSTER_OPTIONS, openSession, workflowNames } from '../cluster/session.js';

function help(strategy: ShutdownStrategy): string {
  const verb = strategy === 'Stop' ? 'stop' : 'terminate';
  return `usage: openfold-argo ${verb} NAME... [cluster options]

Sets spec.shutdown=${strategy} on each workflow, as \`argo ${verb}\` does: the controller stops its running pods and
starts no new step; ${strategy === 'Stop' ? 'the exit handler still runs' : 'the exit handler does not run'}. The workflow ends Failed
("Stopped with strategy '${strategy}'"); \`openfold-argo retry NAME\` continues it from where it stopped.
A workflow that has already finished is refused.

${CLUSTER_HELP}`;
}

export function shutdownCommand(strategy: ShutdownStrategy): Command {
  const verb = strategy === 'Stop' ? 'stopped' : 'terminated';
  return {
    summary:
      strategy === 'Stop'
        ? 'stop a running workflow (its exit handler still runs), as `argo stop`'
        : 'terminate a running workflow (no exit handler), as `argo terminate`',
    async run(argv) {
      const { values, positionals } = parseArgs({ args: argv, options: CLUSTER_OPTIONS, allowPositionals: true });
      if (values.help) {
        console.log(help(strategy));
        return 0;
      }
      const names = workflowNames(positionals, true);
      const s = openSession(values);
      for (const name of names) {
        const path = objectPath('Workflow', s.namespace, name);
        const wf = await s.call(() => s.client.get<Workflow>(path), `Workflow ${name}`);
        const patch = shutdownPatch(wf, strategy, s.namespace);
        await s.call(() => s.client.mergePatch(path, patch, FIELD_MANAGER), `Workflow ${name}`);
        console.log(`workflow ${name} ${verb}`);
      }
      return 0;
    },
  };
}

export const command = shutdownCommand('Stop');
