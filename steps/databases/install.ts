// The databases step: for each database of the manifest, list or HEAD its objects, check free space, transfer
// them (parallel ranged GETs, resumable) into <root>/.partial/<name>/, verify and unpack them into a staging
// folder, check the expected files, write the done-manifest and rename the folder into place. Nothing half
// installed is ever visible under <root>/<name>; a rerun skips what is done and still valid.
// The databases step: for each database of the manifest, take its lock, list or HEAD its objects, check free
// space, transfer them (parallel ranged GETs, resumable, hashed as they land) into <root>/.partial/<name>/,
// verify and unpack them into a staging folder, scan and hash what was unpacked, check the expected files,
// write the done-manifest and rename the folder into place. Nothing half installed is ever visible under
// <root>/<name>; a rerun skips what is done and still valid (sizes every run, sha256 with --verify).
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { durationSeconds } from '../../generators/argo/units.js';
import type { Config, ModelName } from '../../generators/config/types.js';
import { S3Client } from './client.js';
import { checkDone, withUpdatedFiles, writeDone, type DoneManifest, type DoneObject } from './done.js';
import { collectExpected, type ExpectedFile } from './expect.js';
import { fetchItem, human, partialDir, preflight, resolveItems, sourceOf, statfsFree, type Context, type Item } from './fetch.js';
import { UnsafeEntryError, recordFiles } from './files.js';
import { HashPool } from './hasher.js';
import { acquireLock, describeHolder, type LockHolder, type LockOptions } from './lock.js';
import { configuredManifest, entriesForModel, type DatabaseEntry, type DatabaseManifest } from './manifest.js';
import { DEFAULT_PART_SIZE, DiskFullError, Limiter, eachLimit, isDiskFull } from './transfer.js';

export { InsufficientSpaceError, SPACE_FACTOR, sourceOf } from './fetch.js';

export interface DatabasesOptions {
  config: Config;
  /** Names to install (default: every database of the manifest). */
  only?: string[];
  /** With no `only`: install for this model (its weights, not the other model's). @default config.model */
  model?: ModelName;
  /** Update `refresh: incremental` databases in place (new or changed objects only). */
  refresh?: boolean;
  /** Re-hash every file of the installed databases (and reinstall one whose content changed). */
  verify?: boolean;
  /**
   * An installed database (done-manifest present) is only verified, never reinstalled or refreshed: one that does
   * not verify is an error. The pipeline's data step: other runs may be reading the folder it would replace.
   */
  verifyInstalled?: boolean;
  /** The manifest; default: the config's (its databases.manifest file, else the preset's built-in one). */
  manifest?: DatabaseManifest;
  /** Progress lines. @default console.log */
  log?: (line: string) => void;
  /** Bytes per ranged GET. @default 16 MiB */
  partSize?: number;
  /** Requests in flight at once across all objects. @default 16 */
  requests?: number;
  /** Databases installed at once. @default 2 */
  parallelDatabases?: number;
  signal?: AbortSignal;
  /** Called with every received chunk's size (progress, tests). */
  onBytes?: (bytes: number) => void;
  /** Free bytes under a folder (tests replace it). @default statfs */
  freeBytes?: (dir: string) => Promise<number>;
  /** A response or body silent this long is retried from its last good byte. @default databases.download.stallTimeout */
  stallTimeoutMs?: number;
  /** Failed attempts in a row (no progress) before a part fails. @default 5 */
  attempts?: number;
  /** First retry delay, doubled per attempt. @default 500 ms */
  retryDelayMs?: number;
  /** The per-database lock; waitMs defaults to databases.download.lockWait. */
  lock?: LockOptions;
}

export type DatabaseStatus = 'installed' | 'skipped' | 'refreshed' | 'verified';

export interface DatabaseOutcome {
  name: string;
  status: DatabaseStatus;
  /** Bytes fetched by this run. */
  fetched: number;
  /** Objects fetched by this run (a refresh: the new or changed ones). */
  objects: number;
  seconds: number;
  detail?: string;
}

export class InstalledButInvalidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InstalledButInvalidError';
  }
}
export class UnknownDatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownDatabaseError';
  }
}

interface RunContext extends Context {
  verify: boolean;
  verifyInstalled: boolean;
  lock: LockOptions;
}

function doneManifest(ctx: Context, entry: DatabaseEntry, objects: DoneObject[], files: DoneManifest['files']): DoneManifest {
  const { bucket, prefix } = sourceOf(ctx.config, entry);
  const s = ctx.config.databases.source;
  return {
    format: 2,
    name: entry.name,
    version: ctx.manifest.version,
    preset: ctx.manifest.preset,
    source: { bucket, prefix, endpoint: s.endpoint, region: s.region },
    completedAt: new Date().toISOString(),
    objects: objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    expect: entry.expect,
    files,
  };
}

/** Puts the staging folder in place of <root>/<name>: a rename (the old folder, if any, is moved aside first). */
async function installFolder(staging: string, dbDir: string, trash: string): Promise<void> {
  const old = await stat(dbDir).catch(() => undefined);
  if (old) await rename(dbDir, trash);
  await rename(staging, dbDir);
  if (old) await rm(trash, { recursive: true, force: true });
}

/**
 * The file records of a database folder: every file scanned (unsafe entries refused) and hashed, except those
 * `known` with the same size and mtime; plus the directories `expect` asks for. Fails naming what is missing.
 */
async function filesOf(
  ctx: Context,
  entry: DatabaseEntry,
  dir: string,
  known: Map<string, ExpectedFile>,
  when: string,
): Promise<ExpectedFile[]> {
  const { files, missing } = await collectExpected(dir, entry.expect);
  if (missing.length)
    throw new Error(`${entry.name}: ${when}, expected ${missing.join(', ')} but found nothing (check the manifest's expect)`);
  const records = await recordFiles(dir, entry.name, ctx.pool, known).catch((e: unknown) => {
    throw e instanceof UnsafeEntryError ? new UnsafeEntryError(`${entry.name}: ${e.message}`) : e;
  });
  return [...files.filter((f) => f.dir), ...records];
}

/** What a `none` object's download hash says about the file it became (no need to read it again). */
function knownFromObjects(objects: DoneObject[]): Map<string, ExpectedFile> {
  return new Map(
    objects.filter((o) => o.unpack === 'none' && o.path).map((o) => [o.path!, { path: o.path!, size: o.size, sha256: o.sha256 }]),
  );
}

async function installDatabase(ctx: Context, entry: DatabaseEntry, items: Item[]): Promise<DatabaseOutcome> {
  const started = Date.now();
  const dbDir = join(ctx.root, entry.name);
  const work = partialDir(ctx.root, entry.name);
  await preflight(ctx, entry, items);
  // Staging folders of an earlier, killed run are useless: unpacking starts over from the objects.
  for (const n of await readdir(work).catch(() => [] as string[]))
    if (n.startsWith('staging-') || n.startsWith('old-')) await rm(join(work, n), { recursive: true, force: true });
  const staging = join(work, `staging-${process.pid}-${Date.now()}`);
  await mkdir(staging, { recursive: true });
  const total = items.reduce((n, i) => n + i.info.size, 0);
  ctx.log(`${entry.name}: ${items.length} object(s), ${human(total)}`);
  const objects: DoneObject[] = [];
  let fetched = 0;
  try {
    // Small objects (a listed prefix) go many at a time; big ones share the request limit part by part.
    await eachLimit(items, items.length > 4 ? ctx.limiter.size : 4, async (item) => {
      const r = await fetchItem(ctx, entry, item, staging, false);
      objects.push(r.done);
      fetched += r.fetched;
    });
    const files = await filesOf(ctx, entry, staging, knownFromObjects(objects), 'after unpacking');
    await writeDone(staging, doneManifest(ctx, entry, objects, files));
    await installFolder(staging, dbDir, join(work, `old-${process.pid}-${Date.now()}`));
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
  await rm(work, { recursive: true, force: true });
  const seconds = (Date.now() - started) / 1000;
  ctx.log(`${entry.name}: installed (${human(fetched)} fetched in ${seconds.toFixed(1)} s)`);
  return { name: entry.name, status: 'installed', fetched, objects: items.length, seconds };
}

/** Fetches only the new or changed objects of an incrementally refreshed database, each replaced atomically. */
async function refreshDatabase(ctx: Context, entry: DatabaseEntry, items: Item[], done: DoneManifest): Promise<DatabaseOutcome> {
  const started = Date.now();
  const dbDir = join(ctx.root, entry.name);
  const before = new Map(done.objects.map((o) => [o.key, o]));
  const changed = items.filter((i) => {
    const o = before.get(i.info.key);
    return !o || o.etag !== i.info.etag || o.size !== i.info.size;
  });
  const gone = done.objects.filter((o) => !items.some((i) => i.info.key === o.key)).length;
  if (changed.some((i) => i.obj.unpack === 'tar' || i.obj.unpack === 'tar.gz')) {
    ctx.log(`${entry.name}: an archive changed; installing it again`);
    return installDatabase(ctx, entry, items);
  }
  await preflight(ctx, entry, changed);
  const updated = new Map(before);
  let fetched = 0;
  await eachLimit(changed, changed.length > 4 ? ctx.limiter.size : 4, async (item) => {
    const r = await fetchItem(ctx, entry, item, dbDir, true);
    updated.set(r.done.key, r.done);
    fetched += r.fetched;
  });
  const known = new Map([...done.files.map((f): [string, ExpectedFile] => [f.path, f]), ...knownFromObjects([...updated.values()])]);
  const files = await filesOf(ctx, entry, dbDir, known, 'after the refresh');
  const next = {
    ...doneManifest(ctx, entry, [...updated.values()], files),
    completedAt: done.completedAt,
    refreshedAt: new Date().toISOString(),
  };
  await writeDone(dbDir, next);
  await rm(partialDir(ctx.root, entry.name), { recursive: true, force: true });
  const seconds = (Date.now() - started) / 1000;
  const detail = `${changed.length} new or changed, ${items.length - changed.length} unchanged${gone ? `, ${gone} no longer listed (kept)` : ''}`;
  ctx.log(`${entry.name}: refreshed: ${detail}`);
  return { name: entry.name, status: 'refreshed', fetched, objects: changed.length, seconds, detail };
}

const lockPath = (root: string, name: string) => join(root, '.locks', `${name}.lock`);

async function processDatabase(ctx: RunContext, entry: DatabaseEntry, refresh: boolean): Promise<DatabaseOutcome> {
  const lock = await acquireLock(lockPath(ctx.root, entry.name), `databases: ${entry.name}`, {
    ...ctx.lock,
    log: ctx.log,
    signal: ctx.signal,
  });
  try {
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, lock.lost]) : lock.lost;
    return await lockedProcess({ ...ctx, signal }, entry, refresh);
  } finally {
    await lock.release();
  }
}

async function lockedProcess(ctx: RunContext, entry: DatabaseEntry, refresh: boolean): Promise<DatabaseOutcome> {
  const started = Date.now();
  const { bucket, prefix } = sourceOf(ctx.config, entry);
  const keys = entry.objects.filter((o) => !o.prefix).map((o) => prefix + o.key);
  const check = await checkDone(ctx.root, entry, ctx.manifest.version, bucket, keys, { pool: ctx.pool, verify: ctx.verify });
  // Same content under a moved mtime (or a first sha256 for an older done-manifest): record it, so it is not hashed again.
  if (check.ok && check.files.updated.length)
    await writeDone(join(ctx.root, entry.name), withUpdatedFiles(check.done, check.files.updated));
  if (check.ok && (ctx.verifyInstalled || !(refresh && entry.refresh === 'incremental'))) {
    const seconds = (Date.now() - started) / 1000;
    if (ctx.verify) {
      const detail = `${check.files.hashed} files, ${human(check.files.hashedBytes)} hashed in ${seconds.toFixed(1)} s: all as recorded`;
      ctx.log(`${entry.name}: verified: ${detail}`);
      return { name: entry.name, status: 'verified', fetched: 0, objects: 0, seconds, detail };
    }
    ctx.log(`${entry.name}: already installed (${check.done.completedAt}); ${ctx.verifyInstalled ? 'verified' : 'skipped'}`);
    return { name: entry.name, status: 'skipped', fetched: 0, objects: 0, seconds };
  }
  if (!check.ok && check.done && ctx.verifyInstalled)
    throw new InstalledButInvalidError(
      `${entry.name}: installed but does not verify (${check.reason}); it is not replaced while runs may read it: reinstall it with the openfold-databases workflow (-p only=${entry.name}) when no run uses it`,
    );
  if (!check.ok && check.reason !== 'not installed') ctx.log(`${entry.name}: installing again: ${check.reason}`);
  const items = await resolveItems(ctx, entry);
  return check.ok ? refreshDatabase(ctx, entry, items, check.done) : installDatabase(ctx, entry, items);
}

/** Selects the manifest entries named in `only` (all when empty); unknown names are an error listing the known ones. */
export function selectDatabases(manifest: DatabaseManifest, only: string[] = []): DatabaseEntry[] {
  if (only.length === 0) return manifest.databases;
  const known = manifest.databases.map((d) => d.name);
  const unknown = only.filter((n) => !known.includes(n));
  if (unknown.length) throw new UnknownDatabaseError(`unknown database ${unknown.join(', ')}; the manifest has ${known.join(', ')}`);
  return manifest.databases.filter((d) => only.includes(d.name));
}

/** Installs (or refreshes) the selected databases; throws the first failure after the others have finished. */
export async function runDatabases(opts: DatabasesOptions): Promise<DatabaseOutcome[]> {
  const manifest = opts.manifest ?? configuredManifest(opts.config);
  const entries = opts.only?.length ? selectDatabases(manifest, opts.only) : entriesForModel(manifest, opts.model ?? opts.config.model);
  const root = opts.config.databases.root;
  await mkdir(root, { recursive: true });
  const s = opts.config.databases.source;
  const download = opts.config.databases.download;
  const stallTimeoutMs = opts.stallTimeoutMs ?? durationSeconds(download.stallTimeout) * 1000;
  const pool = new HashPool();
  const ctx: RunContext = {
    config: opts.config,
    manifest,
    client: new S3Client({ endpoint: s.endpoint, region: s.region, timeoutMs: stallTimeoutMs }),
    pool,
    root,
    log: opts.log ?? ((l) => console.log(l)),
    limiter: new Limiter(opts.requests ?? 16),
    partSize: opts.partSize ?? DEFAULT_PART_SIZE,
    signal: opts.signal,
    onBytes: opts.onBytes,
    freeBytes: opts.freeBytes ?? statfsFree,
    transfer: { stallTimeoutMs, attempts: opts.attempts, retryDelayMs: opts.retryDelayMs },
    verify: opts.verify ?? false,
    verifyInstalled: opts.verifyInstalled ?? false,
    lock: { waitMs: durationSeconds(download.lockWait) * 1000, ...opts.lock },
  };
  const outcomes: DatabaseOutcome[] = [];
  const failures: unknown[] = [];
  try {
    await eachLimit(entries, opts.parallelDatabases ?? 2, async (entry) => {
      try {
        outcomes.push(await processDatabase(ctx, entry, opts.refresh ?? false));
      } catch (caught) {
        // A full disk anywhere (staging, done-manifest) is said as such, not as an internal error.
        const e = isDiskFull(caught)
          ? new DiskFullError(`${entry.name}: disk full under ${root}: ${(caught as Error).message}`, root)
          : caught;
        ctx.log(`${entry.name}: FAILED: ${(e as Error).message}`);
        failures.push(e);
      }
    });
  } finally {
    await pool.close();
  }
  if (failures.length) throw failures[0];
  return entries.map((e) => outcomes.find((o) => o.name === e.name)!);
}

async function lockHolder(root: string, name: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(lockPath(root, name), 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/** Install state of each database (for --list); with `verify`, every recorded file is hashed again. */
export async function databaseStates(
  config: Config,
  manifest: DatabaseManifest = configuredManifest(config),
  opts: { verify?: boolean } = {},
): Promise<{ name: string; state: string; ok: boolean; expect: string[] }[]> {
  const out = [];
  const pool = new HashPool();
  try {
    for (const entry of manifest.databases) {
      const { bucket, prefix } = sourceOf(config, entry);
      const keys = entry.objects.filter((o) => !o.prefix).map((o) => prefix + o.key);
      const check = await checkDone(config.databases.root, entry, manifest.version, bucket, keys, { pool, verify: opts.verify });
      const holder = await lockHolder(config.databases.root, entry.name);
      let state = check.ok ? `installed ${check.done.completedAt}` : check.reason;
      if (check.ok && opts.verify) state += ` (verified: ${check.files.hashed} files, ${human(check.files.hashedBytes)} hashed)`;
      if (holder) state += ` (locked by ${describeHolder(holder)})`;
      out.push({ name: entry.name, state, ok: !check.files?.problem, expect: entry.expect });
    }
  } finally {
    await pool.close();
  }
  return out;
}
