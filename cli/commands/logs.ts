// `openfold-argo logs NAME [--step STEP] [--target TAG]`: the main-container logs of a workflow's pods, read
// through the core API. --step keeps the pods of one stage (split, align, predict, collect, databases) or
// template; --target keeps the pods whose log names the target (the step programs log every target they
// process as `align TAG: ...`, `predict TAG ...`).
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { WORKFLOW_LABEL, objectPath, stageOf, type Workflow, type WorkflowNode } from '../cluster/argo.js';
import { CLUSTER_HELP, CLUSTER_OPTIONS, openSession, type Session } from '../cluster/session.js';

const HELP = `usage: openfold-argo logs NAME [--step STEP] [--target TAG] [cluster options]

Prints the logs of the workflow's step pods (container "main"), oldest first, each under a header line.
  --step STEP    only the pods of a stage (databases, split, align, predict, collect) or a template name
  --target TAG   only the pods whose log mentions the target TAG (e.g. 7ELF_C)
Pods of succeeded steps are deleted by the podGC strategy of the config (OnPodSuccess by default, after
the delay); failed pods are kept.

${CLUSTER_HELP}`;

export interface Pod {
  metadata: { name: string; creationTimestamp?: string; annotations?: Record<string, string> };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

export interface LogFilter {
  step?: string;
  target?: string;
}

/** The workflow node a pod runs (by Argo's node-id annotation, else its node-name). */
export function nodeOfPod(wf: Workflow, pod: Pod): WorkflowNode | undefined {
  const nodes = wf.status?.nodes ?? {};
  const a = pod.metadata.annotations ?? {};
  const id = a['workflows.argoproj.io/node-id'];
  if (id && nodes[id]) return nodes[id];
  const name = a['workflows.argoproj.io/node-name'];
  return Object.values(nodes).find((n) => n.name === name);
}

export function matchesStep(node: WorkflowNode | undefined, pod: Pod, step: string): boolean {
  if (node && (stageOf(node) === step || node.templateName === step || node.templateRef?.template === step)) return true;
  return (pod.metadata.annotations?.['workflows.argoproj.io/node-name'] ?? '').includes(step);
}

export function mentionsTarget(log: string, tag: string): boolean {
  const escaped = tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_.-])${escaped}($|[^A-Za-z0-9_.-])`, 'm').test(log);
}

export interface PodLog {
  pod: string;
  node: string;
  text: string;
  /** Why there is no log to show, when the API server cannot have one. */
  note?: string;
}

/** The API server answers an empty 204 for a pod not bound to a node: say so instead of printing nothing. */
export function missingLogNote(pod: Pod, text: string): string | undefined {
  return text === '' && !pod.spec?.nodeName ? `no log: pod ${pod.metadata.name} is not scheduled to a node` : undefined;
}

export async function workflowLogs(s: Session, name: string, filter: LogFilter): Promise<PodLog[]> {
  const wf = await s.call(() => s.client.get<Workflow>(objectPath('Workflow', s.namespace, name)), `Workflow ${name}`);
  const pods = await s.call(() =>
    s.client.get<{ items: Pod[] }>(`/api/v1/namespaces/${encodeURIComponent(s.namespace)}/pods`, {
      labelSelector: `${WORKFLOW_LABEL}=${name}`,
    }),
  );
  const chosen = pods.items
    .filter((p) => !filter.step || matchesStep(nodeOfPod(wf, p), p, filter.step))
    .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
  const out: PodLog[] = [];
  for (const pod of chosen) {
    const path = `/api/v1/namespaces/${encodeURIComponent(s.namespace)}/pods/${encodeURIComponent(pod.metadata.name)}/log`;
    const text = await s.call(
      () => s.client.request<string>('GET', path, { query: { container: 'main' }, json: false }),
      `Pod ${pod.metadata.name}`,
    );
    if (filter.target && !mentionsTarget(text, filter.target)) continue;
    const node = nodeOfPod(wf, pod);
    out.push({
      pod: pod.metadata.name,
      node: node?.displayName ?? pod.metadata.annotations?.['workflows.argoproj.io/node-name'] ?? '',
      text,
      note: missingLogNote(pod, text),
    });
  }
  return out;
}

export const command: Command = {
  summary: "print the logs of a workflow's step pods (filter by --step or --target)",
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...CLUSTER_OPTIONS, step: { type: 'string' }, target: { type: 'string' } },
      allowPositionals: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length !== 1) throw new UserError('expected one workflow NAME (see `openfold-argo list`)');
    const s = openSession(values);
    const logs = await workflowLogs(s, positionals[0], { step: values.step, target: values.target });
    if (logs.length === 0) {
      const which = [values.step && `step ${values.step}`, values.target && `target ${values.target}`].filter(Boolean).join(' and ');
      throw new UserError(
        `no pod logs of workflow ${positionals[0]}${which ? ` for ${which}` : ''} (pods of succeeded steps are deleted by podGC; failed ones are kept)`,
        1,
      );
    }
    for (const l of logs) {
      console.log(`==> ${l.pod}${l.node ? ` (${l.node})` : ''} <==`);
      if (l.note) console.log(`(${l.note})`);
      process.stdout.write(l.text.endsWith('\n') || l.text === '' ? l.text : `${l.text}\n`);
    }
    return 0;
  },
};
