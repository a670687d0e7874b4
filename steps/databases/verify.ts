// Verifying a downloaded object before anything is unpacked: against the manifest's pinned sha256 when it has
// one, and against the server's ETag: a plain MD5, or the multipart ETag recomputed from the MD5s of the parts.
// The part boundaries come from the server (`HEAD ?partNumber=N`) where it reports them, else from the likely
// part sizes (etag.ts). What verified an object is recorded in the done-manifest (`verifiedBy`).
import { createReadStream } from 'node:fs';
import { s3Url, type ObjectInfo, type S3Client } from './client.js';
import { Crc64Nvme } from './crc64nvme.js';
import { candidatePartSizes, fits, multipartEtag, parseEtag, partRanges } from './etag.js';
import type { HashPlan, HashPool, ObjectDigests } from './hasher.js';
import { eachLimit } from './transfer.js';
import { CorruptArchiveError } from './unpack.js';

export type VerifiedBy = 'manifest-sha256' | 'etag-md5' | 'etag-multipart' | 's3-crc64nvme';

export interface Verification {
  sha256: string;
  /** The object's MD5 (its ETag was a plain MD5). */
  md5?: string;
  /** What the content was checked against; empty: nothing could be (recorded as installed, not verified). */
  verifiedBy: VerifiedBy[];
  /** Part size of a verified multipart ETag. */
  partSize?: number;
}

/** One object being downloaded into `file`, and what it should match. */
export interface Download {
  client: S3Client;
  pool: HashPool;
  bucket: string;
  info: ObjectInfo;
  file: string;
  /** The manifest's sha256 for it, if any. */
  pinnedSha256?: string;
}

/**
 * A plan plus where its multipart boundaries came from: the server reported every part ("reported"), or its
 * first and last part and the middle was taken as uniform ("ends"), or they were guessed.
 */
export interface ObjectPlan extends HashPlan {
  parts?: 'reported' | 'ends' | 'guessed';
}

/**
 * A multipart ETag none of the likely part sizes reproduces, on a server that does not report part sizes: the
 * object may be corrupt or uploaded in unusual parts. The download is kept; pinning its sha256 settles it.
 */
export class UnverifiableObjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnverifiableObjectError';
  }
}

const MiB = 1024 * 1024;
const sizeText = (n: number) => (n % MiB === 0 ? `${n / MiB} MiB` : `${n} bytes`);

/** The byte ranges of every part as the server reports them (one HEAD per part), or undefined. */
async function reportedRanges(client: S3Client, bucket: string, info: ObjectInfo, parts: number): Promise<[number, number][] | undefined> {
  const sizes: number[] = new Array(parts);
  await eachLimit(
    Array.from({ length: parts }, (_, i) => i + 1),
    16,
    async (n) => void (sizes[n - 1] = (await client.headPart(bucket, info.key, n).catch(() => undefined))?.size ?? NaN),
  );
  if (!sizes.every(Number.isInteger) || sizes.reduce((a, b) => a + b, 0) !== info.size) return undefined;
  let start = 0;
  return sizes.map((n): [number, number] => [start, (start += n)]);
}

/** What to hash while `info` downloads. */
export async function hashPlan(client: S3Client, bucket: string, info: ObjectInfo): Promise<ObjectPlan> {
  const etag = parseEtag(info.etag);
  if (etag.kind === 'md5') return { md5: true, layouts: [] };
  if (etag.kind === 'opaque') return { md5: false, layouts: [] };
  const first = await client.headPart(bucket, info.key, 1).catch(() => undefined);
  if (first && first.parts === etag.parts) {
    const n = etag.parts;
    if (fits(info.size, n, first.size)) {
      // Uploaders use one part size; the last part confirms it (the middle ones are asked for only on a mismatch).
      const last = n > 1 ? await client.headPart(bucket, info.key, n).catch(() => undefined) : first;
      if (last?.size === info.size - (n - 1) * first.size)
        return {
          md5: false,
          layouts: [{ partSize: first.size, ranges: partRanges(info.size, first.size) }],
          parts: n <= 2 ? 'reported' : 'ends',
        };
    }
    const ranges = await reportedRanges(client, bucket, info, n);
    if (ranges) return { md5: false, layouts: [{ ranges }], parts: 'reported' };
  }
  const guesses = candidatePartSizes(info.size, etag.parts, info.size > 1024 ** 3 ? 4 : 32);
  return { md5: false, layouts: guesses.map((p) => ({ partSize: p, ranges: partRanges(info.size, p) })), parts: 'guessed' };
}

/** The multipart ETag of `file` cut at `ranges` (a second read, only when the middle parts were not uniform). */
async function etagOf(pool: HashPool, file: string, ranges: [number, number][]): Promise<string> {
  const digests = await Promise.all(
    ranges.map(([start, end]) => {
      const s = pool.stream('md5');
      s.update(file, start, end);
      return s.digest();
    }),
  );
  return multipartEtag(digests.map((hex) => Buffer.from(hex, 'hex')));
}

/**
 * Checks the digests of a downloaded object; throws CorruptArchiveError (fetch again) or
 * UnverifiableObjectError (kept). Where the server reported only the first and last part and the ETag does not
 * match, every part's size is asked for: parts of different sizes are hashed again at their real boundaries.
 */
export async function verifyObject(dl: Download, plan: ObjectPlan, d: ObjectDigests): Promise<Verification> {
  const v = await verifyDigests(dl, plan, d);
  const expected = dl.info.crc64nvme;
  if (expected === undefined) return v;
  const crc = await crc64nvmeOf(dl.file);
  if (crc !== expected)
    throw new CorruptArchiveError(`${s3Url(dl.bucket, dl.info.key)}: CRC-64/NVME ${crc} does not match S3's ${expected}`);
  return { ...v, verifiedBy: [...v.verifiedBy, 's3-crc64nvme'] };
}

/** S3's full-object checksum of the file (a second read: the hash threads compute sha256 and MD5 only). */
export async function crc64nvmeOf(file: string): Promise<string> {
  const crc = new Crc64Nvme();
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) crc.update(chunk as Buffer);
  return crc.base64();
}

async function verifyDigests(dl: Download, plan: ObjectPlan, d: ObjectDigests): Promise<Verification> {
  const { client, pool, bucket, info, file, pinnedSha256 } = dl;
  try {
    return checkDigests(s3Url(bucket, info.key), info, pinnedSha256, plan, d);
  } catch (e) {
    if (!(e instanceof CorruptArchiveError) || plan.parts !== 'ends') throw e;
    const ranges = await reportedRanges(client, bucket, info, plan.layouts[0].ranges.length);
    const uniform = plan.layouts[0].ranges;
    if (!ranges || ranges.every(([a, b], i) => uniform[i][0] === a && uniform[i][1] === b)) throw e;
    if ((await etagOf(pool, file, ranges)) !== info.etag)
      throw new CorruptArchiveError(
        `${s3Url(bucket, info.key)}: multipart ETag computed from the ${ranges.length} parts the server reports does not match the ETag ${info.etag}`,
      );
    return { sha256: d.sha256, verifiedBy: [...(pinnedSha256 ? (['manifest-sha256'] as VerifiedBy[]) : []), 'etag-multipart'] };
  }
}

/** Checks the digests of a downloaded object; throws CorruptArchiveError (fetch again) or UnverifiableObjectError (kept). */
export function checkDigests(
  where: string,
  info: ObjectInfo,
  pinnedSha256: string | undefined,
  plan: ObjectPlan,
  d: ObjectDigests,
): Verification {
  const verifiedBy: VerifiedBy[] = [];
  if (pinnedSha256 !== undefined) {
    if (d.sha256 !== pinnedSha256)
      throw new CorruptArchiveError(`${where}: sha256 ${d.sha256} does not match the manifest's ${pinnedSha256}`);
    verifiedBy.push('manifest-sha256');
  }
  const etag = parseEtag(info.etag);
  if (etag.kind === 'md5') {
    if (d.md5 !== etag.md5) throw new CorruptArchiveError(`${where}: MD5 ${d.md5} does not match the ETag ${etag.md5}`);
    return { sha256: d.sha256, md5: d.md5, verifiedBy: [...verifiedBy, 'etag-md5'] };
  }
  if (etag.kind === 'opaque') return { sha256: d.sha256, verifiedBy };
  const computed = d.partDigests.map((parts) => multipartEtag(parts));
  const match = computed.indexOf(info.etag);
  if (match >= 0) return { sha256: d.sha256, verifiedBy: [...verifiedBy, 'etag-multipart'], partSize: plan.layouts[match].partSize };
  const tried = plan.layouts.map((l) => (l.partSize ? sizeText(l.partSize) : `${l.ranges.length} parts as reported`)).join(', ');
  if (plan.parts !== 'guessed')
    throw new CorruptArchiveError(
      `${where}: multipart ETag ${computed[0]} computed from the ${etag.parts} parts the server reports (${tried}) does not match the ETag ${info.etag}`,
    );
  if (verifiedBy.length) return { sha256: d.sha256, verifiedBy };
  throw new UnverifiableObjectError(
    `${where}: the multipart ETag ${info.etag} is not reproduced with parts of ${tried || 'any likely size'}, and the server does not report its part sizes: ` +
      `the download may be corrupt. It is kept; if its content is right, pin its sha256 ${d.sha256} in a manifest (databases.manifest), ` +
      `otherwise delete it to fetch it again`,
  );
}
