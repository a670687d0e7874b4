// The databases workflow's first step: checks `only` against the configured manifest and writes the chosen
// names as the JSON list the downloads fan out over (withParam), so `only` never reaches an Argo expression.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { databaseListProblem } from '../../common/parameters.js';
import type { ModelName } from '../../generators/config/types.js';
import { entriesForModel, type DatabaseManifest } from './manifest.js';
import { UnknownDatabaseError } from './install.js';

/** Selection files older than this are removed by the next select step (one small file per workflow). */
const KEEP_MS = 7 * 24 * 3600 * 1000;

/**
 * The names `only` selects, in the manifest's order: "all" is every database but the weights of the model not
 * in use; a comma-separated list names its databases. Throws naming a bad one.
 */
export function selectNames(manifest: DatabaseManifest, only: string[], model: ModelName): string[] {
  const known = manifest.databases.map((d) => d.name);
  const value = only.length ? only.join(',') : 'all';
  const problem = databaseListProblem(value, known);
  if (problem) throw new UnknownDatabaseError(`--only: ${problem}`);
  const names = value.split(',').map((n) => n.trim());
  if (value === 'all' || names.includes('all')) return entriesForModel(manifest, model).map((d) => d.name);
  return known.filter((n) => names.includes(n));
}

/** Writes the selection atomically to `file` and prunes old selections beside it. */
export function writeSelection(file: string, names: string[], now = Date.now()): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, `${JSON.stringify(names)}\n`);
  renameSync(tmp, file);
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (p !== file && now - statSync(p).mtimeMs > KEEP_MS) rmSync(p, { force: true });
  }
}
