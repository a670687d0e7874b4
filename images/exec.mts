// Running the container engine and the other build tools: argument arrays only (never a shell string), the
// command line echoed to stderr, the tool's own output sent to stderr so stdout stays free for --json.
import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Return stdout instead of passing it through to stderr. */
  capture?: boolean;
  /** Neither echo the command nor pass its output through (probes). */
  quiet?: boolean;
  /** Put this before every line passed through (builds running side by side). */
  prefix?: string;
}

/** A writer to stderr that puts `prefix` before each line, keeping a partial line until it ends. */
function lineWriter(prefix: string | undefined): { write: (d: Buffer) => void; end: () => void } {
  if (!prefix) return { write: (d) => process.stderr.write(d), end: () => undefined };
  let partial = '';
  return {
    write: (d) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) process.stderr.write(`${prefix}${l}\n`);
    },
    end: () => {
      if (partial) process.stderr.write(`${prefix}${partial}\n`);
      partial = '';
    },
  };
}

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`${argv.slice(0, 3).join(' ')} … exited with ${code}${stderr ? `: ${stderr.trim().split('\n').slice(-5).join(' | ')}` : ''}`);
  }
}

/** Shell-quoted form of a command, for display only. */
export const displayCommand = (argv: string[]): string =>
  argv.map((a) => (/^[\w./:=@,+%-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');

export function run(argv: string[], o: RunOptions = {}): Promise<string> {
  if (!o.quiet) process.stderr.write(`${o.prefix ?? ''}$ ${displayCommand(argv)}\n`);
  const out = lineWriter(o.prefix);
  const err = lineWriter(o.prefix);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderrTail = '';
    child.stdout.on('data', (d: Buffer) => {
      if (o.capture || o.quiet) stdout += d;
      else out.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d).slice(-4000);
      if (!o.quiet) err.write(d);
    });
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new Error(`${argv[0]} not found on PATH`) : e));
    child.on('close', (code) => {
      out.end();
      err.end();
      if (code === 0) resolve(stdout);
      else reject(new CommandError(argv, code, stderrTail));
    });
  });
}

/** Whether a command runs and exits 0 (probes: nothing printed). */
export async function succeeds(argv: string[]): Promise<boolean> {
  try {
    await run(argv, { quiet: true });
    return true;
  } catch {
    return false;
  }
}
