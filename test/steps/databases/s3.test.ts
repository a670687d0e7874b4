// The anonymous S3 client and downloadS3Url against gofakes3 on loopback, and the file:// mirror.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { S3Client, S3Error, downloadS3Url, parseListObjectsV2, parseS3Url } from '../../../steps/databases/s3.js';
import { tempDir } from '../../helpers/env.js';
import { requires } from '../../helpers/gate.js';
import { missingS3Server, startS3Server, type S3Server } from '../../helpers/s3server.js';

const skip = missingS3Server();
const it = requires(skip);
let server: S3Server;
let work: string;
const big = randomBytes(3 * 1024 * 1024 + 123);

test.before(async () => {
  work = tempDir('ofa-s3c-');
  if (skip) return;
  server = await startS3Server();
  await server.put('input-bucket', 'runs/targets.fasta', '>a\nMKV\n');
  await server.put('input-bucket', 'big/blob.bin', big);
  for (let i = 0; i < 5; i++) await server.put('input-bucket', `many/f${i}.txt`, `file ${i}`);
});

test.after(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('parseS3Url splits bucket and key and refuses anything else', () => {
  assert.equal(parseS3Url('s3://b-1/dir/x y.fasta'), { bucket: 'b-1', key: 'dir/x y.fasta' });
  assert.throws(() => parseS3Url('https://b/x'), /not an s3:\/\/bucket\/key URL/);
  assert.throws(() => parseS3Url('s3://bucket-only'), /not an s3:\/\/bucket\/key URL/);
});

test('parseListObjectsV2 reads keys, sizes, ETags and the continuation token', () => {
  const xml = `<?xml version="1.0"?><ListBucketResult><IsTruncated>true</IsTruncated>
    <Contents><Key>a/R&amp;D &lt;1&gt;.txt</Key><Size>12</Size><ETag>&quot;0123456789abcdef0123456789abcdef&quot;</ETag></Contents>
    <Contents><Key>a/b.txt</Key><Size>3</Size><ETag>"abc-2"</ETag><LastModified>2024-01-01T00:00:00.000Z</LastModified></Contents>
    <NextContinuationToken>tok+/=</NextContinuationToken></ListBucketResult>`;
  assert.equal(parseListObjectsV2(xml), {
    objects: [
      { key: 'a/R&D <1>.txt', size: 12, etag: '0123456789abcdef0123456789abcdef', lastModified: undefined },
      { key: 'a/b.txt', size: 3, etag: 'abc-2', lastModified: '2024-01-01T00:00:00.000Z' },
    ],
    nextToken: 'tok+/=',
  });
});

test('the AWS URL is virtual-hosted in the region; an endpoint is path-style', () => {
  assert.is(
    new S3Client({ region: 'eu-west-1' }).url('openfold', 'openfold_params/a b.pt'),
    'https://openfold.s3.eu-west-1.amazonaws.com/openfold_params/a%20b.pt',
  );
  assert.is(new S3Client({ endpoint: 'http://127.0.0.1:9000/' }).url('bkt', 'k/x'), 'http://127.0.0.1:9000/bkt/k/x');
  assert.throws(() => new S3Client({ endpoint: 'ftp://x' }), /http\(s\):\/\/ or file:\/\//);
});

it('GIVEN the loopback server THEN HEAD, ranged GET and paginated ListObjectsV2 work unsigned', async () => {
  const c = new S3Client({ endpoint: server.endpoint, listPageSize: 2 });
  const head = await c.head('input-bucket', 'big/blob.bin');
  assert.is(head.size, big.length);
  const { body } = await c.getRange('input-bucket', 'big/blob.bin', 1000, 1999);
  const parts: Buffer[] = [];
  for await (const ch of body) parts.push(Buffer.from(ch));
  assert.ok(Buffer.concat(parts).equals(big.subarray(1000, 2000)));
  const listed = await c.list('input-bucket', 'many/');
  assert.equal(
    listed.map((o) => o.key),
    ['many/f0.txt', 'many/f1.txt', 'many/f2.txt', 'many/f3.txt', 'many/f4.txt'],
  );
});

it('GIVEN an s3:// URL WHEN downloading THEN the file appears complete under its name', async () => {
  const dest = join(work, 'targets.fasta');
  await downloadS3Url('s3://input-bucket/runs/targets.fasta', dest, { endpoint: server.endpoint });
  assert.is(readFileSync(dest, 'utf8'), '>a\nMKV\n');
  const blob = join(work, 'blob.bin');
  await downloadS3Url('s3://input-bucket/big/blob.bin', blob, { endpoint: server.endpoint, partSize: 512 * 1024, concurrency: 3 });
  assert.ok(readFileSync(blob).equals(big), 'multipart download reassembled in order');
  assert.not.ok(existsSync(`${blob}.partial`));
});

it('GIVEN a missing object WHEN downloading THEN the error names bucket and key and nothing is written', async () => {
  const dest = join(work, 'missing.fasta');
  const err = await downloadS3Url('s3://input-bucket/nope/missing.fasta', dest, { endpoint: server.endpoint }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, S3Error);
  assert.match((err as Error).message, 's3://input-bucket/nope/missing.fasta: not found (bucket input-bucket, key nope/missing.fasta');
  assert.not.ok(existsSync(dest));
});

test('GIVEN a file:// endpoint THEN objects are the files DIR/<bucket>/<key>', async () => {
  const mirror = join(work, 'mirror');
  mkdirSync(join(mirror, 'bkt', 'd'), { recursive: true });
  writeFileSync(join(mirror, 'bkt', 'd', 'x.fasta'), '>x\nAC\n');
  writeFileSync(join(mirror, 'bkt', 'd', 'y.fasta'), '>y\nGG\n');
  const endpoint = pathToFileURL(mirror).href;
  const dest = join(work, 'x.fasta');
  await downloadS3Url('s3://bkt/d/x.fasta', dest, { endpoint });
  assert.is(readFileSync(dest, 'utf8'), '>x\nAC\n');
  const c = new S3Client({ endpoint });
  assert.equal(
    (await c.list('bkt', 'd/')).map((o) => [o.key, o.size]),
    [
      ['d/x.fasta', 6],
      ['d/y.fasta', 6],
    ],
  );
  const err = await c.head('bkt', 'd/none').then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.match((err as Error).message, 's3://bkt/d/none: not found (bucket bkt, key d/none');
});

test.run();
