// One attempt of a container template as a local process: its own process group (so a deadline or Ctrl-C
// reaches the tools it started), stdout and stderr appended to the node's log file, no shell.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname } from 'node:path';

export interface ProcessSpec {
  command: string[];
  env: Record<string, string>;
  logPath: string;
  /** A line written to the log before the process starts. */
  header: string;
  /** Kill the process group after this many ms (activeDeadlineSeconds, or the retry window's end). */
  deadlineMs?: number;
  /** The node's message when the deadline kills it. @default DEADLINE_MESSAGE (activeDeadlineSeconds) */
  deadlineMessage?: string;
  /** How long a SIGTERM gets before SIGKILL. */
  killGraceMs: number;
  /** Aborting stops the process (Ctrl-C, workflow deadline). */
  signal?: AbortSignal;
  onSpawn?: (pid: number) => void;
}

export interface ProcessOutcome {
  phase: 'Succeeded' | 'Failed' | 'Error';
  /** Exit code as Kubernetes reports it: 128 + signal number for a process killed by a signal. */
  exitCode: number | null;
  message: string;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  pid?: number;
  interrupted: boolean;
  deadlineExceeded: boolean;
}

export const DEADLINE_MESSAGE = 'Pod was active on the node longer than the specified deadline';

/** Signals a process group, ignoring one that is already gone. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group has exited.
  }
}

export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function appendLine(path: string, line: string): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, line.endsWith('\n') ? line : `${line}\n`);
  } finally {
    closeSync(fd);
  }
}

export function runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
  mkdirSync(dirname(spec.logPath), { recursive: true });
  appendLine(spec.logPath, spec.header);
  const startedAt = new Date();
  const fd = openSync(spec.logPath, 'a');
  return new Promise((resolve) => {
    let deadlineExceeded = false;
    let interrupted = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const child = spawn(spec.command[0], spec.command.slice(1), { env: spec.env, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    const stop = () => {
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      timers.push(setTimeout(() => killGroup(child.pid!, 'SIGKILL'), spec.killGraceMs));
    };
    const onAbort = () => {
      interrupted = true;
      stop();
    };
    const finish = (o: Omit<ProcessOutcome, 'startedAt' | 'finishedAt' | 'durationMs' | 'pid' | 'interrupted' | 'deadlineExceeded'>) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      spec.signal?.removeEventListener('abort', onAbort);
      const finishedAt = new Date();
      const outcome = {
        ...o,
        startedAt,
        finishedAt,
        durationMs: finishedAt.getTime() - startedAt.getTime(),
        pid: child.pid,
        interrupted,
        deadlineExceeded,
      };
      try {
        appendLine(spec.logPath, `# ${outcome.phase}: ${outcome.message} (${(outcome.durationMs / 1000).toFixed(1)}s)`);
      } catch {
        // The log is a convenience; the outcome is in the state file.
      }
      resolve(outcome);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT' ? 'executable not found' : e.message;
      finish({
        phase: 'Error',
        exitCode: e.code === 'ENOENT' ? 127 : null,
        message: `cannot run ${JSON.stringify(spec.command[0])}: ${why}`,
      });
    });
    child.on('spawn', () => {
      spec.onSpawn?.(child.pid!);
      if (spec.signal?.aborted) onAbort();
      else spec.signal?.addEventListener('abort', onAbort, { once: true });
      if (spec.deadlineMs !== undefined)
        timers.push(
          setTimeout(() => {
            deadlineExceeded = true;
            stop();
          }, spec.deadlineMs),
        );
    });
    child.on('exit', (code, signal) => {
      const exitCode = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : null);
      if (deadlineExceeded) finish({ phase: 'Failed', exitCode, message: spec.deadlineMessage ?? DEADLINE_MESSAGE });
      else if (interrupted && code !== 0) finish({ phase: 'Failed', exitCode, message: 'interrupted' });
      else if (code === 0) finish({ phase: 'Succeeded', exitCode: 0, message: '' });
      else
        finish({
          phase: 'Failed',
          exitCode,
          message: signal ? `killed by ${signal} (exit code ${exitCode})` : `Error (exit code ${exitCode})`,
        });
    });
  });
}

/**
 * A step left running by an executor that was killed (SIGKILL, power loss): stops its process group if the
 * process still carries the run's marker in its environment (Linux /proc), so a resumed run does not race it.
 * Returns what it did, for the log.
 */
export async function stopOrphan(pid: number, marker: string, graceMs: number): Promise<'stopped' | 'gone' | 'not ours' | 'unknown'> {
  if (!groupAlive(pid)) return 'gone';
  let environ: string;
  try {
    environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return 'unknown';
  }
  if (!environ.split('\0').includes(marker)) return 'not ours';
  killGroup(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until && groupAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
  return 'stopped';
}
