// One executor per work directory: `<workdir>/lock` (created exclusively) says who runs there: pid, host, the
// process's start time (to tell a live holder from a recycled pid) and since when. A second run refuses
// naming the holder. A lock whose holder is gone (a dead pid on this host, or a live pid that is another
// process) is stale and taken over; a lock from another host cannot be checked from here and is refused,
// with what to remove if that host's run is gone.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'lock';

export interface LockHolder {
  pid: number;
  host: string;
  /** Start time of the process in clock ticks since boot (/proc/PID/stat field 22); absent off Linux. */
  processStart?: string;
  startedAt: string;
  token: string;
}

export class WorkdirBusyError extends Error {
  constructor(
    message: string,
    readonly holder: LockHolder,
  ) {
    super(message);
    this.name = 'WorkdirBusyError';
  }
}

/** The start time of a process (Linux), or undefined when it is gone or unknown. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing ")".
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why the holder no longer holds the lock (it is stale), or null when it still runs or cannot be checked. */
export function staleReason(h: LockHolder, host = hostname()): string | null {
  if (h.host !== host) return null;
  if (!alive(h.pid)) return `pid ${h.pid} is not running`;
  const start = processStart(h.pid);
  if (h.processStart && start && start !== h.processStart) return `pid ${h.pid} is now another process`;
  return null;
}

const describe = (h: LockHolder) => `pid ${h.pid} on host ${h.host} since ${h.startedAt}`;

function readHolder(path: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

export interface WorkdirLock {
  holder: LockHolder;
  /** Removes the lock if it is still ours. */
  release(): void;
}

/** Takes the work directory's lock or throws WorkdirBusyError naming the holder; `log` hears of a stale lock taken over. */
export function lockWorkdir(workdir: string, log: (line: string) => void = () => undefined): WorkdirLock {
  const path = join(workdir, LOCK_FILE);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    processStart: processStart(process.pid),
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readHolder(path);
      if (!holder) {
        // Being written by its creator this very moment, or garbage: one more look, then treat it as stale.
        if (attempt === 0) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
          continue;
        }
        log(`${path}: unreadable lock: taken over`);
      } else {
        const stale = staleReason(holder);
        if (!stale) {
          const remote = holder.host !== me.host ? ` (another host: if its run is gone, remove ${path})` : '';
          throw new WorkdirBusyError(`${workdir} is in use by another run: ${describe(holder)}${remote}`, holder);
        }
        log(`${path}: stale lock of ${describe(holder)} (${stale}): taken over`);
      }
      // Moved aside first, so two runs taking over the same stale lock do not remove each other's new one.
      const aside = `${path}.stale-${me.token}`;
      try {
        renameSync(path, aside);
        rmSync(aside, { force: true });
      } catch {
        // another run took it over first: try again
      }
      continue;
    }
    try {
      writeSync(fd, `${JSON.stringify(me)}\n`);
    } finally {
      closeSync(fd);
    }
    return {
      holder: me,
      release: () => {
        if (readHolder(path)?.token === me.token) rmSync(path, { force: true });
      },
    };
  }
  const holder = readHolder(path);
  throw new WorkdirBusyError(`${workdir}: could not take the lock${holder ? ` (held by ${describe(holder)})` : ''}`, holder ?? me);
}
