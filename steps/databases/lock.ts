// A lock per database on the shared volume (`<root>/.locks/<name>.lock`), so that two installs of one database
// on one root (two workflows, a retry beside a slow first attempt, the refresh cron beside a pipeline) do not
// delete each other's staging files. The file says who holds it (pid, host, since when); the holder touches it
// every `heartbeatMs`. A second install waits for it (then finds the database installed and skips it), for at
// most `waitMs`, and otherwise refuses naming the holder. A lock is stale when its holder is a dead process on
// this host, or when its heartbeat has not moved for `staleMs` as seen on the waiter's own clock (no clock
// comparison between nodes); a stale lock is moved aside and taken. A holder whose lock was taken from it
// stops (its `lost` signal fires) rather than run on unguarded.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  token: string;
  /** What the holder is doing, e.g. "databases: uniref90". */
  what: string;
}

export interface LockOptions {
  /** How long to wait for another holder; 0 refuses at once. @default Infinity */
  waitMs?: number;
  /** @default 15 s */
  heartbeatMs?: number;
  /** A heartbeat that has not moved for this long marks the lock stale. @default 2 min */
  staleMs?: number;
  /** @default 1 s */
  pollMs?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export class LockBusyError extends Error {
  constructor(
    message: string,
    readonly holder: LockHolder,
  ) {
    super(message);
    this.name = 'LockBusyError';
  }
}

export class LockLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockLostError';
  }
}

export interface HeldLock {
  holder: LockHolder;
  /** Fires when the lock file no longer carries our token. */
  lost: AbortSignal;
  release(): Promise<void>;
}

export const describeHolder = (h: LockHolder): string => `pid ${h.pid} on host ${h.host} since ${h.startedAt}`;

async function readHolder(path: string): Promise<{ holder?: LockHolder; beat: string } | undefined> {
  const [text, st] = await Promise.all([readFile(path, 'utf8').catch(() => undefined), stat(path).catch(() => undefined)]);
  if (text === undefined || !st) return undefined;
  let holder: LockHolder | undefined;
  try {
    holder = JSON.parse(text) as LockHolder;
  } catch {
    holder = undefined; // being written, or garbage: judged by its heartbeat alone
  }
  return { holder, beat: `${st.mtimeMs}:${text.length}:${holder?.token ?? ''}` };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

/** Moves a stale lock aside, unless it changed since it was judged stale (then it is put back). */
async function breakStale(path: string, judged: string): Promise<boolean> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch {
    return false; // someone else moved it first
  }
  const now = await readHolder(aside);
  if (now && now.beat !== judged) {
    // A fresh lock was taken between our look and the rename: give it back if its place is still free.
    await writeFile(path, await readFile(aside), { flag: 'wx' }).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    return false;
  }
  await unlink(aside).catch(() => undefined);
  return true;
}

/** Takes the lock at `path`, waiting for (or refusing) another holder as the options say. */
export async function acquireLock(path: string, what: string, opts: LockOptions = {}): Promise<HeldLock> {
  const waitMs = opts.waitMs ?? Infinity;
  const staleMs = opts.staleMs ?? 120_000;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const log = opts.log ?? (() => undefined);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
    what,
  };
  await mkdir(dirname(path), { recursive: true });
  const started = performance.now();
  let seen: { beat: string; since: number } | undefined;
  let lastLog = -Infinity;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      await writeFile(path, JSON.stringify(me), { flag: 'wx' });
      return hold(path, me, heartbeatMs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const current = await readHolder(path);
    if (!current) continue; // released between our attempt and the look
    const now = performance.now();
    if (!seen || seen.beat !== current.beat) seen = { beat: current.beat, since: now };
    const h = current.holder;
    const dead = h && h.host === me.host && h.pid !== process.pid && !processAlive(h.pid);
    const silent = now - seen.since >= staleMs;
    if (dead || silent) {
      if (await breakStale(path, current.beat)) {
        const who = h ? describeHolder(h) : 'an unreadable holder';
        log(`${what}: removed a stale lock (${who}: ${dead ? 'that process is gone' : `no heartbeat for ${staleMs / 1000} s`})`);
      }
      seen = undefined;
      continue;
    }
    const holder = h ?? { pid: 0, host: '?', startedAt: '?', token: '', what: '?' };
    if (now - started >= waitMs)
      throw new LockBusyError(
        `${what}: locked by ${describeHolder(holder)} (${path}); ${waitMs === 0 ? 'not waiting' : `gave up after waiting ${waitMs / 1000} s`}`,
        holder,
      );
    if (now - lastLog >= 300_000) {
      log(`${what}: waiting for the install by ${describeHolder(holder)} to finish (${path})`);
      lastLog = now;
    }
    await sleep(Math.min(opts.pollMs ?? 1000, Math.max(1, waitMs - (now - started))), opts.signal);
  }
}

function hold(path: string, me: LockHolder, heartbeatMs: number): HeldLock {
  const lost = new AbortController();
  const ours = async () => (await readHolder(path))?.holder?.token === me.token;
  const timer = setInterval(() => {
    void (async () => {
      if (!(await ours())) {
        clearInterval(timer);
        lost.abort(new LockLostError(`${me.what}: lost the lock ${path} (taken as stale by another install); stopping`));
        return;
      }
      const t = new Date();
      await utimes(path, t, t).catch(() => undefined);
    })();
  }, heartbeatMs);
  timer.unref();
  return {
    holder: me,
    lost: lost.signal,
    release: async () => {
      clearInterval(timer);
      if (await ours()) await unlink(path).catch(() => undefined);
    },
  };
}
