// Content records of alignment outputs (steps/align/files.ts): what a rerun, the cache and collect check.
import { chmodSync, existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ContentMismatchError,
  copyMatchingSync,
  copyVerified,
  fileProblem,
  makeReadOnly,
  recordFile,
  recordWritten,
} from '../../../steps/align/files.js';
import { tempDir } from '../../helpers/env.js';

const MSA = '# STOCKHOLM 1.0\nq MKV\nh1 MKL\n//\n';

test('a file that is truncated, rewritten to another size, or missing fails the size check without hashing', async () => {
  const dir = tempDir();
  const f = join(dir, 'uniref90_hits.sto');
  writeFileSync(f, MSA);
  const rec = await recordFile(f);
  assert.is(rec.size, MSA.length);
  assert.match(rec.sha256, /^[0-9a-f]{64}$/);
  assert.is(await fileProblem(f, rec), null);
  writeFileSync(f, '');
  assert.is(await fileProblem(f, rec), `size 0 bytes, recorded ${MSA.length}`);
  writeFileSync(f, 'garbage');
  assert.match((await fileProblem(f, rec))!, 'size 7 bytes');
  assert.is(await fileProblem(join(dir, 'gone'), rec), 'missing');
});

test('a same-size overwrite: found by its moved mtime, or by --verify when the mtime was put back', async () => {
  const dir = tempDir();
  const f = join(dir, 'bfd_uniref_hits.a3m');
  writeFileSync(f, MSA);
  const mtime = 1_700_000_000; // whole seconds: put back exactly below
  utimesSync(f, mtime, mtime);
  const rec = await recordFile(f);
  writeFileSync(f, MSA.replace('MKL', 'XXX')); // same size
  utimesSync(f, mtime, mtime + 5);
  assert.match((await fileProblem(f, rec))!, /^sha256 [0-9a-f]{12}…, recorded/);
  utimesSync(f, mtime, mtime); // the mtime put back: only a full hash sees it
  assert.is(await fileProblem(f, rec), null);
  assert.match((await fileProblem(f, rec, { full: true }))!, 'sha256');
});

test('copyVerified copies (no shared inode), and refuses a source that no longer matches its record', async () => {
  const dir = tempDir();
  const src = join(dir, 'src');
  writeFileSync(src, MSA);
  const rec = await recordFile(src);
  const copy = await copyVerified(src, join(dir, 'copy'), rec.sha256);
  assert.is(copy.sha256, rec.sha256);
  assert.is.not(statSync(join(dir, 'copy')).ino, statSync(src).ino);
  writeFileSync(join(dir, 'copy'), ''); // damage to the copy ...
  assert.is(readFileSync(src, 'utf8'), MSA); // ... does not reach the source
  writeFileSync(src, MSA.replace('MKL', 'XXX'));
  try {
    await copyVerified(src, join(dir, 'copy2'), rec.sha256);
    assert.unreachable('a changed source was copied');
  } catch (e) {
    assert.instance(e, ContentMismatchError);
  }
  assert.throws(() => statSync(join(dir, 'copy2')), 'no copy is left behind');
});

test('makeReadOnly removes every write bit and keeps the mtime (the record stays valid)', async () => {
  const f = join(tempDir(), 'x');
  writeFileSync(f, MSA);
  chmodSync(f, 0o664);
  const rec = await recordFile(f);
  makeReadOnly(f);
  assert.is(statSync(f).mode & 0o777, 0o444);
  assert.is(await fileProblem(f, rec), null);
});

test('MSA-server cache (copyMatchingSync): a copy, never a link, checked against the record; a same-size poisoned entry is refused', async () => {
  const dir = tempDir();
  const entry = join(dir, 'entry.a3m');
  writeFileSync(entry, MSA);
  const rec = recordWritten(entry, MSA);
  assert.equal(rec, await recordFile(entry));
  copyMatchingSync(entry, join(dir, 'run.a3m'), rec);
  assert.is(readFileSync(join(dir, 'run.a3m'), 'utf8'), MSA);
  assert.is.not(statSync(join(dir, 'run.a3m')).ino, statSync(entry).ino, 'no shared inode');
  writeFileSync(entry, MSA.replace('MKL', 'MKW')); // same size, other bytes
  assert.throws(
    () => copyMatchingSync(entry, join(dir, 'poisoned.a3m'), rec),
    (e: unknown) => e instanceof ContentMismatchError,
  );
  assert.ok(!existsSync(join(dir, 'poisoned.a3m')), 'nothing left behind');
});

test.run();
