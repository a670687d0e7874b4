// The server's bounded queue: one job runs at a time (one worker holds the model), at most `capacity` wait.
// Beyond that a job is refused at once (the HTTP layer answers 503 with Retry-After); a job past its deadline is
// rejected (504), and a running one that times out is reported through onRunningTimeout (the server then restarts
// the worker, the only way to stop a forward pass). drain() refuses the waiting jobs and lets the running finish.

export class QueueFull extends Error {
  override name = 'QueueFull';
}
export class QueueTimeout extends Error {
  override name = 'QueueTimeout';
}
export class ShuttingDown extends Error {
  override name = 'ShuttingDown';
}

interface Waiting {
  readonly start: () => void;
  readonly reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

export class BoundedQueue {
  private readonly waiting: Waiting[] = [];
  private running?: Promise<unknown>;
  private closed = false;

  constructor(
    readonly capacity: number,
    private readonly onRunningTimeout: () => void = () => undefined,
  ) {}

  /** Jobs waiting (not counting the running one). */
  get depth(): number {
    return this.waiting.length;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Runs `job` when its turn comes; rejects with QueueFull, QueueTimeout or ShuttingDown. */
  run<T>(job: () => Promise<T>, timeoutMs: number): Promise<T> {
    if (this.closed) return Promise.reject(new ShuttingDown('the server is shutting down'));
    if (this.running && this.waiting.length >= this.capacity)
      return Promise.reject(new QueueFull(`${this.capacity} requests already wait`));
    return new Promise<T>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const entry: Waiting = {
        reject,
        start: () => {
          const remaining = deadline - Date.now();
          let timedOut = false;
          const timer = setTimeout(() => {
            timedOut = true;
            reject(new QueueTimeout(`no answer within ${timeoutMs / 1000} s`));
            this.onRunningTimeout();
          }, remaining);
          const done = job().then(
            (v) => (timedOut ? undefined : resolve(v)),
            (e: Error) => (timedOut ? undefined : reject(e)),
          );
          this.running = done.finally(() => {
            clearTimeout(timer);
            this.running = undefined;
            this.next();
          });
        },
      };
      entry.timer = setTimeout(() => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new QueueTimeout(`still waiting after ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.waiting.push(entry);
      this.next();
    });
  }

  private next(): void {
    if (this.running) return;
    const entry = this.waiting.shift();
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.start();
  }

  /** Refuses new and waiting jobs (ShuttingDown); resolves when the running job has finished. */
  async drain(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new ShuttingDown('the server is shutting down'));
    }
    while (this.running) await this.running;
  }
}
