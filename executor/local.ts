// `openfold-argo run --local`: renders the pipeline from the config with the shared volume rebased onto
// <workdir>/volume, parses the rendered YAML back, and runs the `openfold-pipeline` WorkflowTemplate (its
// templateRefs resolved among the other rendered WorkflowTemplates) with the local engine. The step programs
// run as `node bin/openfold-argo.js ...`: the same code as in the images.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { parameterProblems } from '../common/parameters.js';
import type { Config } from '../generators/config/types.js';
import { rebaseConfig } from '../generators/config/load.js';
import { renderFiles } from '../generators/render.js';
import { Engine } from './engine.js';
import { lockWorkdir } from './lock.js';
import { paramValue } from './run-context.js';
import { readState, workflowFingerprint, type EngineEvent, type InputFingerprint, type NodeRecord, type RunState } from './state.js';
import { formatDuration } from './duration.js';
import type { Units } from './progress.js';
import { validateWorkflow } from './validate.js';
import { loadWorkflow, parseDocuments, type LoadedWorkflow } from './workflow.js';

export const PIPELINE_TEMPLATE = 'openfold-pipeline';

export class LocalRunError extends Error {}

/** Host variables a step may need (tools on PATH, locale, GPUs, Python environments); nothing else leaks in. */
const PASS_THROUGH =
  /^(PATH|LANG|LANGUAGE|LC_[A-Z]+|TZ|TMPDIR|USER|LOGNAME|LD_LIBRARY_PATH|CUDA_[A-Z_]+|NVIDIA_[A-Z_]+|PYTHONPATH|PYTHONHOME|CONDA_[A-Z_]+|VIRTUAL_ENV|SSL_CERT_FILE|SSL_CERT_DIR|NODE_EXTRA_CA_CERTS|NO_COLOR|FORCE_COLOR|CI)$/;

export function hostEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => PASS_THROUGH.test(e[0]) && e[1] !== undefined));
}

/** `openfold-argo ARGS` runs this checkout's CLI; any other command runs as is (PATH lookup, no shell). */
export function cliCommandMapper(projectRoot: string): (command: string[]) => string[] {
  const cli = join(projectRoot, 'bin', 'openfold-argo.js');
  return (command) => (command[0] === 'openfold-argo' ? [process.execPath, cli, ...command.slice(1)] : command);
}

/** The rendered resources of a config, parsed back from their YAML (what a cluster would receive). */
export function renderedWorkflow(config: Config, configName: string, entry = PIPELINE_TEMPLATE): LoadedWorkflow {
  const docs = renderFiles(config, configName).flatMap((f) => parseDocuments(f.text, f.file));
  return loadWorkflow(docs, entry);
}

export interface LocalRunOptions {
  config: Config;
  configName: string;
  /** Absolute work directory: volume/, logs/, state.json. */
  workdir: string;
  projectRoot: string;
  resume?: boolean;
  maxParallel: number;
  parameters?: Record<string, string>;
  /** Workflow name for a new run; default openfold-pipeline-<5 random letters>. */
  name?: string;
  signal?: AbortSignal;
  onEvent?: (e: EngineEvent) => void;
  killGraceMs?: number;
  /** Called with the engine once it exists (to stop it on SIGINT). */
  onEngine?: (engine: Engine) => void;
}

export interface LocalRunResult {
  state: RunState;
  runDir: string;
  workdir: string;
  config: Config;
}

function newName(): string {
  const letters = 'bcdfghjklmnpqrstvwxz2456789';
  return `${PIPELINE_TEMPLATE}-${[...randomBytes(5)].map((b) => letters[b % letters.length]).join('')}`;
}

export function localConfig(config: Config, workdir: string): Config {
  return rebaseConfig(config, join(resolve(workdir), 'volume'));
}

/** Parameters that name an input file: fingerprinted when a run starts, compared when it resumes. */
const FILE_PARAMETERS = ['input-fasta'];

/** The workflow's parameters as the run will see them: declared defaults, then -p values. */
function effectiveParameters(wf: LoadedWorkflow, given: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of wf.spec.arguments?.parameters ?? []) {
    const v = paramValue(p);
    if (v !== undefined) out[p.name] = v;
  }
  return { ...out, ...given };
}

/** Checks the values Argo would not (patterns, and enums it skips for a Workflow by reference) before anything runs. */
function checkParameters(wf: LoadedWorkflow, values: Record<string, string>): void {
  const enums = Object.fromEntries((wf.spec.arguments?.parameters ?? []).map((p) => [p.name, p.enum?.map(String)]));
  const problems = parameterProblems(values, {}, enums);
  if (problems.length) throw new LocalRunError(`invalid workflow parameters: ${problems.join('; ')}`);
}

function fingerprintFile(path: string): InputFingerprint | undefined {
  try {
    const size = statSync(path).size;
    return { path, size, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
  } catch {
    return undefined; // not here (an s3:// URL, or missing: the split step says so)
  }
}

function inputFingerprints(values: Record<string, string>): Record<string, InputFingerprint> {
  const out: Record<string, InputFingerprint> = {};
  for (const name of FILE_PARAMETERS) {
    const f = values[name] === undefined ? undefined : fingerprintFile(values[name]);
    if (f) out[name] = f;
  }
  return out;
}

/** Why the resumed run's input files differ from what it started with, or null. */
function changedInputs(previous: RunState, now: Record<string, InputFingerprint>): string | null {
  for (const [name, was] of Object.entries(previous.inputs ?? {})) {
    const is = now[name];
    if (!is) return `${name} ${was.path} is gone`;
    if (is.sha256 !== was.sha256)
      return `${name} ${was.path} changed since the run started (sha256 ${was.sha256.slice(0, 12)}…, now ${is.sha256.slice(0, 12)}…)`;
  }
  return null;
}

export async function runLocal(o: LocalRunOptions): Promise<LocalRunResult> {
  const workdir = resolve(o.workdir);
  const config = localConfig(o.config, workdir);
  const wf = renderedWorkflow(config, o.configName);
  validateWorkflow(wf);
  const fingerprint = workflowFingerprint(wf);
  const statePath = join(workdir, 'state.json');
  mkdirSync(workdir, { recursive: true });
  const lock = lockWorkdir(workdir, (line) => o.onEvent?.({ kind: 'note', message: line }));
  try {
    let previous: RunState | undefined;
    let name = o.name ?? newName();
    let parameters = o.parameters ?? {};
    if (o.resume) {
      if (!existsSync(statePath)) throw new LocalRunError(`--resume: no run to resume in ${workdir} (no state.json)`);
      previous = readState(statePath);
      if (previous.fingerprint !== fingerprint)
        throw new LocalRunError(
          `--resume: the rendered workflow differs from the one run ${previous.workflow} started with (config or project changed); start a new run without --resume`,
        );
      name = previous.workflow;
      for (const [k, v] of Object.entries(parameters))
        if (previous.parameters[k] !== v)
          throw new LocalRunError(`--resume: -p ${k}=${v} differs from the run's ${k}=${previous.parameters[k]}`);
      parameters = { ...previous.parameters };
    }
    const values = effectiveParameters(wf, parameters);
    checkParameters(wf, values);
    const inputs = inputFingerprints(values);
    const changed = previous && changedInputs(previous, inputs);
    if (changed) throw new LocalRunError(`--resume: ${changed}; start a new run without --resume`);
    for (const dir of [config.volume.mountPath, config.databases.root, config.input.runsRoot, join(workdir, 'logs')])
      mkdirSync(dir, { recursive: true });
    const engine = new Engine({
      workflow: wf,
      name,
      parameters,
      workdir,
      mapCommand: cliCommandMapper(o.projectRoot),
      baseEnv: hostEnv(),
      maxParallel: o.maxParallel,
      previous,
      signal: o.signal,
      killGraceMs: o.killGraceMs,
      onEvent: o.onEvent,
      fingerprint,
      inputs: previous?.inputs ?? inputs,
    });
    o.onEngine?.(engine);
    const state = await engine.run();
    return { state, runDir: join(config.input.runsRoot, name), workdir, config };
  } finally {
    lock.release();
  }
}

/** Progress units of the pipeline: align and predict count targets, from the run's plan once split wrote it. */
export function pipelineUnits(runDir: () => string): Units {
  let plan: { alignGroups: { id: number; tags: string[] }[]; chunks: { id: string; batches: { tags: string[] }[] }[] } | undefined;
  const groupSize = new Map<string, number>();
  const chunkSize = new Map<string, number>();
  const load = () => {
    try {
      plan = JSON.parse(readFileSync(join(runDir(), 'split', 'plan.json'), 'utf8'));
      for (const g of plan!.alignGroups) groupSize.set(String(g.id), g.tags.length);
      for (const c of plan!.chunks)
        chunkSize.set(
          c.id,
          c.batches.reduce((n, b) => n + b.tags.length, 0),
        );
    } catch {
      plan = undefined;
    }
  };
  return {
    total: (stage) => (!plan ? undefined : stage === 'align' ? sum(groupSize) : stage === 'predict' ? sum(chunkSize) : undefined),
    of: (node) => {
      if (node.step === 'align' && node.inputs?.group !== undefined) return groupSize.get(node.inputs.group) ?? 1;
      if (node.step === 'predict' && node.inputs?.chunk !== undefined) return chunkSize.get(node.inputs.chunk) ?? 1;
      return 1;
    },
    unit: (stage) => (plan && (stage === 'align' || stage === 'predict') ? 'targets' : 'steps'),
    learn: (node) => {
      if (!plan && node.step === 'split' && node.phase === 'Succeeded') load();
    },
  };
}

function sum(m: Map<string, number>): number {
  return [...m.values()].reduce((a, b) => a + b, 0);
}

/** The end-of-run summary: phase, step counts, failed steps with their logs, where the report is. */
export function summary(r: LocalRunResult, resumeCommand = `openfold-argo run --local --workdir ${r.workdir} --resume`): string {
  const nodes = Object.values(r.state.nodes).filter((n) => n.type === 'Pod' || (n.type === 'Skipped' && n.phase !== 'Omitted'));
  const count = (p: string) => nodes.filter((n) => n.phase === p).length;
  const failed = nodes.filter((n: NodeRecord) => n.phase === 'Failed' || n.phase === 'Error');
  const reused = nodes.filter((n) => n.reused).length;
  const took = r.state.finishedAt ? formatDuration(Date.parse(r.state.finishedAt) - Date.parse(r.state.startedAt)) : '?';
  const lines = [
    `Workflow ${r.state.workflow} ${r.state.phase}${r.state.message ? ` (${r.state.message})` : ''} in ${took}`,
    `  steps: ${count('Succeeded')} succeeded${reused ? ` (${reused} from the resumed run)` : ''}, ${failed.length} failed, ${count('Skipped')} skipped`,
  ];
  for (const n of failed)
    lines.push(`  failed: ${n.displayName} [${n.template}]: ${n.message ?? n.phase}${n.log ? `; log: ${join(r.workdir, n.log)}` : ''}`);
  const html = join(r.runDir, 'report.html');
  if (existsSync(html)) lines.push(`  report: ${html}`, `          ${join(r.runDir, 'report.json')}`);
  else lines.push(`  report: not written (the collect step did not run); run directory: ${r.runDir}`);
  lines.push(`  logs: ${join(r.workdir, 'logs')}/  state: ${join(r.workdir, 'state.json')}`);
  if (r.state.phase !== 'Succeeded' || failed.length) lines.push(`  continue it with: ${resumeCommand}`);
  return lines.join('\n');
}
