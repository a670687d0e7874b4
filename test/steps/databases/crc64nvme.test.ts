// CRC-64/NVME (S3's full-object checksum, how OpenFold3's weights are verified): the check value, agreement
// with awscrt (what OpenFold3's setup_openfold uses) on files of several sizes, and an install that rejects
// a download whose checksum differs from S3's.
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crc64nvme, Crc64Nvme } from '../../../steps/databases/crc64nvme.js';
import { entriesForModel, builtinManifest } from '../../../steps/databases/manifest.js';
import { CorruptArchiveError } from '../../../steps/databases/unpack.js';
import { crc64nvmeOf, verifyObject } from '../../../steps/databases/verify.js';
import { tempDir } from '../../helpers/env.js';
import { requires } from '../../helpers/gate.js';
import { openfold3Missing, openfold3Runtime, runVenvPython } from '../../helpers/openfold3.js';

test('the CRC-64/NVME check value of "123456789" is ae8b14860a799888', () => {
  assert.is(crc64nvme(Buffer.from('123456789')).hex(), 'ae8b14860a799888');
});

test('incremental updates equal one update', () => {
  const data = randomBytes(100_000);
  const c = new Crc64Nvme();
  for (let i = 0; i < data.length; i += 7919) c.update(data.subarray(i, i + 7919));
  assert.is(c.base64(), crc64nvme(data).base64());
});

const dir = tempDir('ofa-crc-');
const files = [0, 1, 255, 4096, 1_000_003].map((n) => {
  const f = join(dir, `f${n}`);
  writeFileSync(f, randomBytes(n));
  return f;
});

const withOpenfold3 = requires(openfold3Missing());
withOpenfold3('equals awscrt (OpenFold3 setup_openfold) on random files', async () => {
  const rt = openfold3Runtime();
  const theirs = JSON.parse(await runVenvPython(rt, 'crc64nvme.py', files)) as Record<string, string>;
  const { readFileSync } = await import('node:fs');
  for (const f of files) assert.is(crc64nvme(readFileSync(f)).base64(), theirs[f], f);
});

test("an object whose CRC-64/NVME differs from S3's is rejected; a matching one is verified and recorded", async () => {
  const { readFileSync } = await import('node:fs');
  const f = files[3];
  const good = crc64nvme(readFileSync(f)).base64();
  const bad = crc64nvme(Buffer.from('other')).base64();
  // An opaque ETag: nothing but S3's checksum to verify against (the sha256 is what the hash threads computed).
  const sha256 = createHash('sha256').update(readFileSync(f)).digest('hex');
  const check = (crc: string) =>
    verifyObject(
      {
        client: undefined as never,
        pool: undefined as never,
        bucket: 'b',
        file: f,
        info: { key: 'k', size: 4096, etag: 'opaque', crc64nvme: crc },
      },
      { md5: false, layouts: [] },
      { sha256, partDigests: [] },
    );
  const refused = await check(bad).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.instance(refused, CorruptArchiveError);
  assert.match(refused!.message, /^s3:\/\/b\/k: CRC-64\/NVME .* does not match S3's/);
  const v = await check(good);
  assert.equal(v.verifiedBy, ['s3-crc64nvme']);
  assert.is(await crc64nvmeOf(f), good);
});

test('"all" installs the weights of the run\'s model only', () => {
  const m = builtinManifest('full_dbs');
  const names = (model: 'openfold' | 'openfold3') => entriesForModel(m, model).map((d) => d.name);
  assert.ok(names('openfold').includes('openfold_params') && !names('openfold').includes('openfold3_params'));
  assert.ok(names('openfold3').includes('openfold3_params') && !names('openfold3').includes('openfold_params'));
  const of3 = m.databases.find((d) => d.name === 'openfold3_params')!;
  assert.equal(of3.objects, [{ key: 'of3-ob-2025-06-30-174k.pt', unpack: 'none' }]);
  assert.is(of3.source, 'openfold3');
});

test.run();
