// Retention of old run folders (config input.keepRunsFor): after its report is written, each run's collect step
// deletes the sibling run folders that have not changed for longer than the retention. A run folder is one with
// split/ or report.json (steps/README.md); anything else under the runs root (standalone/, a user's folder) is
// never touched. The age is the newest modification time of the folder and the entries directly in it, so a
// run still writing is never old; the config requires the retention to exceed the workflow deadline as well.
import { readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface PruneOutcome {
  removed: string[];
  kept: number;
}

function isRunFolder(dir: string): boolean {
  const has = (name: string) => {
    try {
      statSync(join(dir, name));
      return true;
    } catch {
      return false;
    }
  };
  return has('split') || has('report.json');
}

/** Newest mtime (ms) of the folder and its direct entries: cheap on Lustre, no walk of the whole tree. */
export function lastChange(dir: string): number {
  let newest = statSync(dir).mtimeMs;
  for (const name of readdirSync(dir)) {
    try {
      newest = Math.max(newest, statSync(join(dir, name)).mtimeMs);
    } catch {
      // removed meanwhile
    }
  }
  return newest;
}

/**
 * Deletes the run folders beside `currentRun` unchanged for more than `keepForMs` (moved to a hidden name first,
 * so a half-deleted run never looks like a run). The current run is never deleted.
 */
export function pruneOldRuns(currentRun: string, keepForMs: number, now = Date.now()): PruneOutcome {
  const root = dirname(resolve(currentRun));
  const current = basename(resolve(currentRun));
  const out: PruneOutcome = { removed: [], kept: 0 };
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    if (name === current || name.startsWith('.') || !statSync(dir).isDirectory() || !isRunFolder(dir)) continue;
    if (now - lastChange(dir) <= keepForMs) {
      out.kept++;
      continue;
    }
    const trash = join(root, `.deleting-${name}`);
    renameSync(dir, trash);
    rmSync(trash, { recursive: true, force: true });
    out.removed.push(name);
  }
  return out;
}
