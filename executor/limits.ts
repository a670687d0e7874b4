// Counting semaphores for the executor's concurrency limits: --max-parallel, workflow and template
// `parallelism`, and Argo semaphores / mutexes (limits read from the rendered ConfigMap). Waiters are served in
// order of their priority key (the node's item indices), so a chunk's predict step is not queued behind every
// other chunk's alignments: work finishes chunk by chunk, as on a cluster with enough nodes.

export class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

interface Waiter {
  key: number[];
  seq: number;
  grant: () => void;
  reject: (e: Error) => void;
}

function before(a: Waiter, b: Waiter): boolean {
  for (let i = 0; i < Math.min(a.key.length, b.key.length); i++) if (a.key[i] !== b.key[i]) return a.key[i] < b.key[i];
  if (a.key.length !== b.key.length) return a.key.length < b.key.length;
  return a.seq < b.seq;
}

export class Limit {
  private used = 0;
  private seq = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly name: string,
    readonly capacity: number,
  ) {}

  get inUse(): number {
    return this.used;
  }

  /** Waits for a unit; rejects with Interrupted when the signal aborts first. */
  acquire(key: number[], signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new Interrupted());
    if (this.used < this.capacity && this.waiters.length === 0) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        key,
        seq: this.seq++,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Interrupted());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let i = this.waiters.length;
      while (i > 0 && before(w, this.waiters[i - 1])) i--;
      this.waiters.splice(i, 0, w);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next.grant();
    else this.used--;
  }
}

/** Acquires several limits in order (releasing what it holds if interrupted); returns the release function. */
export async function acquireAll(limits: Limit[], key: number[], signal?: AbortSignal): Promise<() => void> {
  const held: Limit[] = [];
  try {
    for (const l of limits) {
      await l.acquire(key, signal);
      held.push(l);
    }
  } catch (e) {
    for (const l of held.reverse()) l.release();
    throw e;
  }
  return () => {
    for (const l of held.reverse()) l.release();
  };
}

/** Sleeps, or rejects with Interrupted when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new Interrupted());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Interrupted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
