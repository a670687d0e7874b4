// Downloads verified end to end, and installed files verified by content, against gofakes3 on loopback (with
// the fault proxy double where S3 behaviour or a fault is needed): multipart ETags recomputed, a flipped byte
// refused, a pinned sha256 checked before tar runs, unsafe archive members refused, a same-size overwrite
// caught (mtime moved: every run; mtime restored: --verify).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI, tempDir } from '../../helpers/env.js';
import { requires } from '../../helpers/gate.js';
import { missingS3Server, startS3Server, type S3Server } from '../../helpers/s3server.js';
import { startFaultProxy, type FaultProxy } from '../../doubles/s3-fault-proxy.js';
import { readDone } from '../../../steps/databases/done.js';
import { UnsafeEntryError, scanTree } from '../../../steps/databases/files.js';
import { runDatabases, type DatabasesOptions } from '../../../steps/databases/install.js';
import { downloadS3Url } from '../../../steps/databases/s3.js';
import type { DatabaseManifest } from '../../../steps/databases/manifest.js';
import { CorruptArchiveError } from '../../../steps/databases/unpack.js';
import { UnverifiableObjectError } from '../../../steps/databases/verify.js';
import {
  BUCKET,
  PREFIX,
  WEIGHTS_BUCKET,
  WEIGHTS_PREFIX,
  fastaText,
  gz,
  sha256,
  tarGz,
  testConfig,
  ustar,
  type TarMember,
} from './fixtures.js';

const skip = missingS3Server();
const it = requires(skip);
const MiB = 1024 * 1024;
let server: S3Server;
let proxy: FaultProxy;
let work: string;
const weights = randomBytes(8 * MiB + 300 * 1024);
const oddParts = randomBytes(1500 * 1024);
let weightsEtag = '';
let oddEtag = '';
const betaFa = fastaText(3000, 'beta');

test.before(async () => {
  if (skip) return;
  work = tempDir('ofa-dbv-');
  server = await startS3Server();
  proxy = await startFaultProxy(server.endpoint);
  weightsEtag = await server.putMultipart(WEIGHTS_BUCKET, `${WEIGHTS_PREFIX}model.pt`, weights, 8 * MiB);
  oddEtag = await server.putMultipart(WEIGHTS_BUCKET, `${WEIGHTS_PREFIX}odd/model.pt`, oddParts, 700 * 1024);
  await server.put(BUCKET, `${PREFIX}beta.fa.gz`, gz(betaFa));
});

test.after(async () => {
  await proxy?.stop();
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

function manifestOf(...databases: DatabaseManifest['databases']): DatabaseManifest {
  return { preset: 'test', version: 'test-1', databases };
}

const weightsDb = (key: string, sha?: string): DatabaseManifest =>
  manifestOf({
    name: 'weights',
    source: 'weights',
    objects: [{ key, unpack: 'none', ...(sha ? { sha256: sha } : {}) }],
    expect: [`weights/model.pt`],
  });

async function install(manifest: DatabaseManifest, over: Partial<DatabasesOptions> & { volume?: string; endpoint?: string } = {}) {
  const volume = over.volume ?? tempDir('ofa-dbv-vol-');
  const config = testConfig(volume, over.endpoint ?? proxy.endpoint);
  let bytes = 0;
  const lines: string[] = [];
  const outcomes = await runDatabases({
    config,
    manifest,
    log: (l) => lines.push(l),
    partSize: 1 * MiB,
    onBytes: (n) => (bytes += n),
    retryDelayMs: 10,
    ...over,
  });
  return { outcomes, bytes, lines, root: config.databases.root, volume };
}

it('GIVEN weights uploaded in 8 MiB parts WHEN installing THEN the multipart ETag is recomputed from the parts and recorded', async () => {
  assert.match(weightsEtag, /^[0-9a-f]{32}-2$/, 'gofakes3 computed a two-part ETag');
  proxy.etags.set(`/${WEIGHTS_BUCKET}/${WEIGHTS_PREFIX}model.pt`, weightsEtag);
  const { outcomes, root } = await install(weightsDb('model.pt'));
  assert.is(outcomes[0].status, 'installed');
  assert.ok(readFileSync(join(root, 'weights/model.pt')).equals(weights));
  const done = (await readDone(join(root, 'weights')))!;
  assert.equal(done.objects[0].verifiedBy, ['etag-multipart']);
  assert.is(done.objects[0].partSize, 8 * MiB, 'the part size guessed from the ETag (the server reports none)');
  assert.is(done.objects[0].sha256, sha256(weights));
  assert.equal(done.files, [{ path: 'weights/model.pt', size: weights.length, sha256: sha256(weights), mtimeMs: done.files[0].mtimeMs }]);
});

it('GIVEN a byte flipped in transit of a multipart .pt WHEN the server reports part sizes THEN it is refused, discarded and fetched again', async () => {
  const path = `/${WEIGHTS_BUCKET}/${WEIGHTS_PREFIX}model.pt`;
  proxy.etags.set(path, weightsEtag);
  proxy.partSizes.set(path, 8 * MiB);
  proxy.faults.push({ path, kind: 'flip', at: 5_000_000 });
  const volume = tempDir('ofa-dbv-vol-');
  const err = await failure(install(weightsDb('model.pt'), { volume }));
  assert.instance(err, CorruptArchiveError, String(err));
  assert.match(err!.message, `s3://${WEIGHTS_BUCKET}/${WEIGHTS_PREFIX}model.pt: multipart ETag`);
  assert.match(err!.message, `does not match the ETag ${weightsEtag}`);
  assert.not.ok(existsSync(join(volume, 'databases', 'weights')), 'not installed');
  assert.not.ok(
    existsSync(join(volume, 'databases', '.partial', 'weights', 'objects', WEIGHTS_PREFIX, 'model.pt')),
    'the download is discarded',
  );
  const again = await install(weightsDb('model.pt'), { volume });
  assert.is(again.outcomes[0].status, 'installed');
  assert.is(again.bytes, weights.length, 'fetched again in full');
  const done = (await readDone(join(again.root, 'weights')))!;
  assert.is(done.objects[0].partSize, 8 * MiB, 'the part size the server reported');
  proxy.partSizes.delete(path);
});

it('GIVEN 700 KiB parts the server does not report WHEN installing THEN it is refused as unverifiable, kept, and a pinned sha256 installs it', async () => {
  const path = `/${WEIGHTS_BUCKET}/${WEIGHTS_PREFIX}odd/model.pt`;
  proxy.etags.set(path, oddEtag);
  const volume = tempDir('ofa-dbv-vol-');
  const err = await failure(install(weightsDb('odd/model.pt'), { volume }));
  assert.instance(err, UnverifiableObjectError);
  assert.match(err!.message, `the multipart ETag ${oddEtag} is not reproduced`);
  assert.match(err!.message, `pin its sha256 ${sha256(oddParts)}`);
  const kept = join(volume, 'databases', '.partial', 'weights', 'objects', WEIGHTS_PREFIX, 'odd', 'model.pt');
  assert.ok(existsSync(kept), 'the download is kept');
  const pinned = await install(weightsDb('odd/model.pt', sha256(oddParts)), { volume });
  assert.is(pinned.outcomes[0].status, 'installed');
  assert.is(pinned.bytes, 0, 'not fetched again');
  assert.equal((await readDone(join(pinned.root, 'weights')))!.objects[0].verifiedBy, ['manifest-sha256']);
  // Where the server reports its parts (S3's HEAD ?partNumber=1), the ETag itself verifies it.
  proxy.partSizes.set(path, 700 * 1024);
  const reported = await install(weightsDb('odd/model.pt'));
  assert.equal((await readDone(join(reported.root, 'weights')))!.objects[0].verifiedBy, ['etag-multipart']);
  proxy.partSizes.delete(path);
});

it('GIVEN parts of different sizes WHEN the server reports each part THEN their boundaries verify the ETag, and a flipped byte is caught', async () => {
  const sizes = [700 * 1024, 500 * 1024, 300 * 1024];
  const body = randomBytes(1500 * 1024);
  const etag = await server.putMultipart(WEIGHTS_BUCKET, `${WEIGHTS_PREFIX}mixed/model.pt`, body, sizes);
  const path = `/${WEIGHTS_BUCKET}/${WEIGHTS_PREFIX}mixed/model.pt`;
  proxy.etags.set(path, etag);
  proxy.partSizes.set(path, sizes);
  const ok = await install(weightsDb('mixed/model.pt'));
  assert.equal((await readDone(join(ok.root, 'weights')))!.objects[0].verifiedBy, ['etag-multipart']);
  proxy.faults.push({ path, kind: 'flip', at: 1_000_000 });
  const err = await failure(install(weightsDb('mixed/model.pt')));
  assert.instance(err, CorruptArchiveError);
  assert.match(err!.message, `computed from the 3 parts the server reports (3 parts as reported) does not match the ETag ${etag}`);
  proxy.partSizes.delete(path);
  // First and last part as if uniform (700 KiB parts, 100 KiB last), the middle ones not: found on the mismatch, hashed again.
  const odd = [700 * 1024, 600 * 1024, 800 * 1024, 100 * 1024];
  const oddBody = randomBytes(2200 * 1024);
  const oddPath = `/${WEIGHTS_BUCKET}/${WEIGHTS_PREFIX}middle/model.pt`;
  proxy.etags.set(oddPath, await server.putMultipart(WEIGHTS_BUCKET, `${WEIGHTS_PREFIX}middle/model.pt`, oddBody, odd));
  proxy.partSizes.set(oddPath, odd);
  proxy.requests.length = 0;
  const middle = await install(weightsDb('middle/model.pt'));
  assert.equal((await readDone(join(middle.root, 'weights')))!.objects[0].verifiedBy, ['etag-multipart']);
  const heads = proxy.requests.filter((r) => r.method === 'HEAD' && r.path === oddPath).length;
  assert.is(heads, 1 + 2 + 4, 'HEAD, parts 1 and 4, then every part');
  proxy.partSizes.delete(oddPath);
});

it('GIVEN an s3:// input FASTA with a byte flipped in transit WHEN the split step downloads it THEN it is refused and does not appear', async () => {
  const fasta = fastaText(2000, 'input');
  await server.put('input-bucket', 'runs/targets.fasta', fasta);
  proxy.faults.push({ path: '/input-bucket/runs/targets.fasta', kind: 'flip', at: 1000 });
  const dest = join(work, 'targets.fasta');
  const err = await failure(downloadS3Url('s3://input-bucket/runs/targets.fasta', dest, { endpoint: proxy.endpoint }));
  assert.instance(err, CorruptArchiveError);
  assert.match(err!.message, 's3://input-bucket/runs/targets.fasta: MD5 ');
  assert.not.ok(existsSync(dest), 'nothing under the final name');
  assert.is(await downloadS3Url('s3://input-bucket/runs/targets.fasta', dest, { endpoint: proxy.endpoint }), sha256(fasta));
  assert.ok(readFileSync(dest).equals(fasta));
});

it('GIVEN a corrupted archive with a pinned sha256 WHEN installing THEN the checksum refuses it before tar runs', async () => {
  const good = tarGz(work, { 'pinned.fasta': fastaText(4000, 'pinned') });
  const corrupt = Buffer.from(good);
  for (let i = 0; i < 64; i++) corrupt[Math.floor(corrupt.length / 2) + i] ^= 0xff;
  await server.put(BUCKET, `${PREFIX}pinned.tar.gz`, corrupt);
  const manifest = manifestOf({
    name: 'pinned',
    source: 'databases',
    objects: [{ key: 'pinned.tar.gz', unpack: 'tar.gz', sha256: sha256(good) }],
    expect: ['pinned/pinned.fasta'],
  });
  const err = await failure(install(manifest, { endpoint: server.endpoint }));
  assert.instance(err, CorruptArchiveError);
  // Unpacking first would have failed with tar's own message ("corrupt archive (tar exited with 2)").
  assert.match(
    err!.message,
    `s3://${BUCKET}/${PREFIX}pinned.tar.gz: sha256 ${sha256(corrupt)} does not match the manifest's ${sha256(good)}`,
  );
});

const members: [string, TarMember][] = [
  ['a symbolic link', { name: 'db.fasta', type: 'symlink', linkname: '/etc/passwd' }],
  ['a hard link', { name: 'db.fasta', type: 'hardlink', linkname: 'other.fasta' }],
  ['a FIFO', { name: 'db.fasta', type: 'fifo' }],
  ['a character device', { name: 'db.fasta', type: 'chardev' }],
];

for (const [kind, member] of members)
  it(`GIVEN an archive whose database file is ${kind} WHEN installing THEN it is refused and nothing is installed`, async () => {
    const key = `unsafe-${member.type}.tar`;
    await server.put(BUCKET, `${PREFIX}${key}`, ustar([{ name: 'other.fasta', type: 'file', data: Buffer.from('>x\nAC\n') }, member]));
    const manifest = manifestOf({ name: 'unsafe', source: 'databases', objects: [{ key, unpack: 'tar' }], expect: ['unsafe/db.fasta'] });
    const volume = tempDir('ofa-dbv-vol-');
    const err = await failure(install(manifest, { volume, endpoint: server.endpoint }));
    const root = join(volume, 'databases');
    assert.not.ok(existsSync(join(root, 'unsafe')), 'not installed');
    if (member.type === 'chardev' && process.getuid?.() !== 0) {
      // Only root can make a device node: tar itself fails, which refuses the archive too.
      assert.instance(err, CorruptArchiveError);
    } else {
      assert.instance(err, UnsafeEntryError);
      assert.match(err!.message, `unsafe: unsafe/${member.type === 'hardlink' ? '' : 'db.fasta'}`);
      assert.match(err!.message, kind);
      if (member.type === 'symlink') assert.match(err!.message, 'to "/etc/passwd"');
    }
  });

test('GIVEN a database folder with a setuid file WHEN scanned THEN it is refused (tar drops the bit; a live folder may not)', async () => {
  const dir = tempDir('ofa-dbv-suid-');
  try {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'ok.fasta'), '>x\nAC\n');
    assert.equal(
      (await scanTree(dir, 'db')).map((f) => f.path),
      ['db/sub/ok.fasta'],
    );
    chmodSync(join(dir, 'sub', 'ok.fasta'), 0o4755);
    const err = await failure(scanTree(dir, 'db'));
    assert.instance(err, UnsafeEntryError);
    assert.match(err!.message, 'db/sub/ok.fasta is a setuid/setgid file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const betaDb = manifestOf({ name: 'beta', source: 'databases', objects: [{ key: 'beta.fa.gz', unpack: 'gz' }], expect: ['beta/beta.fa'] });

it('GIVEN an installed database WHEN a file is overwritten with as many bytes THEN the next run hashes it and installs again', async () => {
  const first = await install(betaDb, { endpoint: server.endpoint });
  const file = join(first.root, 'beta', 'beta.fa');
  const done = (await readDone(join(first.root, 'beta')))!;
  assert.equal(done.files, [{ path: 'beta/beta.fa', size: betaFa.length, sha256: sha256(betaFa), mtimeMs: statSync(file).mtimeMs }]);
  writeFileSync(file, Buffer.alloc(betaFa.length, 'A'));
  const second = await install(betaDb, { endpoint: server.endpoint, volume: first.volume });
  assert.is(second.outcomes[0].status, 'installed');
  assert.ok(
    second.lines.some((l) =>
      l.startsWith(
        `beta: installing again: beta/beta.fa: sha256 ${sha256(Buffer.alloc(betaFa.length, 'A'))}, recorded ${sha256(betaFa)} (same size)`,
      ),
    ),
    second.lines.join('\n'),
  );
  assert.ok(readFileSync(file).equals(betaFa));
  // A touch (same content, new mtime) is hashed once and recorded, then skipped as before.
  const t = new Date(Date.now() + 5000);
  utimesSync(file, t, t);
  assert.is((await install(betaDb, { endpoint: server.endpoint, volume: first.volume })).outcomes[0].status, 'skipped');
  assert.is((await readDone(join(first.root, 'beta')))!.files[0].mtimeMs, statSync(file).mtimeMs, 'the new mtime is recorded');
});

it('GIVEN a same-size overwrite with its mtime put back WHEN running, `--list --verify`, then `--verify` THEN only the hashing runs catch it', async () => {
  const first = await install(betaDb, { endpoint: server.endpoint });
  const file = join(first.root, 'beta', 'beta.fa');
  // A whole-second mtime can be put back exactly; a rerun records it (same content).
  utimesSync(file, 1_700_000_000, 1_700_000_000);
  assert.is((await install(betaDb, { endpoint: server.endpoint, volume: first.volume })).outcomes[0].status, 'skipped');
  const garbage = Buffer.from(betaFa);
  garbage[100] ^= 0x01;
  writeFileSync(file, garbage);
  utimesSync(file, 1_700_000_000, 1_700_000_000);
  // Every run checks sizes (and mtimes); content is hashed on demand.
  assert.is((await install(betaDb, { endpoint: server.endpoint, volume: first.volume })).outcomes[0].status, 'skipped');
  const manifestFile = join(first.volume, 'manifest.json');
  writeFileSync(manifestFile, JSON.stringify(betaDb));
  const configFile = join(first.volume, 'config.json');
  const c = testConfig(first.volume, server.endpoint).databases;
  writeFileSync(
    configFile,
    JSON.stringify({
      volume: { mountPath: first.volume },
      databases: { root: c.root, version: 'test-1', manifest: manifestFile, source: c.source },
    }),
  );
  const listed = await failure(promisify(execFile)(process.execPath, [CLI, 'databases', '--config', configFile, '--list', '--verify']));
  assert.is((listed as unknown as { code: number }).code, 1);
  assert.match(
    (listed as unknown as { stderr: string }).stderr,
    `beta: beta/beta.fa: sha256 ${sha256(garbage)}, recorded ${sha256(betaFa)} (same size)`,
  );
  assert.ok(readFileSync(file).equals(garbage), '--list downloads nothing');
  const verified = await install(betaDb, { endpoint: server.endpoint, volume: first.volume, verify: true });
  assert.is(verified.outcomes[0].status, 'installed', 'the changed database is installed again');
  assert.ok(readFileSync(file).equals(betaFa));
  const again = await install(betaDb, { endpoint: server.endpoint, volume: first.volume, verify: true });
  assert.is(again.outcomes[0].status, 'verified');
  assert.match(again.outcomes[0].detail!, /^1 files, .* hashed in .* s: all as recorded$/);
});

test.run();
