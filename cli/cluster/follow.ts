// Follows one workflow through the watch API until it finishes, printing a line whenever its per-stage
// progress or phase changes. The server closing the stream is normal (timeoutSeconds): it reconnects from the
// last resourceVersion seen. Transient failures (reset, timeout, 429, 5xx, a stream cut mid-event) are retried
// with capped exponential backoff and jitter, resuming from that resourceVersion; 410 Gone reads the workflow
// again. It gives up only when failures have lasted longer than the --give-up-after budget.
import { exitCodeOf, failedSteps, formatProgress, isFinished, objectPath, progress, type Workflow } from './argo.js';
import { KubeApiError, WatchStreamError } from './client.js';
import { DEFAULT_BACKOFF, Retrier, formatDuration, type BackoffPolicy, type RetryHooks } from './backoff.js';
import { isOffloaded, offloadedHint } from './nodes.js';
import { UserError } from '../../common/errors.js';
import type { Session } from './session.js';

export interface FollowOptions {
  /** Where progress lines go. @default console.log */
  print?: (line: string) => void;
  /** Where retry notices go. @default console.error */
  warn?: (line: string) => void;
  /** Server-side timeout of one watch request, in seconds. @default 300 */
  timeoutSeconds?: number;
  /** Clock for the line prefix. @default () => new Date() */
  now?: () => Date;
  /** Backoff between failed requests and the give-up budget. @default DEFAULT_BACKOFF */
  backoff?: Partial<BackoffPolicy>;
  /** Test hooks for the retry loop (sleep, clock, jitter). */
  retryHooks?: RetryHooks;
}

export function progressLine(wf: Workflow, now: Date): string {
  const time = now.toISOString().slice(11, 19);
  const steps = isOffloaded(wf) ? "steps: offloaded to Argo's database" : formatProgress(progress(wf));
  return `${time} ${wf.metadata.name} ${(wf.status?.phase ?? 'Pending').padEnd(9)} ${steps}`;
}

// A watch the server ends this quickly without sending anything is treated as a failure (backoff), so a proxy
// that closes every stream at once cannot make a tight reconnect loop.
const EMPTY_STREAM_MS = 1000;

export async function followWorkflow(s: Session, name: string, opts: FollowOptions = {}): Promise<Workflow> {
  const print = opts.print ?? ((l: string) => console.log(l));
  const warn = opts.warn ?? ((l: string) => console.error(l));
  const now = opts.now ?? (() => new Date());
  const policy = { ...DEFAULT_BACKOFF, ...opts.backoff };
  const retrier = new Retrier(policy, `watching workflow ${name}`, {
    onRetry: (cause, delay) =>
      warn(`watch ${name}: ${cause}; retrying in ${formatDuration(delay)} from resourceVersion ${wf?.metadata.resourceVersion ?? '-'}`),
    ...opts.retryHooks,
  });
  const path = objectPath('Workflow', s.namespace, name);
  const what = `Workflow ${name}`;
  let last = '';
  let toldOffloaded = false;
  const show = (w: Workflow) => {
    const line = progressLine(w, now());
    const key = line.slice(9);
    if (key !== last) print(line);
    last = key;
    if (isOffloaded(w) && !toldOffloaded) warn(offloadedHint(w, s.namespace));
    toldOffloaded ||= isOffloaded(w);
  };
  const read = () => retrier.run(() => s.client.get<Workflow>(path)).catch((e) => Promise.reject(s.explain(e, what)));
  let wf: Workflow | undefined = undefined;
  wf = await read();
  show(wf);
  while (!isFinished(wf)) {
    const query = {
      fieldSelector: `metadata.name=${name}`,
      resourceVersion: wf.metadata.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: opts.timeoutSeconds ?? 300,
    };
    const started = Date.now();
    let events = 0;
    try {
      await s.client.watch<Workflow>(objectPath('Workflow', s.namespace), query, (e) => {
        events++;
        retrier.succeeded();
        if (e.type === 'BOOKMARK') {
          wf!.metadata.resourceVersion = e.object.metadata.resourceVersion;
          return false;
        }
        if (e.type === 'DELETED') throw new UserError(`workflow ${name} was deleted while being watched`, 1);
        wf = e.object;
        show(wf);
        return isFinished(wf);
      });
      if (events === 0 && Date.now() - started < EMPTY_STREAM_MS)
        await retrier.wait(new WatchStreamError('watch stream ended at once without an event'));
    } catch (e) {
      if (e instanceof UserError) throw e;
      // 410 Gone: our resourceVersion is too old; read the workflow again and watch from there.
      if (e instanceof KubeApiError && e.statusCode === 410) {
        wf = await read();
        show(wf);
        continue;
      }
      try {
        await retrier.wait(e);
      } catch (fatal) {
        throw fatal instanceof UserError ? fatal : s.explain(fatal, what);
      }
    }
  }
  return wf;
}

/** Follows a workflow to its end, prints its failed steps and final phase; returns its exit code (0 = Succeeded). */
export async function followToExit(s: Session, name: string, opts: FollowOptions = {}): Promise<number> {
  const done = await followWorkflow(s, name, opts);
  for (const line of failedSteps(done)) console.error(`  failed: ${line}`);
  console.log(`${done.metadata.name} ${done.status?.phase}${done.status?.message ? `: ${done.status.message}` : ''}`);
  return exitCodeOf(done);
}
