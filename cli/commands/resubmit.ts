// `openfold-argo resubmit NAME`: a new run with the same spec, as `argo resubmit` does through Argo's server
// (FormulateResubmitWorkflow, not memoized, then create).
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { objectPath, parseParameterFlags, uiLink, type Workflow } from '../cluster/argo.js';
import { followToExit } from '../cluster/follow.js';
import { formulateResubmit } from '../cluster/lifecycle.js';
import { CLUSTER_HELP, CLUSTER_OPTIONS, WATCH_HELP, WATCH_OPTIONS, openSession, watchBackoff, workflowNames } from '../cluster/session.js';
import { UserError } from '../../common/errors.js';

const HELP = `usage: openfold-argo resubmit NAME [-p name=value ...] [--watch] [--argo-ui URL] [cluster options]

Submits a new workflow with the spec of NAME (any phase), as \`argo resubmit\` does: same parameters unless -p
overrides them, labelled workflows.argoproj.io/resubmitted-from-workflow=NAME. The new run has its own name,
hence its own run directory: it computes everything again. To continue a failed run where it stopped, use
\`openfold-argo retry NAME\`.
  -p, --parameter name=value   override a workflow parameter
  --watch                      follow the new run until it ends; the exit code is its result
${WATCH_HELP}
Not offered: --memoized (its Skipped nodes would point at the old run's directory, which the new run does not read).

${CLUSTER_HELP}`;

/** Parameters must be declared by the workflow (its spec or the template spec the controller stored). */
export function checkDeclared(wf: Workflow, parameters: { name: string; value: string }[]): void {
  const declared = new Set(
    [...(wf.spec?.arguments?.parameters ?? []), ...(wf.status?.storedWorkflowSpec?.arguments?.parameters ?? [])].map((p) => p.name),
  );
  const unknown = parameters.filter((p) => !declared.has(p.name)).map((p) => p.name);
  if (unknown.length)
    throw new UserError(
      `-p ${unknown.join(', ')}: workflow ${wf.metadata.name} has no such parameter (have: ${[...declared].join(', ') || 'none'})`,
    );
}

export const command: Command = {
  summary: 'submit a new run with the spec of an existing workflow, as `argo resubmit`',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        ...CLUSTER_OPTIONS,
        ...WATCH_OPTIONS,
        parameter: { type: 'string', short: 'p', multiple: true },
        watch: { type: 'boolean' },
        'argo-ui': { type: 'string' },
      },
      allowPositionals: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [name] = workflowNames(positionals);
    const parameters = parseParameterFlags(values.parameter ?? []);
    const backoff = watchBackoff(values);
    const s = openSession(values);
    const old = await s.call(() => s.client.get<Workflow>(objectPath('Workflow', s.namespace, name)), `Workflow ${name}`);
    checkDeclared(old, parameters);
    const body = formulateResubmit(old, parameters);
    const wf = await s.call(() => s.client.request<Workflow>('POST', objectPath('Workflow', s.namespace), { body }), 'Workflow');
    console.log(`submitted ${wf.metadata.name} (resubmit of ${name}) in namespace ${s.namespace}`);
    console.log(`  ${uiLink(s.namespace, wf.metadata.name, values['argo-ui'])}`);
    if (!values.watch) return 0;
    return followToExit(s, wf.metadata.name, { backoff });
  },
};
