// Running the CLI against the Kubernetes API test double (test/doubles/kube-api-double.ts), as a process or as
// main() in the test's own process, with a kubeconfig file pointing at the double as a user would have.
import { spawn } from 'node:child_process';
import { CLI, tempDir } from './env.js';
import { KubeApiDouble } from '../doubles/kube-api-double.js';
import { main } from '../../cli/main.js';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as its own process (exit codes and stderr exactly as a user sees them); ~1-3 s each. */
export function cliProcess(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, HOME: env.HOME ?? tempDir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Runs the CLI's main() in this process (the double answers from the same event loop) with env as the
 * process environment and stdout/stderr captured. Much faster than a process per call.
 */
export async function cli(
  args: string[],
  env: NodeJS.ProcessEnv,
  onStdout?: (text: string) => void,
  onStderr?: (text: string) => void,
): Promise<Run> {
  const saved = { ...process.env };
  const { log, error } = console;
  const write = process.stdout.write.bind(process.stdout);
  let stdout = '';
  let stderr = '';
  const out = (text: string) => {
    stdout += text;
    onStdout?.(stdout);
  };
  for (const k of ['KUBECONFIG', 'HOME', 'ARGO_SERVER', 'ARGO_BASE_HREF', 'ARGO_SECURE']) delete process.env[k];
  Object.assign(process.env, env);
  console.log = (...a: unknown[]) => out(`${a.join(' ')}\n`);
  console.error = (...a: unknown[]) => {
    stderr += `${a.join(' ')}\n`;
    onStderr?.(stderr);
  };
  process.stdout.write = ((chunk: string) => (out(String(chunk)), true)) as typeof process.stdout.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    console.log = log;
    console.error = error;
    process.stdout.write = write;
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

export async function withDouble(
  opts: ConstructorParameters<typeof KubeApiDouble>[0],
  fn: (d: KubeApiDouble, env: NodeJS.ProcessEnv) => Promise<void>,
) {
  const double = new KubeApiDouble(opts);
  await double.start();
  const dir = tempDir('ofa-kube-');
  try {
    await fn(double, { KUBECONFIG: double.writeKubeconfig(dir), HOME: dir });
  } finally {
    await double.stop();
  }
}

export const waitFor = async (cond: () => boolean, what: string, ms = 8000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
