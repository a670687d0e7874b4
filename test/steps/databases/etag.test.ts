// The S3 ETag rules (etag.ts): the multipart ETag against a published worked example, and the part sizes
// tried when a server does not report them, against the AWS CLI's rule (8 MiB, doubled past 10,000 parts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { candidatePartSizes, fits, multipartEtag, parseEtag, partRanges } from '../../../steps/databases/etag.js';

const MiB = 1024 * 1024;

test('GIVEN the two part MD5s of Cloudflare R2 docs example WHEN combined THEN the ETag is the one the docs give', () => {
  // developers.cloudflare.com/r2/objects/multipart-objects: parts bce6bf66… and 8165449f… -> f77dc0ee…-2.
  const parts = ['bce6bf66aeb76c7040fdd5f4eccb78e6', '8165449fc15bbf43d3b674595cbcc406'].map((h) => Buffer.from(h, 'hex'));
  assert.is(multipartEtag(parts), 'f77dc0eecdebcd774a2a22cb393ad2ff-2');
});

test('GIVEN ETags WHEN parsed THEN plain MD5, multipart and opaque are told apart', () => {
  assert.equal(parseEtag('d41d8cd98f00b204e9800998ecf8427e'), { kind: 'md5', md5: 'd41d8cd98f00b204e9800998ecf8427e' });
  assert.equal(parseEtag('f77dc0eecdebcd774a2a22cb393ad2ff-2'), {
    kind: 'multipart',
    digest: 'f77dc0eecdebcd774a2a22cb393ad2ff',
    parts: 2,
  });
  assert.equal(parseEtag('1048576-1700000000000'), { kind: 'opaque' }, 'a file:// mirror: size-mtime');
  assert.equal(parseEtag('f77dc0eecdebcd774a2a22cb393ad2ff-10001'), { kind: 'opaque' }, 'S3 allows at most 10,000 parts');
});

test('GIVEN sizes and part counts WHEN guessing part sizes THEN the AWS CLI rule comes first and every guess fits', () => {
  // The AWS CLI / boto3 (s3transfer ChunksizeAdjuster): 8 MiB, doubled while the upload would need > 10,000 parts.
  const awsCli = (size: number) => {
    let p = 8 * MiB;
    while (Math.ceil(size / p) > 10_000) p *= 2;
    return p;
  };
  for (const size of [8 * MiB + 1, 100 * MiB, 3 * 1024 * MiB + 17, 270 * 1024 ** 3, 1.8 * 1024 ** 4]) {
    const p = awsCli(size);
    const parts = Math.ceil(size / p);
    const guesses = candidatePartSizes(size, parts);
    assert.is(guesses[0], p, `${size} bytes in ${parts} parts: ${p} first`);
    for (const g of guesses) assert.ok(fits(size, parts, g), `${g} fits ${size}/${parts}`);
  }
  // An unusual part size (7 MiB) is among the whole-MiB guesses of a small object.
  const size = 7 * MiB * 2 + 100 * 1024;
  assert.ok(candidatePartSizes(size, 3, 32).includes(7 * MiB));
  assert.equal(candidatePartSizes(5, 1), [5], 'one part: the whole object');
  assert.equal(partRanges(10, 4), [
    [0, 4],
    [4, 8],
    [8, 10],
  ]);
});

test.run();
