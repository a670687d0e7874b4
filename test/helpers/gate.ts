// The one way a test is skipped. `requires(reason)` gives the function to declare a group of tests with: uvu's
// `test` when `reason` is null (everything they need is here); otherwise each test is registered with uvu's
// test.skip, so it is counted as skipped (never passed), and `SKIP "<test>": <reason>` is printed for it, which
// test/run.ts shows and checks against uvu's count. With CI=true nothing is skipped: each such test fails with
// its reason instead. Reasons come from missingTools (helpers/env.ts), missingS3Server, argoMaterial.
import { test } from 'uvu';
import { IN_CI, SKIP_PREFIX } from './env.js';

export type TestBody = () => void | Promise<void>;

export function requires(reason: string | null): (name: string, body: TestBody) => void {
  if (reason === null) return (name, body) => test(name, body);
  if (IN_CI)
    return (name) =>
      test(name, () => {
        throw new Error(`CI=true and a test prerequisite is missing: ${reason}`);
      });
  return (name, body) => {
    console.log(`${SKIP_PREFIX}${name}": ${reason}`);
    test.skip(name, body);
  };
}

/** The first reason among several (null when none): a test that needs several things names the first missing. */
export function firstMissing(...reasons: (string | null)[]): string | null {
  return reasons.find((r) => r !== null) ?? null;
}

/**
 * For a test that needs what an earlier test of the file produced: returns it, or fails with the earlier test's
 * name (never a silent pass, never a skip that hides the failure).
 */
export function fromEarlierTest<T>(value: T | undefined, earlier: string): T {
  if (value === undefined) throw new Error(`needs the result of the earlier test "${earlier}", which failed or did not run`);
  return value;
}
