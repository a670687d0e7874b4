// Layer 4: Argo's own validation package (github.com/argoproj/argo-workflows/v4 workflow/validate), run through
// test/go/argo-validate when its binary was built (.ci/setup.d/40-argo-validate.sh). Each document is written to
// its own temporary file, so results map back to documents whatever the YAML splitter.
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { LintSetupError, type SourceDocument } from './types.js';

export const GO_VALIDATOR = 'argo-validate';
/** Project root, from dist/lint/go.js (or lint/go.ts under a TS loader). */
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The argo-validate binary: on PATH, else <project>/.cache/bin; undefined when not built. */
export function findGoValidator(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, GO_VALIDATOR))) return join(dir, GO_VALIDATOR);
  }
  for (const root of [PROJECT_ROOT, resolve(PROJECT_ROOT, '..')]) {
    const candidate = join(root, '.cache', 'bin', GO_VALIDATOR);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

export interface GoVerdict {
  doc: SourceDocument;
  valid: boolean;
  error?: string;
}

interface GoResult {
  file: string;
  kind: string;
  name: string;
  valid: boolean;
  error?: string;
}

/** Runs Argo's validation over the documents (all of them at once, so templateRefs resolve among them). */
export async function runGoValidator(binary: string, docs: SourceDocument[]): Promise<GoVerdict[]> {
  if (docs.length === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), 'openfold-argo-lint-'));
  try {
    const files = docs.map((d, i) => {
      const file = join(dir, `${String(i).padStart(5, '0')}.yaml`);
      writeFileSync(file, yaml.dump(d.doc, { noRefs: true, lineWidth: -1 }));
      return file;
    });
    const stdout = await new Promise<string>((ok, fail) => {
      execFile(binary, files, { maxBuffer: 64 * 1024 * 1024 }, (err, out, errOut) => {
        if (err) fail(new LintSetupError(`${binary} failed: ${(errOut || err.message).trim().split('\n')[0]}`));
        else ok(out);
      });
    });
    const byFile = new Map(files.map((f, i) => [f, docs[i]]));
    return stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as GoResult)
      .flatMap((r) => {
        const doc = byFile.get(r.file);
        return doc ? [{ doc, valid: r.valid, error: r.error }] : [];
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
