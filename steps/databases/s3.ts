// Public S3 access for the steps: the anonymous client and `downloadS3Url` (the split step uses it for an
// s3:// input FASTA). The download is resumable, verified against the ETag (a plain or multipart MD5) before it
// appears, and atomic: `<dest>.partial` (+ its parts sidecar), then a rename.
import { rename, rm } from 'node:fs/promises';
import { S3Client, S3Error } from './client.js';
import { transferAndVerify } from './fetch.js';
import { HashPool } from './hasher.js';
import type { TransferOptions } from './transfer.js';

export { S3Client, S3Error, isPlainMd5, parseListObjectsV2, s3Url, type ObjectInfo, type S3Options } from './client.js';

/** Splits `s3://bucket/key` into its bucket and key; throws on anything else. */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new Error(`not an s3://bucket/key URL: ${JSON.stringify(url)}`);
  return { bucket: m[1], key: m[2] };
}

/**
 * Downloads one object (anonymous requests) to `dest`. An interrupted download resumes on the next call;
 * `dest` appears only once complete, of the size the server announced, and matching its ETag where that is an
 * MD5 (plain or multipart). Returns the object's sha256.
 */
export async function downloadS3Url(
  url: string,
  dest: string,
  opts: { endpoint?: string; region?: string } & Pick<
    TransferOptions,
    'signal' | 'onBytes' | 'partSize' | 'concurrency' | 'stallTimeoutMs' | 'attempts' | 'retryDelayMs'
  >,
): Promise<string> {
  const { bucket, key } = parseS3Url(url);
  const client = new S3Client({ endpoint: opts.endpoint, region: opts.region, timeoutMs: opts.stallTimeoutMs });
  const info = await client.head(bucket, key);
  if (!Number.isFinite(info.size)) throw new S3Error(`${url}: the server sent no Content-Length`, bucket, key);
  const partial = `${dest}.partial`;
  const pool = new HashPool(1);
  let sha256: string;
  try {
    sha256 = (await transferAndVerify({ client, pool, bucket, info, file: partial }, opts)).verification.sha256;
  } finally {
    await pool.close();
  }
  await rename(partial, dest).catch(async (e) => {
    await rm(partial, { force: true });
    throw e;
  });
  return sha256;
}
