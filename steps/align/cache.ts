// The cross-run alignment cache, alignment.cacheDir/<identity key>/: a finished target's files and manifest,
// stored as read-only copies (never hard links shared with a run folder, so damage to a run's file cannot
// reach the cache). A hit is copied into the run and every copy's sha256 must match the entry's manifest;
// an entry whose files changed (a poisoned entry) is removed and the target searched again.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemble } from './assemble.js';
import { ContentMismatchError, copyVerified, makeReadOnly, rand } from './files.js';
import { identityKey, MANIFEST_FILE, mismatch, outputsProblem, readManifest, type AlignManifest, type SearchRecord } from './manifest.js';
import { manifestJson, round, type AlignOptions, type Plan } from './target-plan.js';

export function cacheEntry(p: Plan, opts: AlignOptions): string {
  return join(opts.config.alignment.cacheDir, identityKey(p.identity));
}

/** The cache entry's manifest when the cache is on and the entry is valid and matches the target. */
export function cachedManifest(p: Plan, opts: AlignOptions): AlignManifest | null {
  if (opts.cache === false) return null;
  const cached = readManifest(cacheEntry(p, opts));
  return cached && !mismatch(cached, p.identity) ? cached : null;
}

/** Moves an entry aside and deletes it (another process may be reading it: it keeps its open files). */
function discard(entry: string): void {
  const old = `${entry}.old-${process.pid}-${rand()}`;
  try {
    renameSync(entry, old);
  } catch {
    return; // already gone
  }
  rmSync(old, { recursive: true, force: true });
}

/** A valid, matching cache entry copied (and verified) as the target's directory; null when there is none. */
export async function fromCache(p: Plan, opts: AlignOptions, startedAt: number): Promise<AlignManifest | null> {
  const log = opts.log ?? console.log;
  const cached = cachedManifest(p, opts);
  if (!cached) return null;
  const entry = cacheEntry(p, opts);
  const damaged = (why: string) => {
    log(`align ${p.target.tag}: cache entry ${entry} does not hold what it recorded (${why}): removed; searching`);
    discard(entry);
    return null;
  };
  // Sizes and mtimes first (cheap); then every copy is hashed against the entry's record.
  const problem = await outputsProblem(entry, cached);
  if (problem) return damaged(problem);
  const base: AlignManifest = { ...cached, tag: p.target.tag, cached: true, wallSeconds: 0, completedAt: '' };
  try {
    const copied = await assemble(p, opts, base, (s, dst) => copyVerified(join(entry, s.output), dst, s.sha256));
    return { ...copied, wallSeconds: round((Date.now() - startedAt) / 1000), completedAt: new Date().toISOString() };
  } catch (e) {
    if (e instanceof ContentMismatchError) return damaged(e.message);
    // Another process replacing the entry meanwhile: search instead of failing.
    log(`align ${p.target.tag}: cache entry ${entry} unusable (${(e as Error).message}); searching`);
    return null;
  }
}

/** Stores read-only, verified copies of a finished directory in the cache; a cache that cannot be written only costs a warning. */
export async function toCache(p: Plan, opts: AlignOptions, manifest: AlignManifest): Promise<void> {
  if (opts.cache === false) return;
  const entry = cacheEntry(p, opts);
  if (readManifest(entry)) return;
  const tmp = `${entry}.tmp-${process.pid}-${rand()}`;
  try {
    mkdirSync(tmp, { recursive: true });
    const searches: SearchRecord[] = [];
    for (const s of manifest.searches) {
      const dst = join(tmp, s.output);
      // chmod moves the ctime, not the mtime: the copy's record stays valid.
      const { size, sha256, mtime } = await copyVerified(join(p.final, s.output), dst, s.sha256);
      makeReadOnly(dst);
      searches.push({ ...s, size, sha256, mtime });
    }
    writeFileSync(join(tmp, MANIFEST_FILE), manifestJson({ ...manifest, searches }));
    makeReadOnly(join(tmp, MANIFEST_FILE));
    if (existsSync(entry)) discard(entry);
    renameSync(tmp, entry);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    (opts.log ?? console.log)(`align ${p.target.tag}: warning: cannot write the cache at ${entry}: ${(e as Error).message}`);
  }
}
