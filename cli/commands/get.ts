// `openfold-argo get NAME [-o json|yaml]`: one workflow, as `argo get` shows it: the summary of `status`, or
// the whole object with its nodes readable (status.compressedNodes decoded into status.nodes, as the Argo
// server returns it).
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { objectPath, uiLink, type Workflow } from '../cluster/argo.js';
import { hydrated, isOffloaded, offloadedHint } from '../cluster/nodes.js';
import { formatObject, outputFormat } from '../cluster/output.js';
import { CLUSTER_HELP, CLUSTER_OPTIONS, openSession, workflowNames } from '../cluster/session.js';
import { describeWorkflow } from './status.js';

const HELP = `usage: openfold-argo get NAME [-o json|yaml] [--argo-ui URL] [cluster options]

Without -o: the workflow's phase, timing, parameters, per-stage progress and failed steps (as \`status\`).
With -o json or -o yaml: the Workflow object, with compressed node status decoded into status.nodes (as the
Argo server returns it; an offloaded node status stays offloaded and is named).

${CLUSTER_HELP}`;

export const command: Command = {
  summary: 'print a workflow: its summary, or the object with -o json|yaml (nodes decompressed)',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...CLUSTER_OPTIONS, output: { type: 'string', short: 'o' }, 'argo-ui': { type: 'string' } },
      allowPositionals: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [name] = workflowNames(positionals);
    const format = outputFormat(values.output);
    const s = openSession(values);
    const wf = await s.call(() => s.client.get<Workflow>(objectPath('Workflow', s.namespace, name)), `Workflow ${name}`);
    if (format && isOffloaded(wf)) console.error(offloadedHint(wf, s.namespace));
    if (format) process.stdout.write(formatObject(hydrated(wf), format));
    else for (const line of describeWorkflow(wf, uiLink(s.namespace, name, values['argo-ui']), s.namespace)) console.log(line);
    return 0;
  },
};
