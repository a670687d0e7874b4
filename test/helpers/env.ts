// Paths and tool gates shared by the tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root (tests run from dist/test/...). */
export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
export const CLI = join(ROOT, 'bin', 'openfold-argo.js');
/** With CI=true nothing may be skipped (requires() in gate.ts turns a missing prerequisite into a failure). */
export const IN_CI = process.env.CI === 'true';
/** How requires() (gate.ts) prints a skip, one line per test, and what test/run.ts counts. */
export const SKIP_PREFIX = 'SKIP "';

export function tempDir(prefix = 'ofa-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v "$1"`, 'sh', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Null when every tool is on PATH; otherwise the one-line reason to skip with (see requires() in gate.ts). */
export function missingTools(names: string[], install: string): string | null {
  const missing = names.filter((n) => !hasCommand(n));
  return missing.length === 0 ? null : `missing ${missing.join(', ')} (install: ${install})`;
}

/** For a benchmark script: when a prerequisite is missing, says so on stderr and exits 1 (figures not measured). */
export function benchmarkNeeds(reason: string | null): void {
  if (reason === null) return;
  console.error(`benchmark not run: ${reason}`);
  process.exit(1);
}
