// Running small workflows with the local engine in tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { Engine } from '../../executor/engine.js';
import type { EngineEvent, RunState } from '../../executor/state.js';
import { hostEnv } from '../../executor/local.js';
import { validateWorkflow } from '../../executor/validate.js';
import { loadWorkflow, parseDocuments, type LoadedWorkflow } from '../../executor/workflow.js';
import { ARGO, missingArgoMaterial } from '../helpers/argo.js';
import { tempDir } from '../helpers/env.js';
import { requires } from '../helpers/gate.js';

/** Argo's examples of the version under test (from its Go module: helpers/argo.ts). */
export const EXAMPLES = ARGO.examplesDir;
/** Declares a test that reads Argo's examples (skipped, with the reason, where Go cannot fetch them). */
export const withArgo = requires(missingArgoMaterial());

export function example(file: string): unknown[] {
  return parseDocuments(readFileSync(join(EXAMPLES, file), 'utf8'), file);
}

export function fromYaml(text: string): unknown[] {
  return yaml.loadAll(text);
}

export interface FixtureRun {
  state: RunState;
  workdir: string;
  events: EngineEvent[];
  wf: LoadedWorkflow;
  log(node: string): string;
  phase(node: string): string | undefined;
}

export interface FixtureOptions {
  name?: string;
  /** Run this WorkflowTemplate among the docs (templateRefs resolved among them) instead of their one Workflow. */
  entry?: string;
  workdir?: string;
  maxParallel?: number;
  parameters?: Record<string, string>;
  previous?: RunState;
  signal?: AbortSignal;
  mapCommand?: (c: string[]) => string[];
  killGraceMs?: number;
  onEngine?: (e: Engine) => void;
  /** Hears every event as it happens (they are collected in FixtureRun.events too). */
  onEvent?: (e: EngineEvent) => void;
}

export async function runDocs(docs: unknown[], o: FixtureOptions = {}): Promise<FixtureRun> {
  const wf = loadWorkflow(docs, o.entry);
  validateWorkflow(wf);
  const workdir = o.workdir ?? tempDir('ofa-exec-');
  const events: EngineEvent[] = [];
  const name = o.name ?? 'wf';
  const engine = new Engine({
    workflow: wf,
    name,
    workdir,
    parameters: o.parameters,
    mapCommand: o.mapCommand ?? ((c) => c),
    baseEnv: hostEnv(),
    maxParallel: o.maxParallel ?? 4,
    previous: o.previous,
    signal: o.signal,
    killGraceMs: o.killGraceMs ?? 2000,
    onEvent: (e) => {
      events.push(e);
      o.onEvent?.(e);
    },
  });
  o.onEngine?.(engine);
  const state = await engine.run();
  const full = (n: string) => (n === name ? n : `${name}.${n}`);
  return {
    state,
    workdir,
    events,
    wf,
    log: (n) => readFileSync(join(workdir, state.nodes[full(n)].log!), 'utf8'),
    phase: (n) => state.nodes[full(n)]?.phase,
  };
}

/** The phases of the run's nodes by short name (without the workflow prefix). */
export function phases(run: FixtureRun): Record<string, string> {
  return Object.fromEntries(
    Object.values(run.state.nodes).map((n) => [
      n.name === run.state.workflow ? '(workflow)' : n.name.slice(run.state.workflow.length + 1),
      n.phase,
    ]),
  );
}

/** Lines a node's process printed (the executor's own `#` lines removed). */
export function printed(run: FixtureRun, node: string): string[] {
  return run
    .log(node)
    .split('\n')
    .filter((l) => l && !l.startsWith('# '));
}
