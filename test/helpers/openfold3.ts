// The real OpenFold3 for the tests: the venv .ci/setup.d/60-openfold3.sh installs (outside the clone, keyed by
// the hash of the pinned requirements), and a checkpoint of RANDOM weights for a reduced model that
// test/helpers/openfold3/make_test_checkpoint.py builds once per pin and caches beside the venv. TEST ONLY:
// nothing in the product or the demo can reach either; what they predict is noise, never shown as a prediction.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './env.js';

const run = promisify(execFile);
const REQUIREMENTS = join(ROOT, 'steps', 'predict-openfold3', 'requirements.txt');
const MAKE_CHECKPOINT = join(ROOT, 'test', 'helpers', 'openfold3', 'make_test_checkpoint.py');
export const CACHE_ROOT = process.env.OPENFOLD_ARGO_CACHE ?? join(homedir(), '.cache', 'openfold-argo');

const hash = (...files: string[]) => {
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(f));
  return h.digest('hex').slice(0, 12);
};

export interface Openfold3Runtime {
  venv: string;
  python: string;
  runOpenfold: string;
}

/** The venv of the pinned OpenFold3 (same path as 60-openfold3.sh computes). */
export function openfold3VenvPath(): string {
  return join(CACHE_ROOT, `venv-openfold3-0.5.0-${hash(REQUIREMENTS)}`);
}

/** Why the OpenFold3 tests cannot run here (for requires(), helpers/gate.ts), or null when the venv is installed. */
export function openfold3Missing(): string | null {
  const venv = openfold3VenvPath();
  return existsSync(join(venv, '.complete')) ? null : `OpenFold3 0.5.0 not installed at ${venv} (run: bash .ci/setup.d/60-openfold3.sh)`;
}

/** The installed OpenFold3 (gate the test with requires(openfold3Missing()) first). */
export function openfold3Runtime(): Openfold3Runtime {
  const missing = openfold3Missing();
  if (missing) throw new Error(missing);
  const venv = openfold3VenvPath();
  return { venv, python: join(venv, 'bin', 'python'), runOpenfold: join(venv, 'bin', 'run_openfold') };
}

export interface TestCheckpoint {
  /** The random-weights reduced checkpoint (TEST ONLY). */
  path: string;
  /** model_update.custom the runner yaml must carry for it (the reduced block counts). */
  blocks: Record<string, unknown>;
}

/** Builds (once per pin and builder version) and returns the random-weights test checkpoint. */
export async function testCheckpoint(rt: Openfold3Runtime): Promise<TestCheckpoint> {
  const path = join(CACHE_ROOT, `openfold3-test-checkpoint-${hash(REQUIREMENTS, MAKE_CHECKPOINT)}.pt`);
  if (!existsSync(path) || !existsSync(`${path}.blocks.json`)) {
    mkdirSync(CACHE_ROOT, { recursive: true });
    await run('nice', ['-n', '5', rt.python, MAKE_CHECKPOINT, path], { maxBuffer: 1 << 24 });
  }
  return { path, blocks: JSON.parse(readFileSync(`${path}.blocks.json`, 'utf8')) as Record<string, unknown> };
}

/**
 * openfold3.runnerSettings for the test checkpoint: its block counts, and the cheapest settings that still run
 * every stage (1 recycle, 10 diffusion steps) so a CPU run of a small query takes seconds, not minutes.
 */
export function testRunnerSettings(ck: TestCheckpoint): Record<string, unknown> {
  const custom = structuredClone(ck.blocks) as { architecture: Record<string, unknown> };
  custom.architecture.shared = { num_recycles: 1, diffusion: { no_full_rollout_steps: 10 } };
  return { model_update: { custom } };
}

/** The openfold3 section of a test config: CPU, the test checkpoint, the venv's run_openfold. */
export function testOpenfold3Config(
  rt: Openfold3Runtime,
  ck: TestCheckpoint,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    checkpoint: ck.path,
    device: 'cpu',
    seeds: [7],
    diffusionSamples: 1,
    useTemplates: false,
    runtime: { runOpenfold: rt.runOpenfold },
    runnerSettings: testRunnerSettings(ck),
    ...extra,
  };
}

/** Runs a Python helper of test/helpers/openfold3/ in the venv with `input` on stdin; resolves to its stdout. */
export function runVenvPython(rt: Openfold3Runtime, script: string, args: string[] = [], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('nice', ['-n', '5', rt.python, join(ROOT, 'test', 'helpers', 'openfold3', script), ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${script} exited ${code}: ${stderr.slice(-2000)}`))));
    child.stdin.end(input);
  });
}
