// One object of a database, from the server to its place: resolve (HEAD, or a listing for a prefix), check the
// free space, transfer (resumable ranged GETs, hashed as the bytes land), verify (pinned sha256, ETag MD5 or
// multipart ETag) before anything is unpacked, then unpack. A verification failure discards the download; a
// full disk or an archive that cannot be verified keeps it for the rerun.
import { rename, rm, statfs } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Config } from '../../generators/config/types.js';
import { S3Error, s3Url, type ObjectInfo, type S3Client } from './client.js';
import type { DoneObject } from './done.js';
import { HashPool, ObjectHasher } from './hasher.js';
import type { DatabaseEntry, DatabaseManifest, DatabaseObject } from './manifest.js';
import { DiskFullError, type Limiter, resumableBytes, transferObject, type TransferOptions } from './transfer.js';
import { CorruptArchiveError, unpack } from './unpack.js';
import { hashPlan, verifyObject, type Download, type Verification } from './verify.js';

export class InsufficientSpaceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InsufficientSpaceError';
  }
}

/** One object to fetch: a manifest object, or one listed object under a manifest prefix. */
export interface Item {
  obj: DatabaseObject;
  info: ObjectInfo;
  /** Where it lands relative to the database folder ('' for a tar archive: the folder itself). */
  rel: string;
}

export interface Context {
  config: Config;
  manifest: DatabaseManifest;
  client: S3Client;
  pool: HashPool;
  root: string;
  log: (line: string) => void;
  limiter: Limiter;
  partSize: number;
  signal?: AbortSignal;
  onBytes?: (bytes: number) => void;
  freeBytes: (dir: string) => Promise<number>;
  transfer: Pick<TransferOptions, 'stallTimeoutMs' | 'attempts' | 'retryDelayMs'>;
}

const GiB = 1024 ** 3;
export const human = (bytes: number): string =>
  bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GiB` : bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : `${bytes} B`;

/** Space an object needs while installing: the archive plus what it unpacks to (~1.2x for database archives). */
export const SPACE_FACTOR = 2.2;

export function sourceOf(config: Config, entry: DatabaseEntry): { bucket: string; prefix: string } {
  const s = config.databases.source;
  if (entry.source === 'weights') return { bucket: s.weightsBucket, prefix: s.weightsPrefix };
  if (entry.source === 'openfold3') return { bucket: s.openfold3Bucket, prefix: s.openfold3Prefix };
  return { bucket: s.bucket, prefix: s.prefix };
}

export const partialDir = (root: string, name: string) => join(root, '.partial', name);
const partialFile = (root: string, name: string, key: string) => join(partialDir(root, name), 'objects', ...key.split('/'));
const stripGz = (p: string) => p.replace(/\.gz$/, '');

function landing(obj: DatabaseObject, relKey: string): string {
  if (obj.unpack === 'tar' || obj.unpack === 'tar.gz') return obj.dest ?? '';
  const name = obj.unpack === 'gz' ? stripGz(relKey) : relKey;
  return obj.dest ? `${obj.dest}/${name}` : name;
}

/** The objects of an entry: HEAD for each key, a listing for each prefix. */
export async function resolveItems(ctx: Context, entry: DatabaseEntry): Promise<Item[]> {
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

export async function preflight(ctx: Context, entry: DatabaseEntry, items: Item[]): Promise<void> {
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

/** Transfers an object into `file`, hashing it as it lands, and verifies it; a mismatch removes the download. */
export async function transferAndVerify(dl: Download, opts: TransferOptions): Promise<{ verification: Verification; fetched: number }> {
  const { client, pool, bucket, info, file } = dl;
  const plan = await hashPlan(client, bucket, info);
  const hasher = new ObjectHasher(pool, file, info.size, plan);
  let fetched: number;
  try {
    fetched = (await transferObject(client, bucket, info, file, { ...opts, hasher })).fetched;
  } catch (e) {
    hasher.discard();
    throw e;
  }
  const digests = await hasher.finish();
  try {
    return { verification: await verifyObject(dl, plan, digests), fetched };
  } catch (e) {
    if (e instanceof CorruptArchiveError) {
      // Whatever failed verification is fetched afresh next time.
      await rm(file, { force: true });
      await rm(`${file}.parts.json`, { force: true });
    }
    throw e;
  }
}

/** Transfers, verifies and unpacks one item under `dbDir` (staging or, for a refresh, the live folder). */
export async function fetchItem(
  ctx: Context,
  entry: DatabaseEntry,
  item: Item,
  dbDir: string,
  inPlace: boolean,
): Promise<{ done: DoneObject; fetched: number }> {
  const { bucket } = sourceOf(ctx.config, entry);
  const where = s3Url(bucket, item.info.key);
  const file = partialFile(ctx.root, entry.name, item.info.key);
  const kept = (e: unknown) => {
    if (!(e instanceof DiskFullError)) return e;
    const again = `the download is kept in ${partialDir(ctx.root, entry.name)}: free space under ${ctx.root} and run again (what is there is not fetched again)`;
    return new DiskFullError(`${entry.name}: ${e.message}; ${again}`, e.path);
  };
  const pinnedSha256 = item.obj.prefix ? undefined : item.obj.sha256;
  const { verification, fetched } = await transferAndVerify(
    { client: ctx.client, pool: ctx.pool, bucket, info: item.info, file, pinnedSha256 },
    {
      partSize: ctx.partSize,
      limiter: ctx.limiter,
      signal: ctx.signal,
      onBytes: ctx.onBytes,
      ...ctx.transfer,
    },
  ).catch((e: unknown) => {
    throw kept(e);
  });
  if (verification.verifiedBy.length === 0)
    ctx.log(
      `${entry.name}: ${where}: nothing to verify it against (no pinned sha256; the ETag is not an MD5); recorded sha256 ${verification.sha256}`,
    );
  const target = item.rel === '' ? dbDir : join(dbDir, ...item.rel.split('/'));
  // A refresh replaces one file: unpack beside it under a hidden name, then rename over it.
  const out = inPlace ? join(dirname(target), `.${basename(target)}.ofa-tmp-${process.pid}`) : target;
  try {
    await unpack({ file, unpack: item.obj.unpack, target: out, where });
    if (inPlace) await rename(out, target);
  } catch (e) {
    if (inPlace) await rm(out, { recursive: true, force: true });
    if (e instanceof CorruptArchiveError) {
      await rm(file, { force: true });
      await rm(`${file}.parts.json`, { force: true });
    }
    throw kept(e);
  }
  const path = item.obj.unpack === 'none' || item.obj.unpack === 'gz' ? `${entry.name}/${item.rel}` : undefined;
  const done: DoneObject = {
    key: item.info.key,
    size: item.info.size,
    etag: item.info.etag,
    ...(item.info.lastModified ? { lastModified: item.info.lastModified } : {}),
    sha256: verification.sha256,
    ...(verification.md5 ? { md5: verification.md5 } : {}),
    verifiedBy: verification.verifiedBy,
    ...(verification.partSize ? { partSize: verification.partSize } : {}),
    unpack: item.obj.unpack,
    ...(path ? { path } : {}),
  };
  // The object stays in .partial until the whole database is in place: if another object fails, the rerun
  // unpacks this one again without fetching it.
  return { done, fetched };
}

export async function statfsFree(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}
