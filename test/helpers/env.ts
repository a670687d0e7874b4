// Paths and tool gates shared by the tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root (tests run from dist/test/...). */
export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
/** Shared development material (../shared from the project root): read-only, never copied in. */
export const SHARED = process.env.OPENFOLD_ARGO_SHARED ?? resolve(ROOT, '..', 'shared');
export const CLI = join(ROOT, 'bin', 'openfold-argo.js');
export const IN_CI = process.env.CI === 'true';

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

/**
 * Gate for optional tools. Returns null when every tool is present. Otherwise, on a user's machine, prints a
 * one-line reason and returns it so the caller skips; under CI=true a missing tool is a failure (throws).
 */
export function missingTools(names: string[], install: string): string | null {
  const missing = names.filter((n) => !hasCommand(n));
  if (missing.length === 0) return null;
  const reason = `missing ${missing.join(', ')} (install: ${install})`;
  if (IN_CI) throw new Error(`CI=true and a required tool is missing: ${reason}`);
  console.log(`SKIP ${reason}`);
  return reason;
}
