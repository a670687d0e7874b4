// Runs one OpenFold process: argument array (no shell), output streamed line by line to the pod log and to a
// log file, each line also fed to the log watcher. SIGTERM/SIGINT sent to this step are passed on to OpenFold.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Writable } from 'node:stream';
import { OpenfoldLogWatcher, type LogSummary } from './log.js';

export interface RunOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  log: LogSummary;
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  spawnError?: string;
}

export interface RunOptions {
  /** File receiving OpenFold's stdout and stderr. */
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Where OpenFold's output is echoed. @default process.stdout / process.stderr */
  readonly stdout?: Writable;
  readonly stderr?: Writable;
}

function lineSplitter(onLine: (line: string) => void): { write(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  return {
    write(chunk) {
      const parts = (rest + decoder.write(chunk)).split(/\r?\n|\r/);
      rest = parts.pop() ?? '';
      parts.forEach(onLine);
    },
    end() {
      const last = rest + decoder.end();
      if (last !== '') onLine(last);
      rest = '';
    },
  };
}

export interface ProcessOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  spawnError?: string;
}

/** Runs a program with its output echoed, appended to `logFile` and fed line by line to `onLine`. */
export function runLogged(argv: string[], o: RunOptions, onLine: (line: string) => void): Promise<ProcessOutcome> {
  const logStream = createWriteStream(o.logFile, { flags: 'a' });
  const echoOut = o.stdout ?? process.stdout;
  const echoErr = o.stderr ?? process.stderr;
  return new Promise((resolvePromise) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onTerm = forward('SIGTERM');
    const onInt = forward('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    const out = lineSplitter(onLine);
    const err = lineSplitter(onLine);
    let spawnError: string | undefined;
    child.stdout.on('data', (d: Buffer) => {
      echoOut.write(d);
      logStream.write(d);
      out.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      echoErr.write(d);
      logStream.write(d);
      err.write(d);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = `cannot start ${argv[0]}: ${e.code ?? e.message}`;
    });
    child.on('close', (code, signal) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      out.end();
      err.end();
      logStream.end(() => resolvePromise({ code, signal, spawnError }));
    });
  });
}

export async function runOpenfold(argv: string[], o: RunOptions): Promise<RunOutcome> {
  const watcher = new OpenfoldLogWatcher();
  const outcome = await runLogged(argv, o, (line) => watcher.line(line));
  return { ...outcome, log: watcher.summary() };
}
