// What an S3 ETag can verify. A single-part upload's ETag is the MD5 of the object. A multipart upload's ETag is
// the MD5 of the concatenated binary MD5s of its parts, then "-" and the part count (Cloudflare R2's docs give a
// worked example; gofakes3 computes it the same way). Reproducing it needs the part boundaries: S3 reports the
// size of part 1 on `HEAD ?partNumber=1` (with x-amz-mp-parts-count); where a server does not, the boundaries are
// guessed from the ETag's part count and the object size, trying the part sizes uploaders use.
import { createHash } from 'node:crypto';

const MiB = 1024 * 1024;

export type EtagKind =
  | { kind: 'md5'; md5: string }
  | { kind: 'multipart'; digest: string; parts: number }
  /** Anything else (a file:// mirror's size-mtime, an encrypted object's opaque tag): verifies nothing. */
  | { kind: 'opaque' };

export function parseEtag(etag: string): EtagKind {
  if (/^[0-9a-f]{32}$/.test(etag)) return { kind: 'md5', md5: etag };
  const m = /^([0-9a-f]{32})-([1-9][0-9]{0,4})$/.exec(etag);
  if (m && Number(m[2]) <= 10_000) return { kind: 'multipart', digest: m[1], parts: Number(m[2]) };
  return { kind: 'opaque' };
}

/** The multipart ETag of parts whose binary MD5 digests are given, in part order. */
export function multipartEtag(partDigests: Buffer[]): string {
  const h = createHash('md5');
  for (const d of partDigests) h.update(d);
  return `${h.digest('hex')}-${partDigests.length}`;
}

/** Byte ranges [start, end) of the parts of an object of `size` bytes uploaded in parts of `partSize` (the last one shorter). */
export function partRanges(size: number, partSize: number): [number, number][] {
  const out: [number, number][] = [];
  for (let start = 0; start < size; start += partSize) out.push([start, Math.min(size, start + partSize)]);
  return out;
}

/** Whether `parts` equal parts of `partSize` (the last one shorter, none empty) make up exactly `size` bytes. */
export function fits(size: number, parts: number, partSize: number): boolean {
  return partSize > 0 && (parts - 1) * partSize < size && size <= parts * partSize;
}

/**
 * Part sizes that could have produced `parts` parts for `size` bytes, most likely first, at most `max`:
 * 8 MiB doubled until it fits (the AWS CLI and boto3: 8 MiB, doubled while the upload would need more than
 * 10,000 parts), 16 MiB and 5 MiB doubled the same way, 15 MiB (s3cmd), then each whole MiB in the possible
 * range, then the size divided by the parts, rounded up.
 */
export function candidatePartSizes(size: number, parts: number, max = 4): number[] {
  if (parts <= 1) return [Math.max(size, 1)];
  const out: number[] = [];
  const add = (p: number) => {
    if (out.length < max && fits(size, parts, p) && !out.includes(p)) out.push(p);
  };
  for (const base of [8, 16, 5]) for (let p = base * MiB; p <= 5 * 1024 * MiB; p *= 2) add(p);
  add(15 * MiB);
  const low = Math.ceil(size / parts);
  const high = Math.floor((size - 1) / (parts - 1));
  for (let p = Math.ceil(low / MiB) * MiB; p <= high && out.length < max; p += MiB) add(p);
  add(low);
  return out;
}
