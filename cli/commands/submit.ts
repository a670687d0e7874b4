// `openfold-argo submit [-p name=value ...] [--parameter-file FILE] [--watch] [--dry-run]`: creates a Workflow
// from the openfold-pipeline WorkflowTemplate (workflowTemplateRef), after checking the parameters against the
// template installed in the cluster, and prints its name and Argo UI link.
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import {
  PIPELINE_TEMPLATE,
  checkParameters,
  objectPath,
  parseParameterFlags,
  uiLink,
  workflowFromTemplate,
  type Workflow,
  type WorkflowTemplateLike,
} from '../cluster/argo.js';
import { followToExit } from '../cluster/follow.js';
import { mergeParameters, readParameterFile } from '../cluster/parameter-file.js';
import { formatObject, outputFormat } from '../cluster/output.js';
import { CLUSTER_HELP, CLUSTER_OPTIONS, WATCH_HELP, WATCH_OPTIONS, openSession, watchBackoff, type Session } from '../cluster/session.js';
import { UserError } from '../../common/errors.js';
import { existsSync } from 'node:fs';
import { loadConfig } from '../../generators/config/load.js';
import { estimateTargets, exceedsWorkflowDeadline } from '../../estimate/estimate.js';
import { hours, summaryLine } from '../../estimate/format.js';
import { targetsFromFastaFile } from '../../estimate/targets.js';

const HELP = `usage: openfold-argo submit [-p name=value ...] [-f FILE] [--watch] [--dry-run|--server-dry-run] [cluster options]

Submits a run of the ${PIPELINE_TEMPLATE} WorkflowTemplate installed in the namespace (as
\`argo submit --from workflowtemplate/${PIPELINE_TEMPLATE}\`). Parameters are checked against the template
(names, enums) before anything is created.
  -p, --parameter name=value   e.g. -p input-fasta=/fsx/input/targets.fasta -p align-mode=mmseqs
  -f, --parameter-file FILE    a YAML or JSON map of parameters (as argo's); a -p of the same name wins
  --watch                      follow the run until it ends; the exit code is its result
  --dry-run                    print the Workflow that would be created (checked against the installed
                               template), create nothing
  --server-dry-run             ask the API server to create it in dry-run mode (admission and schema
                               checks, a generated name) and print its answer; nothing is stored
  -o, --output yaml|json       format of the dry-run output (default yaml)
  --argo-ui URL                Argo UI base URL for the link (default: $ARGO_BASE_HREF/$ARGO_SERVER)
  --template NAME              another WorkflowTemplate (default: ${PIPELINE_TEMPLATE})
  --fasta FILE                 a local copy of the input FASTA, for the estimate printed before submitting
                               (default: the input-fasta path, when it is readable here; on stderr with a dry
                               run); its prices, semaphores and deadlines come from --config
  --no-estimate                do not estimate
${WATCH_HELP}

${CLUSTER_HELP}`;

/**
 * The estimate's one-line summary (and a warning when the run would outlive the workflow's deadline), or why
 * there is none: the input FASTA usually sits on the cluster's volume, out of reach from here.
 */
export function estimateLines(parameters: { name: string; value: string }[], fasta: string | undefined, configFile?: string): string[] {
  const param = (n: string) => parameters.find((p) => p.name === n)?.value;
  const config = loadConfig({ file: configFile });
  const file = fasta ?? param('input-fasta') ?? config.input.fasta;
  if (!existsSync(file))
    return [`estimate: not made: ${file} is not readable here (it is on the cluster's volume); give --fasta LOCAL_COPY for one`];
  const mode = param('align-mode');
  try {
    const e = estimateTargets(targetsFromFastaFile(file), {
      config,
      mode: mode === 'mmseqs' || mode === 'full_dbs' ? mode : undefined,
    });
    const lines = [summaryLine(e)];
    if (exceedsWorkflowDeadline(e))
      lines.push(
        `warning: the estimated makespan ${hours(e.makespanHours)} exceeds the workflow deadline (deadlines.workflow ${config.deadlines.workflow}): the run would be stopped before it ends`,
      );
    return lines;
  } catch (e) {
    return [`estimate: not made: ${(e as Error).message}`];
  }
}

export interface SubmitOptions {
  template?: string;
  parameters: { name: string; value: string }[];
  /** 'client': return the Workflow without sending it; 'server': POST with dryRun=All. */
  dryRun?: 'client' | 'server';
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
  if (opts.dryRun === 'client') return wf as Workflow;
  const query = { dryRun: opts.dryRun === 'server' ? 'All' : undefined };
  return s.call(() => s.client.request<Workflow>('POST', objectPath('Workflow', s.namespace), { body: wf, query }), 'Workflow');
}

export const command: Command = {
  summary: 'submit a run of the openfold-pipeline WorkflowTemplate (checks parameters, prints the UI link)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...CLUSTER_OPTIONS,
        ...WATCH_OPTIONS,
        parameter: { type: 'string', short: 'p', multiple: true },
        'parameter-file': { type: 'string', short: 'f' },
        watch: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        'server-dry-run': { type: 'boolean' },
        output: { type: 'string', short: 'o' },
        'argo-ui': { type: 'string' },
        template: { type: 'string' },
        fasta: { type: 'string' },
        'no-estimate': { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const fromFile = values['parameter-file'] ? readParameterFile(values['parameter-file']) : [];
    const parameters = mergeParameters(fromFile, parseParameterFlags(values.parameter ?? []));
    const dryRun = values['server-dry-run'] ? 'server' : values['dry-run'] ? 'client' : undefined;
    if (dryRun && values.watch) throw new UserError('--watch cannot follow a dry run');
    const format = outputFormat(values.output, dryRun ? 'yaml' : undefined);
    // A dry run's stdout is the Workflow: the estimate goes to stderr there.
    const say = dryRun ? (l: string) => console.error(l) : (l: string) => console.log(l);
    if (!values['no-estimate']) for (const line of estimateLines(parameters, values.fasta, values.config)) say(line);
    const backoff = watchBackoff(values);
    const s = openSession(values);
    const wf = await submit(s, { template: values.template, parameters, dryRun });
    if (dryRun) {
      process.stdout.write(formatObject(wf, format ?? 'yaml'));
      return 0;
    }
    console.log(`submitted ${wf.metadata.name} in namespace ${s.namespace}`);
    console.log(`  ${uiLink(s.namespace, wf.metadata.name, values['argo-ui'])}`);
    if (!values.watch) {
      console.log(`follow it with: openfold-argo watch ${wf.metadata.name} -n ${s.namespace}`);
      return 0;
    }
    return followToExit(s, wf.metadata.name, { backoff });
  },
};
