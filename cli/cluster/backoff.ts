// Retrying the API server through transient failures: which errors are transient (connection reset or
// refused, timeouts, 429, 5xx, a watch stream cut mid-event), capped exponential backoff with jitter, and a
// time budget after which a caller gives up with one line naming the cause.
import { UserError } from '../../common/errors.js';
import { KubeApiError, KubeUnreachableError, WatchStreamError } from './client.js';

export interface BackoffPolicy {
  /** First delay, doubled per consecutive failure. @default 500 ms */
  initialMs: number;
  /** Longest delay. @default 30 s */
  capMs: number;
  /** Give up once failures have lasted this long without a success in between. @default 10 min */
  giveUpAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, capMs: 30_000, giveUpAfterMs: 10 * 60_000 };

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);

/** A short name of the cause when the error is worth retrying (e.g. `ECONNRESET`, `503 ServiceUnavailable`), else undefined. */
export function transientCause(e: unknown): string | undefined {
  if (e instanceof WatchStreamError) return e.message;
  if (e instanceof KubeUnreachableError) {
    const code = e.cause.code ?? '';
    return TRANSIENT_CODES.has(code) ? code : undefined;
  }
  if (e instanceof KubeApiError && TRANSIENT_STATUS.has(e.statusCode)) return `${e.statusCode} ${e.reason}`;
  return undefined;
}

/** Errors that, before the first answer, mean "wrong address" rather than "a hiccup": fail at once then. */
export function isUnreachableAtStart(e: unknown): boolean {
  return e instanceof KubeUnreachableError && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(e.cause.code ?? '');
}

/** Delay before retry number `attempt` (0-based): min(cap, initial * 2^attempt), the upper half jittered. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Parses a duration as kubectl writes them (`90s`, `10m`, `1h30m`, `500ms`); a bare number is seconds. */
export function parseDuration(text: string, flag: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== t)
    throw new UserError(`${flag} ${JSON.stringify(text)}: expected a duration such as 90s, 10m or 1h30m`);
  return parts.reduce((ms, p) => ms + Number(p[1]) * units[p[2]], 0);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000 && ms % 1000 !== 0) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return [h && `${h}h`, m && `${m}m`, s % 60 && `${s % 60}s`].filter(Boolean).join('') || '0s';
}

export interface RetryHooks {
  /** Told before each wait (cause, delay in ms). */
  onRetry?: (cause: string, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

/**
 * One streak of failures at a time: wait() sleeps the next backoff delay or throws the give-up error once the
 * streak would outlast the budget; succeeded() ends the streak.
 */
export class Retrier {
  private streakStart?: number;
  private attempts = 0;
  private everSucceeded = false;

  constructor(
    readonly policy: BackoffPolicy,
    /** What is being done, for the give-up line (e.g. `watching workflow run-1`). */
    readonly doing: string,
    readonly hooks: RetryHooks = {},
  ) {}

  private now(): number {
    return this.hooks.now?.() ?? Date.now();
  }

  succeeded(): void {
    this.streakStart = undefined;
    this.attempts = 0;
    this.everSucceeded = true;
  }

  /** Sleeps before the next try, or throws when e is not transient (rethrown as is) or the budget is spent. */
  async wait(e: unknown): Promise<void> {
    const cause = transientCause(e);
    if (!cause || (!this.everSucceeded && isUnreachableAtStart(e))) throw e;
    const now = this.now();
    this.streakStart ??= now;
    // A 429 or 503 may say when to come back (Retry-After); never sooner than that.
    const asked = e instanceof KubeApiError && e.retryAfterSeconds ? e.retryAfterSeconds * 1000 : 0;
    const delay = Math.max(asked, backoffDelay(this.attempts, this.policy, this.hooks.random));
    const spent = now - this.streakStart;
    if (spent + delay > this.policy.giveUpAfterMs)
      throw new UserError(
        `gave up ${this.doing} after ${formatDuration(spent)} of failing API requests (${this.attempts + 1} in a row, limit --give-up-after ${formatDuration(this.policy.giveUpAfterMs)}); last error: ${cause}`,
        1,
      );
    this.attempts++;
    this.hooks.onRetry?.(cause, delay);
    await (this.hooks.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms))))(delay);
  }

  /** Runs fn until it succeeds, waiting between transient failures. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const out = await fn();
        this.succeeded();
        return out;
      } catch (e) {
        await this.wait(e);
      }
    }
  }
}
