// `openfold-argo status NAME`: one workflow's phase, timing, per-stage progress and failed steps.
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { STAGES, duration, failedSteps, objectPath, progress, uiLink, type Workflow } from '../cluster/argo.js';
import { CLUSTER_HELP, CLUSTER_OPTIONS, openSession } from '../cluster/session.js';

const HELP = `usage: openfold-argo status NAME [--argo-ui URL] [cluster options]

${CLUSTER_HELP}`;

export function describeWorkflow(wf: Workflow, link: string, now = new Date()): string[] {
  const st = wf.status ?? {};
  const p = progress(wf);
  const params = wf.spec?.arguments?.parameters ?? [];
  const lines = [
    `name:       ${wf.metadata.name}`,
    `phase:      ${st.phase ?? 'Pending'}${st.message ? ` (${st.message})` : ''}`,
    `started:    ${st.startedAt ?? '-'}`,
    `finished:   ${st.finishedAt ?? '-'}`,
    `duration:   ${duration(st.startedAt, st.finishedAt, now)}`,
    ...params.map((x) => `parameter:  ${x.name}=${x.value ?? ''}`),
    'steps:      done  running  failed',
    ...STAGES.map(
      (stage) =>
        `  ${stage.padEnd(10)}${String(p[stage].done).padStart(4)}  ${String(p[stage].running).padStart(7)}  ${String(p[stage].failed).padStart(6)}`,
    ),
    ...failedSteps(wf).map((f) => `failed:     ${f}`),
    `ui:         ${link}`,
  ];
  return lines;
}

export const command: Command = {
  summary: "show a workflow's phase, timing and per-stage progress",
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...CLUSTER_OPTIONS, 'argo-ui': { type: 'string' } },
      allowPositionals: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length !== 1) throw new UserError('expected one workflow NAME (see `openfold-argo list`)');
    const s = openSession(values);
    const name = positionals[0];
    const wf = await s.call(() => s.client.get<Workflow>(objectPath('Workflow', s.namespace, name)), `Workflow ${name}`);
    for (const line of describeWorkflow(wf, uiLink(s.namespace, name, values['argo-ui']))) console.log(line);
    return 0;
  },
};
