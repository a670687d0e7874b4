// `openfold-argo list`: the openfold-argo workflows of the namespace, newest first, with their progress.
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { PART_OF_LABEL, duration, objectPath, progress, type Workflow } from '../cluster/argo.js';
import { CLUSTER_HELP, CLUSTER_OPTIONS, openSession } from '../cluster/session.js';

const HELP = `usage: openfold-argo list [cluster options]

Lists the workflows labelled ${PART_OF_LABEL} (submitted runs and scheduled ones), newest first.

${CLUSTER_HELP}`;

export function workflowTable(items: Workflow[], now = new Date()): string[] {
  const rows = [...items]
    .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''))
    .map((wf) => {
      const p = progress(wf);
      return [
        wf.metadata.name,
        wf.status?.phase ?? 'Pending',
        wf.metadata.creationTimestamp ?? '-',
        duration(wf.status?.startedAt, wf.status?.finishedAt, now),
        `${p.align.done}/${p.align.done + p.align.running + p.align.failed}`,
        `${p.predict.done}/${p.predict.done + p.predict.running + p.predict.failed}`,
        String(Object.values(p).reduce((n, c) => n + c.failed, 0)),
      ];
    });
  const table = [['NAME', 'PHASE', 'CREATED', 'DURATION', 'ALIGN', 'PREDICT', 'FAILED'], ...rows];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  return table.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '));
}

export const command: Command = {
  summary: 'list the openfold-argo workflows of the namespace',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: CLUSTER_OPTIONS });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const s = openSession(values);
    const list = await s.call(
      () => s.client.get<{ items: Workflow[] }>(objectPath('Workflow', s.namespace), { labelSelector: PART_OF_LABEL }),
      'Workflows',
    );
    if (list.items.length === 0) {
      console.log(`no openfold-argo workflows in namespace ${s.namespace}`);
      return 0;
    }
    for (const line of workflowTable(list.items)) console.log(line);
    return 0;
  },
};
