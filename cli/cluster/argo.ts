// What openfold-argo needs to know about Argo's resources on a cluster: their API paths, the workflow a
// submission creates, parameter checks against the template, per-stage progress from status.nodes, UI links.
// Pure functions; the commands do the I/O.
import { parameterProblems } from '../../common/parameters.js';
import { DATABASE_NAMES_ANNOTATION } from '../../generators/argo/metadata.js';
import { UserError } from '../../common/errors.js';
import { nodeTree } from './nodes.js';

export const ARGO_API = '/apis/argoproj.io/v1alpha1';
export const PIPELINE_TEMPLATE = 'openfold-pipeline';
export const FIELD_MANAGER = 'openfold-argo';
export const PART_OF_LABEL = 'app.kubernetes.io/part-of=openfold-argo';
export const WORKFLOW_LABEL = 'workflows.argoproj.io/workflow';

const PLURALS: Record<string, string> = {
  WorkflowTemplate: 'workflowtemplates',
  CronWorkflow: 'cronworkflows',
  Workflow: 'workflows',
  ConfigMap: 'configmaps',
  ServiceAccount: 'serviceaccounts',
};

/** The REST path of a namespaced object (or of its collection when name is omitted). */
export function objectPath(kind: string, namespace: string, name?: string): string {
  const plural = PLURALS[kind];
  if (!plural) throw new Error(`no API path known for kind ${kind}`);
  const base = ['ConfigMap', 'ServiceAccount'].includes(kind) ? '/api/v1' : ARGO_API;
  return `${base}/namespaces/${encodeURIComponent(namespace)}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

export interface Parameter {
  name: string;
  value?: string;
  enum?: string[];
  description?: string;
}

export interface WorkflowNode {
  id: string;
  name?: string;
  displayName?: string;
  type: string;
  phase?: string;
  message?: string;
  templateName?: string;
  templateScope?: string;
  templateRef?: { name: string; template: string };
  children?: string[];
  outboundNodes?: string[];
  boundaryID?: string;
  nodeFlag?: { retried?: boolean; hooked?: boolean };
  inputs?: { parameters?: Parameter[] };
  outputs?: { parameters?: (Parameter & { valueFrom?: unknown })[] } & Record<string, unknown>;
  startedAt?: string;
  finishedAt?: string | null;
  [field: string]: unknown;
}

export interface Workflow {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    generateName?: string;
    creationTimestamp?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: unknown[];
    [field: string]: unknown;
  };
  spec?: {
    arguments?: { parameters?: Parameter[] };
    workflowTemplateRef?: { name: string };
    /** Stop or Terminate: set by `stop`/`terminate` (Argo's spec.shutdown). */
    shutdown?: string;
    activeDeadlineSeconds?: number;
    [field: string]: unknown;
  };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; message?: string }[];
    storedWorkflowSpec?: { arguments?: { parameters?: Parameter[] }; shutdown?: string } & Record<string, unknown>;
    persistentVolumeClaims?: unknown[];
    message?: string;
    startedAt?: string;
    finishedAt?: string;
    nodes?: Record<string, WorkflowNode>;
    /** base64 of gzip of the JSON nodes map, when Argo compressed them (see nodes.ts). */
    compressedNodes?: string;
    /** Set when the nodes were offloaded to Argo's database (only the Argo server reads them). */
    offloadNodeStatusVersion?: string;
    [field: string]: unknown;
  };
}

export interface WorkflowTemplateLike {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { arguments?: { parameters?: Parameter[] } };
}

/** Parses `-p name=value` pairs (the value may contain '='). */
export function parseParameterFlags(flags: string[]): { name: string; value: string }[] {
  return flags.map((flag) => {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new UserError(`-p ${flag}: expected name=value`);
    return { name: flag.slice(0, eq), value: flag.slice(eq + 1) };
  });
}

/** Checks parameters against the template's declared parameters and enums; every problem is reported. */
export function checkParameters(template: WorkflowTemplateLike, given: { name: string; value: string }[]): void {
  const declared = template.spec.arguments?.parameters ?? [];
  const byName = new Map(declared.map((p) => [p.name, p]));
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { name, value } of given) {
    const p = byName.get(name);
    if (seen.has(name)) problems.push(`-p ${name}: given twice`);
    seen.add(name);
    if (!p) {
      problems.push(
        `-p ${name}: WorkflowTemplate ${template.metadata.name} has no such parameter (have: ${declared.map((d) => d.name).join(', ')})`,
      );
      continue;
    }
    if (p.enum && !p.enum.includes(value)) problems.push(`-p ${name}: must be one of ${p.enum.join(', ')}, got ${JSON.stringify(value)}`);
  }
  // The patterns Argo has no field for (common/parameters.ts); the template's first step checks them again.
  const databases = template.metadata.annotations?.[DATABASE_NAMES_ANNOTATION]?.split(',');
  const values = Object.fromEntries(given.filter((g) => byName.has(g.name)).map((g) => [g.name, g.value]));
  for (const problem of parameterProblems(values, { databases })) problems.push(`-p ${problem}`);
  for (const p of declared)
    if (p.value === undefined && !seen.has(p.name)) problems.push(`-p ${p.name}: required (the template gives no default)`);
  if (problems.length) throw new UserError(problems.join('; '));
}

/** The Workflow `argo submit --from workflowtemplate/NAME -p ...` would create. */
export function workflowFromTemplate(
  template: string,
  namespace: string,
  parameters: { name: string; value: string }[],
): Omit<Workflow, 'metadata'> & { metadata: Omit<Workflow['metadata'], 'name'> } {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: {
      generateName: `${template}-`,
      namespace,
      labels: { 'workflows.argoproj.io/workflow-template': template, 'app.kubernetes.io/part-of': 'openfold-argo' },
    },
    spec: {
      workflowTemplateRef: { name: template },
      ...(parameters.length ? { arguments: { parameters } } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Progress

export type Stage = 'databases' | 'split' | 'align' | 'predict' | 'collect' | 'other';
export const STAGES: Stage[] = ['databases', 'split', 'align', 'predict', 'collect'];

const STAGE_OF_TEMPLATE: Record<string, Stage> = {
  'openfold-databases': 'databases',
  'openfold-align': 'align',
  'openfold-predict': 'predict',
};

/** The stage of a node: from the WorkflowTemplate it runs in, else from its template's name. */
export function stageOf(node: WorkflowNode): Stage {
  const owner = node.templateRef?.name ?? node.templateScope?.split('/')[1];
  if (owner && STAGE_OF_TEMPLATE[owner]) return STAGE_OF_TEMPLATE[owner];
  const t = node.templateRef?.template ?? node.templateName ?? '';
  for (const s of STAGES) if (t.startsWith(s)) return s;
  return 'other';
}

export interface StageCounts {
  done: number;
  running: number;
  failed: number;
}

/**
 * Counts steps per stage. A step is a Retry node (its attempts are its child Pod nodes) or a Pod node outside
 * any Retry node, so a step that succeeded on its second attempt counts once, as done.
 */
export function progress(wf: Workflow): Record<Stage, StageCounts> {
  const nodes = Object.values(nodeTree(wf).nodes);
  const attempts = new Set(nodes.filter((n) => n.type === 'Retry').flatMap((n) => n.children ?? []));
  const out = Object.fromEntries([...STAGES, 'other'].map((s) => [s, { done: 0, running: 0, failed: 0 }])) as Record<Stage, StageCounts>;
  for (const n of nodes) {
    if (!(n.type === 'Retry' || (n.type === 'Pod' && !attempts.has(n.id)))) continue;
    const c = out[stageOf(n)];
    if (n.phase === 'Succeeded') c.done++;
    else if (n.phase === 'Running' || n.phase === 'Pending') c.running++;
    else if (n.phase === 'Failed' || n.phase === 'Error') c.failed++;
  }
  return out;
}

export function formatProgress(p: Record<Stage, StageCounts>): string {
  return STAGES.filter((s) => p[s].done + p[s].running + p[s].failed > 0 || s === 'align' || s === 'predict')
    .map((s) => `${s} ${p[s].done} done, ${p[s].running} running, ${p[s].failed} failed`)
    .join(' | ');
}

export const FINAL_PHASES = ['Succeeded', 'Failed', 'Error'];

export function isFinished(wf: Workflow): boolean {
  return FINAL_PHASES.includes(wf.status?.phase ?? '');
}

/** The exit code a finished workflow maps to: 0 succeeded, 1 otherwise. */
export function exitCodeOf(wf: Workflow): number {
  return wf.status?.phase === 'Succeeded' ? 0 : 1;
}

/** Failed steps with their messages (the first lines a user needs after a failure). */
export function failedSteps(wf: Workflow): string[] {
  return Object.values(nodeTree(wf).nodes)
    .filter((n) => (n.type === 'Pod' || n.type === 'Retry') && (n.phase === 'Failed' || n.phase === 'Error'))
    .map((n) => `${n.displayName ?? n.name ?? n.id}: ${n.message ?? n.phase}`);
}

export function duration(from?: string, to?: string, now = new Date()): string {
  if (!from) return '-';
  const seconds = Math.max(0, Math.round(((to ? Date.parse(to) : now.getTime()) - Date.parse(from)) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

// ---------------------------------------------------------------------------------------------------------
// Argo UI

/**
 * The Argo UI link of a workflow. base: --argo-ui, else $ARGO_BASE_HREF when it is a full URL, else $ARGO_SERVER (host:port as the argo CLI takes it, https
 * unless $ARGO_SECURE=false, or a full URL) joined with $ARGO_BASE_HREF. Without either: the address a
 * `kubectl -n argo port-forward svc/argo-server 2746:2746` gives.
 */
export function uiLink(namespace: string, name: string, flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  let base = flag;
  if (!base && env.ARGO_BASE_HREF && /^https?:\/\//.test(env.ARGO_BASE_HREF)) base = env.ARGO_BASE_HREF;
  if (!base && env.ARGO_SERVER) {
    const scheme = env.ARGO_SECURE === 'false' ? 'http' : 'https';
    base = /^https?:\/\//.test(env.ARGO_SERVER) ? env.ARGO_SERVER : `${scheme}://${env.ARGO_SERVER}`;
    if (env.ARGO_BASE_HREF) base = base.replace(/\/$/, '') + `/${env.ARGO_BASE_HREF.replace(/^\/|\/$/g, '')}`;
  }
  base ??= 'https://localhost:2746';
  return `${base.replace(/\/$/, '')}/workflows/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}
