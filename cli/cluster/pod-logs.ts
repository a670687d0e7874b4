// The logs of a workflow's step pods (container "main") through the core API: choosing the pods (by stage,
// template or target), reading them whole or their last lines, following them as they are written, and saying
// what is left of steps whose pods are gone (podGC) and where their own files are on the shared volume.
import { FINAL_PHASES, WORKFLOW_LABEL, isFinished, objectPath, stageOf, type Workflow, type WorkflowNode } from './argo.js';
import { DEFAULT_BACKOFF, Retrier, formatDuration } from './backoff.js';
import { KubeApiError } from './client.js';
import { podNameOf } from './lifecycle.js';
import { nodeTree } from './nodes.js';
import type { Session } from './session.js';
import { filesLeftBy } from './step-files.js';

export interface Pod {
  metadata: { name: string; creationTimestamp?: string; annotations?: Record<string, string> };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

export interface LogFilter {
  step?: string;
  target?: string;
  /** Only the last N lines of each pod (the API's tailLines). */
  tail?: number;
}

/** The workflow node a pod runs (by Argo's node-id annotation, else its node-name). */
export function nodeOfPod(wf: Workflow, pod: Pod): WorkflowNode | undefined {
  const nodes = nodeTree(wf).nodes;
  const a = pod.metadata.annotations ?? {};
  const id = a['workflows.argoproj.io/node-id'];
  if (id && nodes[id]) return nodes[id];
  const name = a['workflows.argoproj.io/node-name'];
  return Object.values(nodes).find((n) => n.name === name);
}

export function nodeMatchesStep(node: WorkflowNode, step: string): boolean {
  return stageOf(node) === step || node.templateName === step || node.templateRef?.template === step;
}

export function matchesStep(node: WorkflowNode | undefined, pod: Pod, step: string): boolean {
  if (node && nodeMatchesStep(node, step)) return true;
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

const podsPath = (s: Session) => `/api/v1/namespaces/${encodeURIComponent(s.namespace)}/pods`;
const logPath = (s: Session, pod: string) => `${podsPath(s)}/${encodeURIComponent(pod)}/log`;
const isNotFound = (e: unknown) => e instanceof KubeApiError && e.statusCode === 404;
// The API server answers 400 for the log of a container that has not started (`... is waiting to start`).
const notStarted = (e: unknown) =>
  e instanceof KubeApiError && e.statusCode === 400 && /waiting to start|ContainerCreating|PodInitializing/.test(e.message);

/** The workflow and its pods (of the step filter), oldest first; API errors as they come. */
async function fetchWorkflowAndPods(s: Session, name: string, filter: LogFilter): Promise<{ wf: Workflow; pods: Pod[] }> {
  const wf = await s.client.get<Workflow>(objectPath('Workflow', s.namespace, name));
  const list = await s.client.get<{ items: Pod[] }>(podsPath(s), { labelSelector: `${WORKFLOW_LABEL}=${name}` });
  const pods = list.items
    .filter((p) => !filter.step || matchesStep(nodeOfPod(wf, p), p, filter.step))
    .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
  return { wf, pods };
}

const workflowAndPods = (s: Session, name: string, filter: LogFilter) =>
  s.call(() => fetchWorkflowAndPods(s, name, filter), `Workflow ${name}`);

/** A step whose pod no longer exists: the pod's name and the files it left on the shared volume. */
export interface GoneStep {
  node: WorkflowNode;
  pod: string;
  files: string[];
}

/** Finished Pod nodes (of the step filter) with no pod left: podGC deleted them, and their stdout with them. */
export function goneSteps(wf: Workflow, pods: Pod[], filter: LogFilter, databasesRoot: string): GoneStep[] {
  const present = new Set(pods.map((p) => p.metadata.name));
  const presentNodes = new Set(pods.map((p) => p.metadata.annotations?.['workflows.argoproj.io/node-id']).filter(Boolean));
  return Object.values(nodeTree(wf).nodes)
    .filter((n) => n.type === 'Pod' && FINAL_PHASES.includes(n.phase ?? '') && (!filter.step || nodeMatchesStep(n, filter.step)))
    .map((n) => ({ node: n, pod: podNameOf(wf, n), files: filesLeftBy(n, stageOf(n), databasesRoot, filter.target) }))
    .filter((g) => !present.has(g.pod) && !presentNodes.has(g.node.id))
    .sort((a, b) => (a.node.startedAt ?? '').localeCompare(b.node.startedAt ?? ''));
}

export interface WorkflowLogs {
  logs: PodLog[];
  /** Pods listed but deleted before their log was read (podGC between the list and the read). */
  vanished: string[];
  gone: GoneStep[];
}

export async function workflowLogs(s: Session, name: string, filter: LogFilter): Promise<WorkflowLogs> {
  const { wf, pods } = await workflowAndPods(s, name, filter);
  const out: WorkflowLogs = { logs: [], vanished: [], gone: goneSteps(wf, pods, filter, s.config.databases.root) };
  for (const pod of pods) {
    let text = '';
    let note: string | undefined;
    try {
      text = await s.client.request<string>('GET', logPath(s, pod.metadata.name), {
        query: { container: 'main', tailLines: filter.tail },
        json: false,
      });
      note = missingLogNote(pod, text);
    } catch (e) {
      if (isNotFound(e)) {
        out.vanished.push(pod.metadata.name);
        continue;
      }
      if (!notStarted(e)) throw s.explain(e, `Pod ${pod.metadata.name}`);
      note = `no log yet: ${(e as KubeApiError).message}`;
    }
    if (filter.target && !mentionsTarget(text, filter.target)) continue;
    const node = nodeOfPod(wf, pod);
    out.logs.push({
      pod: pod.metadata.name,
      node: node?.displayName ?? pod.metadata.annotations?.['workflows.argoproj.io/node-name'] ?? '',
      text,
      note,
    });
  }
  return out;
}

/** Lines about the steps whose pods are gone: each one (up to `max`), then a count per stage. */
export function goneLines(gone: GoneStep[], max = 10): string[] {
  if (!gone.length) return [];
  const lines = [
    `${gone.length} step pod(s) of this workflow are gone (podGC): their stdout went with them (the steps do not write it to the volume). What they left on the shared volume:`,
  ];
  for (const g of gone.slice(0, max))
    lines.push(`  ${g.node.displayName ?? g.node.name} (pod ${g.pod}, ${g.node.phase}): ${g.files.join(', ') || 'no files of its own'}`);
  if (gone.length > max) {
    const byStage = new Map<string, number>();
    for (const g of gone.slice(max)) byStage.set(stageOf(g.node), (byStage.get(stageOf(g.node)) ?? 0) + 1);
    lines.push(`  ... and ${[...byStage].map(([stage, n]) => `${n} ${stage}`).join(', ')} more (--step STEP to list them)`);
  }
  return lines;
}

export interface FollowLogOptions {
  print?: (line: string) => void;
  /** How often the pod list is read for new pods. @default 2000 ms */
  pollMs?: number;
}

/**
 * Follows the logs of every pod of the workflow (of the step filter) as they are written, each line prefixed
 * with its pod as `argo logs --follow` does, taking up pods as they start, until the workflow has finished
 * and every stream has ended. With a target, only the lines that mention it.
 */
export async function followLogs(s: Session, name: string, filter: LogFilter, opts: FollowLogOptions = {}): Promise<number> {
  const print = opts.print ?? ((l: string) => console.log(l));
  const pollMs = opts.pollMs ?? 2000;
  const streams = new Map<string, Promise<void>>();
  const ended = new Set<string>();
  // Pods whose container had not started when asked: tried again each round while the workflow runs.
  const waiting = new Set<string>();
  let fatal: Error | undefined;
  const follow = (pod: string) =>
    s.client
      .streamLines(logPath(s, pod), { query: { container: 'main', follow: true, tailLines: filter.tail }, timeoutMs: 0 }, (line) => {
        if (!filter.target || mentionsTarget(line, filter.target)) print(`${pod}: ${line}`);
      })
      .then(
        () => void ended.add(pod),
        (e) => {
          // Not started yet: taken up again on the next round; gone (404): done.
          if (isNotFound(e)) ended.add(pod);
          else if (notStarted(e)) waiting.add(pod);
          else fatal ??= s.explain(e, `Pod ${pod}`);
        },
      )
      .finally(() => streams.delete(pod));
  const lastTry = new Set<string>();
  // A long follow meets API hiccups too: the pod list is retried as watch retries (same backoff and budget).
  const retrier = new Retrier(DEFAULT_BACKOFF, `following the logs of workflow ${name}`, {
    onRetry: (cause, delay) => console.error(`logs ${name}: ${cause}; retrying in ${formatDuration(delay)}`),
  });
  for (;;) {
    const { wf, pods } = await retrier
      .run(() => fetchWorkflowAndPods(s, name, filter))
      .catch((e) => Promise.reject(s.explain(e, `Workflow ${name}`)));
    const finished = isFinished(wf);
    for (const pod of pods) {
      const p = pod.metadata.name;
      if (streams.has(p) || ended.has(p) || pod.status?.phase === 'Pending') continue;
      // Once the workflow has finished, a pod that was waiting gets one last try.
      if (finished && waiting.has(p) && lastTry.has(p)) continue;
      if (finished) lastTry.add(p);
      waiting.delete(p);
      streams.set(p, follow(p));
    }
    // A finished workflow starts nothing more: pods still waiting or Pending never will.
    if (finished && pods.every((p) => ended.has(p.metadata.name) || waiting.has(p.metadata.name) || p.status?.phase === 'Pending')) {
      await Promise.all(streams.values());
      if (fatal) throw fatal;
      return ended.size;
    }
    await Promise.race([new Promise((r) => setTimeout(r, pollMs)), ...streams.values()]);
    if (fatal) throw fatal;
  }
}
