// retryStrategy: transient errors (node shutdown, spot interruption, pod deletion) and failures are retried
// with exponential backoff, except the exit codes a step declares final (2: bad input; retrying cannot help).
//
// No backoff.maxDuration: in Argo it is not the longest delay but a window over ALL attempts, counted from the
// first attempt's start, and it also becomes the deadline (ARGO_DEADLINE) of every retry pod
// (workflow/controller/operator.go processNodeRetries: "Max duration limit exceeded", opts.executionDeadline;
// argo-workflows#13044). A step that failed after running longer than that window would never be retried. The
// attempts are bounded anyway: limit x activeDeadlineSeconds plus the delays, within the workflow's deadline.
// The longest delay is backoff.cap, which Argo has from v3.7.0 (version.ts).
import type { RetryStrategy } from './types.js';
import { goDuration } from './units.js';
import { argoHas } from './version.js';

export interface RetryProps {
  limit: number;
  backoff: { duration: string; factor: number; maxDelay: string };
  argoVersion: string;
}

export const BAD_INPUT_EXIT_CODE = 2;

/**
 * The last attempt was killed for exceeding its memory limit. The kubelet reports the container terminated
 * with reason OOMKilled and Argo makes the node message "main: OOMKilled (exit code 137)"
 * (workflow/controller/operator.go inferFailedReason, v3.6 to v4.1). An exit code alone cannot tell: 137 is
 * also a SIGKILL after a deadline or a node drain.
 */
export const AFTER_OOM_KILL = "lastRetry.message matches 'OOMKilled'";

/** The last attempt exited with this code (lastRetry.exitCode is a string). */
export function afterExitCode(code: number): string {
  return `lastRetry.exitCode == '${code}'`;
}

/** The expression that retries errors (no exit code: the pod was lost) and failures except `finalExitCodes`. */
export function retryExpression(finalExitCodes: readonly number[] = [BAD_INPUT_EXIT_CODE]): string {
  const codes = [...new Set(finalExitCodes)].sort((a, b) => a - b);
  const failed = codes.length === 1 ? `asInt(lastRetry.exitCode) != ${codes[0]}` : `!(asInt(lastRetry.exitCode) in [${codes.join(', ')}])`;
  return `lastRetry.status == "Error" || ${failed}`;
}

export function retryStrategy(props: RetryProps, finalExitCodes?: readonly number[]): RetryStrategy {
  return {
    limit: props.limit,
    retryPolicy: 'Always',
    expression: retryExpression(finalExitCodes),
    backoff: {
      duration: goDuration(props.backoff.duration),
      factor: props.backoff.factor,
      ...(argoHas(props.argoVersion, 'backoffCap') ? { cap: goDuration(props.backoff.maxDelay) } : {}),
    },
  };
}
