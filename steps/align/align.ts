// The align step: for each target, reuse a matching finished directory whose files still hold what its
// manifest recorded, else the cache (copied and verified), else run the searches (staging.ts: concurrently
// within the --cpu budget; hhsearch after the MSA it reads) and assemble the directory with its done-manifest
// (assemble.ts). A killed run resumes with the searches it had not finished; the final name only ever holds
// a complete directory.
import { existsSync, linkSync, mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { assemble } from './assemble.js';
import { cacheEntry, cachedManifest, fromCache, toCache } from './cache.js';
import { copyVerified, type FileRecord } from './files.js';
import { MANIFEST_VERSION, mismatch, outputsProblem, readManifest, type AlignManifest } from './manifest.js';
import { batchFirstSearch, readStaged, stageAll, type TargetStepOptions } from './staging.js';
import { AlignInputError, planTarget, round, STAGING, type AlignOptions, type AlignTarget, type Plan } from './target-plan.js';

export { AlignInputError, type AlignOptions, type AlignTarget, type TargetStepOptions };

export type Outcome = 'aligned' | 'up-to-date' | 'cached' | 'staged';

export interface TargetResult {
  tag: string;
  outcome: Outcome;
  dir: string;
  manifest?: AlignManifest;
}

/**
 * A staged output into the final folder: a hard link, as the staging folder is deleted right after (no file
 * stays shared); a verified copy where links are not possible.
 */
async function fromStaging(src: string, dst: string, rec: FileRecord): Promise<FileRecord> {
  try {
    linkSync(src, dst);
    return rec;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EXDEV' || code === 'EPERM' || code === 'ENOTSUP') return copyVerified(src, dst, rec.sha256);
    throw e;
  }
}

/** Builds the final directory from the staged searches. */
async function finalize(p: Plan, opts: AlignOptions, startedAt: number): Promise<AlignManifest> {
  const records = [];
  for (const s of p.specs) {
    const r = await readStaged(p, s, opts);
    if (!r) throw new AlignInputError(`${p.target.tag}: search ${s.name} has not run yet (run \`--search ${s.name}\` before --finalize)`);
    records.push(r);
  }
  const tools: Record<string, string> = {};
  for (const r of records) tools[r.tool] = r.toolVersion;
  const msaDepth: Record<string, number> = {};
  for (const r of records) if (!r.output.endsWith('.hhr')) msaDepth[r.output] = r.depth;
  // The span from the first search's start covers searches staged by earlier attempts or other pods.
  const firstStart = Math.min(startedAt, ...records.map((r) => Date.parse(r.startedAt)));
  const manifest: AlignManifest = {
    version: MANIFEST_VERSION,
    tag: p.target.tag,
    sequenceSha256: p.identity.sequenceSha256,
    mode: p.identity.mode,
    tools,
    databases: p.identity.databases,
    searches: records.map(({ name, output, size, sha256, mtime, flags, seconds, depth, exitCode, batch }) => ({
      name,
      output,
      size,
      sha256,
      mtime,
      flags,
      seconds,
      depth,
      exitCode,
      ...(batch ? { batch } : {}),
    })),
    msaDepth,
    wallSeconds: round((Date.now() - firstStart) / 1000),
    cached: false,
    completedAt: new Date().toISOString(),
  };
  const done = await assemble(p, opts, manifest, (s, dst) => fromStaging(join(p.staging, s.output), dst, s));
  rmSync(p.staging, { recursive: true, force: true });
  try {
    rmdirSync(join(opts.out, STAGING)); // the last target of the folder leaves nothing behind
  } catch {
    // other targets are still staged there
  }
  return done;
}

type Current = { manifest: AlignManifest } | { why: string } | null;

/**
 * The finished directory when its manifest is valid, matches the plan and its files hold what it recorded
 * (sizes; sha256 when an mtime moved, or every file with `verify`); else why not (null: there is none).
 */
async function current(p: Plan, opts: AlignOptions): Promise<Current> {
  if (!existsSync(p.final)) return null;
  const m = readManifest(p.final);
  if (!m || m.tag !== p.target.tag) return { why: 'has no valid manifest' };
  const different = mismatch(m, p.identity);
  if (different) return { why: `was aligned with other inputs (${different})` };
  const problem = await outputsProblem(p.final, m, { full: opts.verify });
  return problem ? { why: `changed since it was aligned: ${problem}` } : { manifest: m };
}

/** Aligns one target: up to date, from the cache, or searched (all, one with `search`, or only `finalize`). */
async function alignTarget(p: Plan, opts: AlignOptions, step: TargetStepOptions): Promise<TargetResult> {
  const startedAt = Date.now();
  const log = opts.log ?? console.log;
  const target = p.target;
  if (step.search && !p.specs.some((s) => s.name === step.search)) {
    throw new AlignInputError(`unknown search "${step.search}" for mode ${opts.mode} (expected ${p.specs.map((s) => s.name).join(', ')})`);
  }
  const now = await current(p, opts);
  if (now && 'manifest' in now) {
    log(`align ${target.tag}: up to date (${p.final})`);
    return { tag: target.tag, outcome: 'up-to-date', dir: p.final, manifest: now.manifest };
  }
  if (!now) mkdirSync(opts.out, { recursive: true });
  else log(`align ${target.tag}: ${p.final} ${now.why}: aligning again`);
  const cached = await fromCache(p, opts, startedAt);
  if (cached) {
    log(`align ${target.tag}: from the cache (${cacheEntry(p, opts)})`);
    return { tag: target.tag, outcome: 'cached', dir: p.final, manifest: cached };
  }
  if (step.search) {
    await stageAll(p, opts, step.search);
    return { tag: target.tag, outcome: 'staged', dir: p.staging };
  }
  if (!step.finalize) await stageAll(p, opts);
  const manifest = await finalize(p, opts, startedAt);
  await toCache(p, opts, manifest);
  log(`align ${target.tag}: done in ${manifest.wallSeconds}s -> ${p.final}`);
  return { tag: target.tag, outcome: 'aligned', dir: p.final, manifest };
}

/** Aligns targets one after another (an align group, or the records of FASTA files). */
export async function alignTargets(targets: AlignTarget[], opts: AlignOptions, step: TargetStepOptions = {}): Promise<TargetResult[]> {
  const plans = targets.map((t) => planTarget(t, opts));
  const needsSearching = async (p: Plan) => {
    const now = await current(p, opts);
    return !(now && 'manifest' in now) && !cachedManifest(p, opts);
  };
  await batchFirstSearch(plans, opts, step, needsSearching);
  const results: TargetResult[] = [];
  for (const p of plans) results.push(await alignTarget(p, opts, step));
  return results;
}
