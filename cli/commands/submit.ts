// `openfold-argo submit [-p name=value ...] [--watch]`: creates a Workflow from the openfold-pipeline
// WorkflowTemplate (workflowTemplateRef), after checking the parameters against the template installed in
// the cluster, and prints its name and Argo UI link.
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import {
  PIPELINE_TEMPLATE,
  checkParameters,
  exitCodeOf,
  failedSteps,
  objectPath,
  parseParameterFlags,
  uiLink,
  workflowFromTemplate,
  type Workflow,
  type WorkflowTemplateLike,
} from '../cluster/argo.js';
import { followWorkflow } from '../cluster/follow.js';
import { CLUSTER_HELP, CLUSTER_OPTIONS, openSession, type Session } from '../cluster/session.js';

const HELP = `usage: openfold-argo submit [-p name=value ...] [--watch] [--argo-ui URL] [cluster options]

Submits a run of the ${PIPELINE_TEMPLATE} WorkflowTemplate installed in the namespace (as
\`argo submit --from workflowtemplate/${PIPELINE_TEMPLATE}\`). Parameters are checked against the template
(names, enums) before anything is created.
  -p, --parameter name=value   e.g. -p input-fasta=/fsx/input/targets.fasta -p align-mode=mmseqs
  --watch                      follow the run until it ends; the exit code is its result
  --argo-ui URL                Argo UI base URL for the link (default: $ARGO_BASE_HREF/$ARGO_SERVER)
  --template NAME              another WorkflowTemplate (default: ${PIPELINE_TEMPLATE})

${CLUSTER_HELP}`;

export interface SubmitOptions {
  template?: string;
  parameters: { name: string; value: string }[];
}

/** Checks the parameters against the installed template, then creates the Workflow; returns it. */
export async function submit(s: Session, opts: SubmitOptions): Promise<Workflow> {
  const name = opts.template ?? PIPELINE_TEMPLATE;
  const template = await s.call(
    () => s.client.get<WorkflowTemplateLike>(objectPath('WorkflowTemplate', s.namespace, name)),
    `WorkflowTemplate ${name}`,
    'install it with `openfold-argo install` or `helm install openfold-argo charts/openfold-argo`',
  );
  checkParameters(template, opts.parameters);
  const wf = workflowFromTemplate(name, s.namespace, opts.parameters);
  return s.call(() => s.client.request<Workflow>('POST', objectPath('Workflow', s.namespace), { body: wf }), 'Workflow');
}

export const command: Command = {
  summary: 'submit a run of the openfold-pipeline WorkflowTemplate (checks parameters, prints the UI link)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...CLUSTER_OPTIONS,
        parameter: { type: 'string', short: 'p', multiple: true },
        watch: { type: 'boolean' },
        'argo-ui': { type: 'string' },
        template: { type: 'string' },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const parameters = parseParameterFlags(values.parameter ?? []);
    const s = openSession(values);
    const wf = await submit(s, { template: values.template, parameters });
    console.log(`submitted ${wf.metadata.name} in namespace ${s.namespace}`);
    console.log(`  ${uiLink(s.namespace, wf.metadata.name, values['argo-ui'])}`);
    if (!values.watch) {
      console.log(`follow it with: openfold-argo watch ${wf.metadata.name} -n ${s.namespace}`);
      return 0;
    }
    const done = await followWorkflow(s, wf.metadata.name);
    for (const line of failedSteps(done)) console.error(`  failed: ${line}`);
    console.log(`${done.metadata.name} ${done.status?.phase}${done.status?.message ? `: ${done.status.message}` : ''}`);
    return exitCodeOf(done);
  },
};
