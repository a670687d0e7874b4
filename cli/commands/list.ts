// `openfold-argo list`: the openfold-argo workflows of the namespace, newest first, with their progress.
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { PART_OF_LABEL, duration, objectPath, progress, type Workflow } from '../cluster/argo.js';
import { isOffloaded } from '../cluster/nodes.js';
import { CLUSTER_HELP, CLUSTER_OPTIONS, openSession } from '../cluster/session.js';

const HELP = `usage: openfold-argo list [cluster options]

Lists the workflows labelled ${PART_OF_LABEL} (submitted runs and scheduled ones), newest first.

${CLUSTER_HELP}`;

/** The progress columns of a row: done/total per stage and failed steps; '?' where the nodes cannot be read here. */
function progressCells(wf: Workflow): string[] {
  if (isOffloaded(wf)) return ['?', '?', '?'];
  try {
    const p = progress(wf);
    return [
      `${p.align.done}/${p.align.done + p.align.running + p.align.failed}`,
      `${p.predict.done}/${p.predict.done + p.predict.running + p.predict.failed}`,
      String(Object.values(p).reduce((n, c) => n + c.failed, 0)),
    ];
  } catch {
    return ['?', '?', '?'];
  }
}

export function workflowTable(items: Workflow[], namespace: string, now = new Date()): string[] {
  const sorted = [...items].sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
  const rows = sorted.map((wf) => [
    wf.metadata.name,
    wf.status?.phase ?? 'Pending',
    wf.metadata.creationTimestamp ?? '-',
    duration(wf.status?.startedAt, wf.status?.finishedAt, now),
    ...progressCells(wf),
  ]);
  const table = [['NAME', 'PHASE', 'CREATED', 'DURATION', 'ALIGN', 'PREDICT', 'FAILED'], ...rows];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  const lines = table.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '));
  const offloaded = sorted.filter(isOffloaded).map((wf) => wf.metadata.name);
  if (offloaded.length)
    lines.push(
      `?: node status offloaded to Argo's database (${offloaded.join(', ')}); per-step progress with \`argo get NAME -n ${namespace}\` or the Argo UI`,
    );
  return lines;
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
    for (const line of workflowTable(list.items, s.namespace)) console.log(line);
    return 0;
  },
};
