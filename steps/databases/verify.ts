// Verifying a downloaded object before anything is unpacked: against the manifest's pinned sha256 when it has
// one, and against the server's ETag: a plain MD5, or the multipart ETag recomputed from the MD5s of the parts.
// The part boundaries come from the server (`HEAD ?partNumber=1`) where it reports them, else from the likely
// part sizes (etag.ts). What verified an object is recorded in the done-manifest (`verifiedBy`).
import type { ObjectInfo, S3Client } from './client.js';
import { candidatePartSizes, fits, multipartEtag, parseEtag, partRanges } from './etag.js';
import type { HashPlan, ObjectDigests } from './hasher.js';
import { eachLimit } from './transfer.js';
import { CorruptArchiveError } from './unpack.js';

export type VerifiedBy = 'manifest-sha256' | 'etag-md5' | 'etag-multipart';

export interface Verification {
  sha256: string;
  /** The object's MD5 (its ETag was a plain MD5). */
  md5?: string;
  /** What the content was checked against; empty: nothing could be (recorded as installed, not verified). */
  verifiedBy: VerifiedBy[];
  /** Part size of a verified multipart ETag. */
  partSize?: number;
}

/** A plan plus whether the multipart boundaries are the server's (a mismatch is then certain corruption). */
export interface ObjectPlan extends HashPlan {
  exact: boolean;
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

/** What to hash while `info` downloads. */
export async function hashPlan(client: S3Client, bucket: string, info: ObjectInfo): Promise<ObjectPlan> {
  const etag = parseEtag(info.etag);
  if (etag.kind === 'md5') return { md5: true, layouts: [], exact: true };
  if (etag.kind === 'opaque') return { md5: false, layouts: [], exact: true };
  const first = await client.headPart(bucket, info.key, 1).catch(() => undefined);
  if (first && first.parts === etag.parts) {
    if (fits(info.size, etag.parts, first.size))
      return { md5: false, layouts: [{ partSize: first.size, ranges: partRanges(info.size, first.size) }], exact: true };
    // Parts of different sizes: ask for each one.
    const sizes: number[] = new Array(etag.parts);
    sizes[0] = first.size;
    await eachLimit(
      Array.from({ length: etag.parts - 1 }, (_, i) => i + 2),
      16,
      async (n) => void (sizes[n - 1] = (await client.headPart(bucket, info.key, n))?.size ?? NaN),
    );
    if (sizes.every(Number.isInteger) && sizes.reduce((a, b) => a + b, 0) === info.size) {
      let start = 0;
      const ranges = sizes.map((n): [number, number] => [start, (start += n)]);
      return { md5: false, layouts: [{ ranges }], exact: true };
    }
  }
  const guesses = candidatePartSizes(info.size, etag.parts, info.size > 1024 ** 3 ? 4 : 32);
  return { md5: false, layouts: guesses.map((p) => ({ partSize: p, ranges: partRanges(info.size, p) })), exact: false };
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
  if (plan.exact)
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
