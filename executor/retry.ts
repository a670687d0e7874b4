// A container template's retryStrategy as Argo's controller applies it: the limit (absent: unlimited), the
// policy (OnFailure by default; Always when only an expression is given), the expression over `lastRetry`, and
// the backoff `duration * factor^n`, capped, within `maxDuration` counted from the first attempt: a window over
// all attempts that is also each retry's deadline, as in Argo (argo-workflows#13044).
import { parseDuration } from './duration.js';
import { evalExpr, nestScope } from './expression.js';
import type { ProcessOutcome } from './process.js';
import { asNumber } from './run-context.js';
import { failedOrError, type Phase } from './state.js';
import { substitute, type Scope } from './template-string.js';
import type { RetryStrategy } from './workflow.js';

export interface Backoff {
  durationMs: number;
  factor: number;
  maxDurationMs?: number;
  capMs?: number;
}

export interface RetryPlan {
  limit: number;
  backoff?: Backoff;
  policy: string;
  expression?: string;
}

/** The evaluated retryStrategy of a template (`where` names it in errors); throws on a value that is not valid. */
export function retryPlan(rs: RetryStrategy | undefined, scope: Scope, where: string): RetryPlan {
  let limit = 0;
  let backoff: Backoff | undefined;
  if (rs) {
    limit =
      rs.limit === undefined
        ? Infinity
        : asNumber(substitute(String(rs.limit), scope, `${where}: retryStrategy.limit`), `${where}: retryStrategy.limit`);
    if (rs.backoff) {
      const b = rs.backoff;
      backoff = {
        durationMs: parseDuration(
          substitute(String(b.duration ?? '0'), scope, `${where}: backoff.duration`),
          `${where}: retryStrategy.backoff.duration`,
        ),
        factor:
          b.factor === undefined
            ? 1
            : asNumber(substitute(String(b.factor), scope, `${where}: backoff.factor`), `${where}: retryStrategy.backoff.factor`),
        maxDurationMs:
          b.maxDuration === undefined
            ? undefined
            : parseDuration(substitute(String(b.maxDuration), scope, where), `${where}: retryStrategy.backoff.maxDuration`),
        capMs: b.cap === undefined ? undefined : parseDuration(b.cap, `${where}: retryStrategy.backoff.cap`),
      };
    }
  }
  // Argo: an expression without a policy retries on anything the expression allows.
  const policy = rs?.retryPolicy ?? (rs?.expression ? 'Always' : 'OnFailure');
  return { limit, backoff, policy, expression: rs?.expression };
}

/**
 * The `lastRetry.*` variables after an attempt. Argo gives a missing exit code as "-1" in the retry expression
 * and "0" in the template of the next attempt (operator.go: processNodeRetries / executeTemplate).
 */
export function lastRetryScope(outcome: ProcessOutcome, phase: Phase, message: string, noExitCode = '0'): Scope {
  return {
    'lastRetry.exitCode': outcome.exitCode === null ? noExitCode : String(outcome.exitCode),
    'lastRetry.status': phase,
    'lastRetry.duration': String(Math.round(outcome.durationMs / 1000)),
    'lastRetry.message': message,
  };
}

/** Null to retry; otherwise why not ('' when the limit is simply reached). */
export function retryRefusal(
  plan: RetryPlan,
  attempt: number,
  phase: Phase,
  outcome: ProcessOutcome,
  message: string,
  scope: Scope,
): string | null {
  const { limit, policy, expression } = plan;
  if (attempt >= limit) return limit > 0 ? 'No more retries left' : '';
  const allowed =
    policy === 'Always'
      ? failedOrError(phase)
      : policy === 'OnFailure'
        ? phase === 'Failed'
        : policy === 'OnError'
          ? phase === 'Error'
          : phase === 'Error' && !!process.env.TRANSIENT_ERROR_PATTERN && new RegExp(process.env.TRANSIENT_ERROR_PATTERN).test(message);
  if (!allowed) return `retryPolicy ${policy} does not retry ${phase}`;
  if (!expression) return null;
  const env = nestScope({ ...scope, ...lastRetryScope(outcome, phase, message, '-1') });
  try {
    const expr = substitute(expression, scope, 'retryStrategy.expression');
    const value = evalExpr(expr, env);
    if (value !== true && value !== false) return `retryStrategy.expression gave ${JSON.stringify(value)}, not a boolean`;
    return value ? null : 'retryStrategy.expression evaluated false';
  } catch (e) {
    return `retryStrategy.expression: ${(e as Error).message}`;
  }
}

/** What Argo's executor writes when a pod's ARGO_DEADLINE passes (workflow/executor/executor.go monitorDeadline). */
export const STEP_DEADLINE_MESSAGE = 'Step exceeded its deadline';

/**
 * backoff.maxDuration is also the deadline of every retry: Argo sets the retry pod's ARGO_DEADLINE to the first
 * attempt's start + maxDuration (operator.go: opts.executionDeadline), and its executor kills the step then.
 * The first attempt has no such deadline. Returns the attempt's deadline when the window ends before the
 * template's own deadline would.
 */
export function retryWindowDeadline(
  backoff: Backoff | undefined,
  attempt: number,
  firstStart: number,
  templateDeadlineMs: number | undefined,
  now = Date.now(),
): { deadlineMs: number; message: string } | undefined {
  if (attempt === 0 || backoff?.maxDurationMs === undefined) return undefined;
  const left = Math.max(0, firstStart + backoff.maxDurationMs - now);
  if (templateDeadlineMs !== undefined && templateDeadlineMs <= left) return undefined;
  return { deadlineMs: left, message: STEP_DEADLINE_MESSAGE };
}

/** How long to wait before the retry after `attempt`, or why the backoff's maxDuration forbids it. */
export function backoffWait(
  backoff: Backoff | undefined,
  attempt: number,
  firstStart: number,
  now = Date.now(),
): { waitMs: number } | { refusal: string } {
  let waitMs = 0;
  if (backoff) {
    waitMs = backoff.durationMs * Math.pow(backoff.factor > 0 ? backoff.factor : 1, attempt);
    if (backoff.capMs !== undefined) waitMs = Math.min(waitMs, backoff.capMs);
    if (backoff.maxDurationMs !== undefined) {
      const deadline = firstStart + backoff.maxDurationMs;
      if (now > deadline) return { refusal: 'Max duration limit exceeded' };
      if (now + waitMs > deadline) return { refusal: 'Backoff would exceed max duration limit' };
    }
  }
  return { waitMs };
}
