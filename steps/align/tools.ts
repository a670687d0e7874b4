// Running the alignment tools: argument arrays only (never a shell), stderr kept for the error message, and
// an outcome that tells a failure from an OOM kill or signal (the workflow retries those with more memory).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** Bytes of stderr kept for the error message. */
const STDERR_TAIL = 4000;

export class ToolError extends Error {
  constructor(
    /** The tool as the user knows it, e.g. "jackhmmer (uniref90)". */
    readonly tool: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
    /** Set when the binary is not installed (ENOENT). */
    readonly missing = false,
  ) {
    super(ToolError.describe(tool, exitCode, signal, stderrTail, missing));
    this.name = 'ToolError';
  }

  /** Killed by a signal (SIGKILL from the OOM killer, SIGTERM) or exited 137 (a wrapper reporting the same). */
  get oomOrSignal(): boolean {
    return this.signal !== null || this.exitCode === 137;
  }

  private static describe(tool: string, code: number | null, signal: NodeJS.Signals | null, tail: string, missing: boolean): string {
    if (missing) return `${tool}: not found on PATH (install it or use the msa image)`;
    const how = signal ? `was killed by ${signal}${signal === 'SIGKILL' ? ' (out of memory?)' : ''}` : `failed with exit code ${code}`;
    const stderr = tail.trim() ? `; stderr ends with:\n${tail.trimEnd()}` : '; no stderr';
    return `${tool} ${how}${stderr}`;
  }
}

export interface RunOptions {
  /** Label for messages, e.g. "hhblits (bfd_uniref)". */
  label: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

// Children still running, so that a terminating align process can take them down with it.
const running = new Set<ChildProcess>();

/** Sends `signal` to every tool this process started and that is still running. */
export function killRunningTools(signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const child of running) child.kill(signal);
}

/** Runs `binary args...`; resolves on exit 0, rejects with a ToolError otherwise (stdout is discarded). */
export function runTool(binary: string, args: string[], opts: RunOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    let tail = '';
    const child = spawn(binary, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    const abort = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', abort, { once: true });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      tail = (tail + d).slice(-STDERR_TAIL);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      running.delete(child);
      opts.signal?.removeEventListener('abort', abort);
      reject(new ToolError(opts.label, null, null, e.message, e.code === 'ENOENT'));
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      opts.signal?.removeEventListener('abort', abort);
      if (code === 0) resolve();
      else reject(new ToolError(opts.label, code, signal, tail));
    });
  });
}

/** Captures stdout+stderr of a short command (version probes); never throws. */
function capture(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', () => resolve(''));
    child.on('close', () => resolve(out));
  });
}

const VERSION_PROBES: Record<string, { args: string[]; pattern: RegExp }> = {
  jackhmmer: { args: ['-h'], pattern: /HMMER (\S+)/ },
  hhblits: { args: ['-h'], pattern: /HHblits (\d[\w.]*)/ },
  hhsearch: { args: ['-h'], pattern: /HHsearch (\d[\w.]*)/ },
  mmseqs: { args: ['version'], pattern: /^(\S+)/ },
};

const versions = new Map<string, Promise<string>>();

/** The installed version of a tool as it reports it ("3.3.2", "3.3.0", "14-7e284+ds-1+b2"), or "unknown". */
export function toolVersion(tool: string): Promise<string> {
  let v = versions.get(tool);
  if (!v) {
    const probe = VERSION_PROBES[tool];
    v = probe ? capture(tool, probe.args).then((out) => probe.pattern.exec(out.trim())?.[1] ?? 'unknown') : Promise.resolve('unknown');
    versions.set(tool, v);
  }
  return v;
}

/**
 * The real cstranslate binary. Debian's wrapper /usr/libexec/hhsuite/bin/cstranslate is broken (it looks for a
 * binary that is not there), so pick the best SIMD build the CPU supports; elsewhere use `cstranslate` on PATH.
 */
export function cstranslateBinary(): string {
  const dir = '/usr/libexec/hhsuite';
  let flags = '';
  try {
    flags = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // not Linux: fall through to PATH
  }
  const has = (f: string) => new RegExp(`\\b${f.replace('.', '_')}\\b`).test(flags);
  for (const simd of ['avx2', 'sse4.1', 'ssse3', 'sse3']) {
    if (has(simd) && existsSync(`${dir}/cstranslate-${simd}`)) return `${dir}/cstranslate-${simd}`;
  }
  if (existsSync(`${dir}/cstranslate-plain`)) return `${dir}/cstranslate-plain`;
  return 'cstranslate';
}
