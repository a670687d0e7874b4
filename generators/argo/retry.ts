// retryStrategy: transient errors (node shutdown, spot interruption, pod deletion) and failures are retried
// with exponential backoff, except a step that exited 2 (bad input: retrying cannot help).
import type { RetryStrategy } from './types.js';
import { goDuration } from './units.js';

export interface RetryProps {
  limit: number;
  backoff: { duration: string; factor: number; maxDuration: string };
}

export const BAD_INPUT_EXIT_CODE = 2;

export function retryStrategy(props: RetryProps): RetryStrategy {
  return {
    limit: props.limit,
    retryPolicy: 'Always',
    // Errors (pod deleted, node shut down, spot reclaimed) have no exit code; failures are retried unless
    // the program said the input is bad.
    expression: `lastRetry.status == "Error" || asInt(lastRetry.exitCode) != ${BAD_INPUT_EXIT_CODE}`,
    backoff: {
      duration: goDuration(props.backoff.duration),
      factor: props.backoff.factor,
      maxDuration: goDuration(props.backoff.maxDuration),
    },
  };
}
