// The databases step: for each database of the manifest, list or HEAD its objects, check free space, transfer
// them (parallel ranged GETs, resumable) into <root>/.partial/<name>/, verify and unpack them into a staging
// folder, check the expected files, write the done-manifest and rename the folder into place. Nothing half
// installed is ever visible under <root>/<name>; a rerun skips what is done and still valid.
import { mkdir, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Config } from '../../generators/config/types.js';
import { S3Client, S3Error, isPlainMd5, s3Url, type ObjectInfo } from './client.js';
import { checkDone, writeDone, type DoneManifest, type DoneObject } from './done.js';
import { collectExpected } from './expect.js';
import { configuredManifest, type DatabaseEntry, type DatabaseManifest, type DatabaseObject } from './manifest.js';
import { DEFAULT_PART_SIZE, Limiter, eachLimit, resumableBytes, transferObject } from './transfer.js';
import { verifyAndUnpack } from './unpack.js';

export interface DatabasesOptions {
  config: Config;
  /** Names to install (default: every database of the manifest). */
  only?: string[];
  /** Update `refresh: incremental` databases in place (new or changed objects only). */
  refresh?: boolean;
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
}

export type DatabaseStatus = 'installed' | 'skipped' | 'refreshed';

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

export class InsufficientSpaceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InsufficientSpaceError';
  }
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

/** One object to fetch: a manifest object, or one listed object under a manifest prefix. */
interface Item {
  obj: DatabaseObject;
  info: ObjectInfo;
  /** Where it lands relative to the database folder ('' for a tar archive: the folder itself). */
  rel: string;
}

interface Context {
  config: Config;
  manifest: DatabaseManifest;
  client: S3Client;
  root: string;
  log: (line: string) => void;
  verifyInstalled: boolean;
  limiter: Limiter;
  partSize: number;
  signal?: AbortSignal;
  onBytes?: (bytes: number) => void;
  freeBytes: (dir: string) => Promise<number>;
}

const GiB = 1024 ** 3;
const human = (bytes: number): string =>
  bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GiB` : bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : `${bytes} B`;

/** Space an object needs while installing: the archive plus what it unpacks to (~1.2x for database archives). */
export const SPACE_FACTOR = 2.2;

export function sourceOf(config: Config, entry: DatabaseEntry): { bucket: string; prefix: string } {
  const s = config.databases.source;
  return entry.source === 'weights' ? { bucket: s.weightsBucket, prefix: s.weightsPrefix } : { bucket: s.bucket, prefix: s.prefix };
}

const partialDir = (root: string, name: string) => join(root, '.partial', name);
const partialFile = (root: string, name: string, key: string) => join(partialDir(root, name), 'objects', ...key.split('/'));
const stripGz = (p: string) => p.replace(/\.gz$/, '');

function landing(obj: DatabaseObject, relKey: string): string {
  if (obj.unpack === 'tar' || obj.unpack === 'tar.gz') return obj.dest ?? '';
  const name = obj.unpack === 'gz' ? stripGz(relKey) : relKey;
  return obj.dest ? `${obj.dest}/${name}` : name;
}

/** The objects of an entry: HEAD for each key, a listing for each prefix. */
async function resolveItems(ctx: Context, entry: DatabaseEntry): Promise<Item[]> {
  const { bucket, prefix } = sourceOf(ctx.config, entry);
  const items: Item[] = [];
  for (const obj of entry.objects) {
    const full = prefix + obj.key;
    if (obj.prefix) {
      const listed = (await ctx.client.list(bucket, full)).filter((o) => !o.key.endsWith('/'));
      if (listed.length === 0)
        throw new S3Error(`${entry.name}: no objects under ${s3Url(bucket, full)} (bucket ${bucket}, prefix ${full})`, bucket, full, 404);
      for (const info of listed) {
        const relKey = info.key.slice(full.length);
        if (relKey.split('/').some((s) => s === '..' || s === ''))
          throw new S3Error(`${s3Url(bucket, info.key)}: unsafe key`, bucket, info.key);
        items.push({ obj, info, rel: landing(obj, relKey) });
      }
      continue;
    }
    const info = await ctx.client.head(bucket, full);
    if (!Number.isFinite(info.size)) throw new S3Error(`${s3Url(bucket, full)}: the server sent no Content-Length`, bucket, full);
    if (obj.size !== undefined && obj.size !== info.size)
      throw new S3Error(`${s3Url(bucket, full)}: the manifest says ${obj.size} bytes, the server ${info.size}`, bucket, full);
    items.push({ obj, info, rel: landing(obj, basename(obj.key)) });
  }
  return items;
}

async function preflight(ctx: Context, entry: DatabaseEntry, items: Item[]): Promise<void> {
  const { bucket } = sourceOf(ctx.config, entry);
  let need = 0;
  let archives = 0;
  for (const i of items) {
    const have = await resumableBytes(partialFile(ctx.root, entry.name, i.info.key), bucket, i.info, ctx.partSize);
    archives += i.info.size;
    need += (i.obj.unpack === 'none' ? 1 : SPACE_FACTOR) * i.info.size - have;
  }
  const free = await ctx.freeBytes(ctx.root);
  if (need > free)
    throw new InsufficientSpaceError(
      `${entry.name}: needs about ${human(need)} free under ${ctx.root} (${human(archives)} to download, unpacked beside it), has ${human(free)}`,
    );
}

/** Transfers one item and verifies + unpacks it under `dbDir` (staging or, for a refresh, the live folder). */
async function fetchItem(
  ctx: Context,
  entry: DatabaseEntry,
  item: Item,
  dbDir: string,
  inPlace: boolean,
): Promise<{ done: DoneObject; fetched: number }> {
  const { bucket } = sourceOf(ctx.config, entry);
  const file = partialFile(ctx.root, entry.name, item.info.key);
  const t = await transferObject(ctx.client, bucket, item.info, file, {
    partSize: ctx.partSize,
    limiter: ctx.limiter,
    signal: ctx.signal,
    onBytes: ctx.onBytes,
  });
  const target = item.rel === '' ? dbDir : join(dbDir, ...item.rel.split('/'));
  // A refresh replaces one file: unpack beside it under a hidden name, then rename over it.
  const out = inPlace ? join(dirname(target), `.${basename(target)}.ofa-tmp-${process.pid}`) : target;
  try {
    const sums = await verifyAndUnpack({
      file,
      unpack: item.obj.unpack,
      target: out,
      where: s3Url(bucket, item.info.key),
      size: item.info.size,
      sha256: item.obj.prefix ? undefined : item.obj.sha256,
      md5: isPlainMd5(item.info.etag) ? item.info.etag : undefined,
    });
    if (inPlace) await rename(out, target);
    const path = item.obj.unpack === 'none' || item.obj.unpack === 'gz' ? `${entry.name}/${item.rel}` : undefined;
    const done: DoneObject = {
      key: item.info.key,
      size: item.info.size,
      etag: item.info.etag,
      ...(item.info.lastModified ? { lastModified: item.info.lastModified } : {}),
      ...sums,
      unpack: item.obj.unpack,
      ...(path ? { path } : {}),
    };
    // The object stays in .partial until the whole database is in place: if another object fails, the rerun
    // unpacks this one again without fetching it.
    return { done, fetched: t.fetched };
  } catch (e) {
    // Whatever failed verification is fetched afresh next time.
    await rm(file, { force: true });
    await rm(`${file}.parts.json`, { force: true });
    if (inPlace) await rm(out, { recursive: true, force: true });
    throw e;
  }
}

function doneManifest(ctx: Context, entry: DatabaseEntry, objects: DoneObject[], files: DoneManifest['files']): DoneManifest {
  const { bucket, prefix } = sourceOf(ctx.config, entry);
  const s = ctx.config.databases.source;
  return {
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
    const { files, missing } = await collectExpected(staging, entry.expect);
    if (missing.length)
      throw new Error(`${entry.name}: after unpacking, expected ${missing.join(', ')} but found nothing (check the manifest's expect)`);
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
  const { files, missing } = await collectExpected(dbDir, entry.expect);
  if (missing.length) throw new Error(`${entry.name}: after the refresh, expected ${missing.join(', ')} but found nothing`);
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

async function processDatabase(ctx: Context, entry: DatabaseEntry, refresh: boolean): Promise<DatabaseOutcome> {
  const { bucket, prefix } = sourceOf(ctx.config, entry);
  const keys = entry.objects.filter((o) => !o.prefix).map((o) => prefix + o.key);
  const check = await checkDone(ctx.root, entry, ctx.manifest.version, bucket, keys);
  if (check.ok && (ctx.verifyInstalled || !(refresh && entry.refresh === 'incremental'))) {
    ctx.log(`${entry.name}: already installed (${check.done.completedAt}); ${ctx.verifyInstalled ? 'verified' : 'skipped'}`);
    return { name: entry.name, status: 'skipped', fetched: 0, objects: 0, seconds: 0 };
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

async function statfsFree(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** Installs (or refreshes) the selected databases; throws the first failure after the others have finished. */
export async function runDatabases(opts: DatabasesOptions): Promise<DatabaseOutcome[]> {
  const manifest = opts.manifest ?? configuredManifest(opts.config);
  const entries = selectDatabases(manifest, opts.only);
  const root = opts.config.databases.root;
  await mkdir(root, { recursive: true });
  const s = opts.config.databases.source;
  const ctx: Context = {
    config: opts.config,
    manifest,
    client: new S3Client({ endpoint: s.endpoint, region: s.region }),
    root,
    log: opts.log ?? ((l) => console.log(l)),
    verifyInstalled: opts.verifyInstalled ?? false,
    limiter: new Limiter(opts.requests ?? 16),
    partSize: opts.partSize ?? DEFAULT_PART_SIZE,
    signal: opts.signal,
    onBytes: opts.onBytes,
    freeBytes: opts.freeBytes ?? statfsFree,
  };
  const outcomes: DatabaseOutcome[] = [];
  const failures: unknown[] = [];
  await eachLimit(entries, opts.parallelDatabases ?? 2, async (entry) => {
    try {
      outcomes.push(await processDatabase(ctx, entry, opts.refresh ?? false));
    } catch (e) {
      ctx.log(`${entry.name}: FAILED: ${(e as Error).message}`);
      failures.push(e);
    }
  });
  if (failures.length) throw failures[0];
  return entries.map((e) => outcomes.find((o) => o.name === e.name)!);
}

/** Install state of each database (for --list). */
export async function databaseStates(
  config: Config,
  manifest: DatabaseManifest = configuredManifest(config),
): Promise<{ name: string; state: string; expect: string[] }[]> {
  const out = [];
  for (const entry of manifest.databases) {
    const { bucket, prefix } = sourceOf(config, entry);
    const keys = entry.objects.filter((o) => !o.prefix).map((o) => prefix + o.key);
    const check = await checkDone(config.databases.root, entry, manifest.version, bucket, keys);
    out.push({ name: entry.name, state: check.ok ? `installed ${check.done.completedAt}` : check.reason, expect: entry.expect });
  }
  return out;
}
