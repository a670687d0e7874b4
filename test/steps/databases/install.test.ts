// The databases step against a real S3-compatible server (gofakes3) on loopback: full install, rerun skip,
// resume after an interruption, corrupt archives, missing objects, atomic visibility, refresh, file:// mirror.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI, tempDir } from '../../helpers/env.js';
import { requires } from '../../helpers/gate.js';
import { missingS3Server, startS3Server, type S3Server } from '../../helpers/s3server.js';
import {
  runDatabases,
  InstalledButInvalidError,
  InsufficientSpaceError,
  UnknownDatabaseError,
  type DatabasesOptions,
} from '../../../steps/databases/install.js';
import { DONE_FILE, readDone } from '../../../steps/databases/done.js';
import { S3Error } from '../../../steps/databases/client.js';
import { CorruptArchiveError } from '../../../steps/databases/unpack.js';
import type { DatabaseManifest } from '../../../steps/databases/manifest.js';
import { BUCKET, PREFIX, buildFixture, fastaText, sha256, tarGz, testConfig, writeMirror, type Fixture } from './fixtures.js';

const skip = missingS3Server();
const it = requires(skip);
let server: S3Server;
let work: string;
let fixture: Fixture;

test.before(async () => {
  if (skip) return;
  work = tempDir('ofa-db-');
  fixture = buildFixture(work);
  server = await startS3Server();
  for (const [bucket, keys] of fixture.objects) for (const [key, data] of keys) await server.put(bucket, key, data);
});

test.after(async () => {
  await server?.stop();
  for (const dir of [work, ...created]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const quiet = () => undefined;
const created: string[] = [];
const volumeDir = () => {
  const dir = tempDir('ofa-vol-');
  created.push(dir);
  return dir;
};

/** Runs the step on a fresh volume (or `volume`) and counts the bytes fetched. */
async function install(volume: string, over: Partial<DatabasesOptions> = {}, manifest: DatabaseManifest = fixture.manifest) {
  let bytes = 0;
  const config = over.config ?? testConfig(volume, server.endpoint);
  const outcomes = await runDatabases({ config, manifest, log: quiet, partSize: 256 * 1024, onBytes: (n) => (bytes += n), ...over });
  return { outcomes, bytes, root: config.databases.root };
}

const only = (m: DatabaseManifest, ...names: string[]): DatabaseManifest => ({
  ...m,
  databases: m.databases.filter((d) => names.includes(d.name)),
});

function assertFiles(root: string, files: Record<string, Buffer>) {
  for (const [rel, data] of Object.entries(files)) {
    assert.ok(existsSync(join(root, rel)), `${rel} exists`);
    assert.ok(readFileSync(join(root, rel)).equals(data), `${rel} has the original content`);
  }
}

it('GIVEN four databases on S3 WHEN installing THEN every file is unpacked, verified and recorded', async () => {
  const { outcomes, bytes, root } = await install(volumeDir());
  assert.equal(
    outcomes.map((o) => [o.name, o.status]),
    [
      ['alpha', 'installed'],
      ['beta', 'installed'],
      ['gamma', 'installed'],
      ['delta', 'installed'],
    ],
  );
  assertFiles(root, fixture.files);
  const total = [...fixture.objects.values()].flatMap((m) => [...m.values()]).reduce((n, b) => n + b.length, 0);
  assert.is(bytes, total, 'every byte fetched once');
  const alpha = (await readDone(join(root, 'alpha')))!;
  const archive = fixture.objects.get(BUCKET)!.get(`${PREFIX}alpha.tar.gz`)!;
  assert.is(alpha.version, 'test-1');
  assert.is(alpha.source.bucket, BUCKET);
  assert.equal(
    alpha.objects.map((o) => [o.key, o.size, o.sha256]),
    [[`${PREFIX}alpha.tar.gz`, archive.length, sha256(archive)]],
  );
  assert.is(alpha.objects[0].md5, alpha.objects[0].etag, 'the single-part ETag (MD5) was verified');
  assert.equal(
    alpha.files.map((f) => [f.path, f.size, f.sha256, f.mtimeMs === statSync(join(root, f.path)).mtimeMs]),
    [
      ['alpha/alpha.fasta', fixture.files['alpha/alpha.fasta'].length, sha256(fixture.files['alpha/alpha.fasta']), true],
      ['alpha/alpha_a3m.ffindex', fixture.files['alpha/alpha_a3m.ffindex'].length, sha256(fixture.files['alpha/alpha_a3m.ffindex']), true],
    ],
    'every file with its size, sha256 and mtime',
  );
  assert.equal(alpha.objects[0].verifiedBy, ['manifest-sha256', 'etag-md5']);
  const delta0 = (await readDone(join(root, 'delta')))!;
  assert.equal(
    delta0.files.map((f) => [f.path, f.dir ?? f.sha256]),
    [
      ['delta/mmcif_files/', true],
      ['delta/mmcif_files/1abc.cif', sha256(fixture.files['delta/mmcif_files/1abc.cif'])],
      ['delta/mmcif_files/2xyz.cif', sha256(fixture.files['delta/mmcif_files/2xyz.cif'])],
      ['delta/obsolete.dat', sha256(fixture.files['delta/obsolete.dat'])],
    ],
    'a directory expect and every file under it',
  );
  const delta = (await readDone(join(root, 'delta')))!;
  assert.equal(
    delta.objects.map((o) => o.path),
    ['delta/mmcif_files/1abc.cif', 'delta/mmcif_files/2xyz.cif', 'delta/obsolete.dat'],
  );
  assert.equal(readdirSync(join(root, '.partial')), [], 'nothing left in .partial');
});

it('GIVEN an installed volume WHEN running again THEN everything is skipped and nothing is fetched', async () => {
  const volume = volumeDir();
  await install(volume);
  const again = await install(volume);
  assert.equal(
    again.outcomes.map((o) => o.status),
    ['skipped', 'skipped', 'skipped', 'skipped'],
  );
  assert.is(again.bytes, 0);
  // A file that lost its bytes makes its database invalid: only that one is installed again.
  writeFileSync(join(again.root, 'beta', 'beta.fa'), 'truncated');
  const third = await install(volume);
  assert.equal(
    third.outcomes.map((o) => o.status),
    ['skipped', 'installed', 'skipped', 'skipped'],
  );
  assertFiles(third.root, fixture.files);
});

it('GIVEN a transfer interrupted mid-way WHEN running again THEN only the missing parts are fetched', async () => {
  const volume = volumeDir();
  const manifest = only(fixture.manifest, 'alpha');
  const size = fixture.objects.get(BUCKET)!.get(`${PREFIX}alpha.tar.gz`)!.length;
  const abort = new AbortController();
  let seen = 0;
  const config = testConfig(volume, server.endpoint);
  const first = runDatabases({
    config,
    manifest,
    log: quiet,
    partSize: 128 * 1024,
    requests: 2,
    signal: abort.signal,
    onBytes: (n) => {
      seen += n;
      if (seen > size / 2) abort.abort();
    },
  });
  const aborted = await first.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.is((aborted as Error)?.name, 'AbortError');
  const root = config.databases.root;
  assert.not.ok(existsSync(join(root, 'alpha')), 'nothing under the final name');
  const sidecar = JSON.parse(readFileSync(join(root, '.partial', 'alpha', 'objects', 'compressed', 'alpha.tar.gz.parts.json'), 'utf8'));
  assert.ok(sidecar.done.length > 0, 'some parts recorded');
  const second = await install(volume, { partSize: 128 * 1024 }, manifest);
  assert.is(second.outcomes[0].status, 'installed');
  assert.ok(second.bytes < size * 0.75, `resumed: fetched ${second.bytes} of ${size}`);
  assert.ok(second.bytes + sidecar.done.length * 128 * 1024 >= size, 'the recorded parts were not fetched again');
  assertFiles(root, { 'alpha/alpha.fasta': fixture.files['alpha/alpha.fasta'] });
});

it('GIVEN a corrupted archive WHEN installing THEN it is rejected, not marked done, and fetched again next time', async () => {
  const good = tarGz(work, { 'bad.fasta': fastaText(4000, 'bad') });
  const corrupt = Buffer.from(good);
  for (let i = 0; i < 64; i++) corrupt[Math.floor(corrupt.length / 2) + i] ^= 0xff;
  await server.put(BUCKET, `${PREFIX}bad.tar.gz`, corrupt);
  const manifest: DatabaseManifest = {
    preset: 'test',
    version: 'test-1',
    databases: [{ name: 'bad', source: 'databases', objects: [{ key: 'bad.tar.gz', unpack: 'tar.gz' }], expect: ['bad/bad.fasta'] }],
  };
  const volume = volumeDir();
  const err = await install(volume, {}, manifest).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, CorruptArchiveError);
  assert.match((err as Error).message, `s3://${BUCKET}/${PREFIX}bad.tar.gz`);
  const root = join(volume, 'databases');
  assert.not.ok(existsSync(join(root, 'bad')), 'not installed');
  assert.not.ok(existsSync(join(root, 'bad', DONE_FILE)), 'not marked done');
  assert.not.ok(existsSync(join(root, '.partial', 'bad', 'objects', 'compressed', 'bad.tar.gz')), 'the corrupt download is discarded');
  // Once the object is fixed, the next run fetches and installs it.
  await server.put(BUCKET, `${PREFIX}bad.tar.gz`, good);
  const fixed = await install(volume, {}, manifest);
  assert.is(fixed.outcomes[0].status, 'installed');
  assert.is(fixed.bytes, good.length);
});

it('GIVEN a manifest sha256 that does not match WHEN installing THEN the archive is rejected', async () => {
  const manifest = only(fixture.manifest, 'alpha');
  const wrong = structuredClone(manifest);
  wrong.databases[0].objects[0].sha256 = '0'.repeat(64);
  const err = await install(volumeDir(), {}, wrong).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, CorruptArchiveError);
  assert.match((err as Error).message, /sha256 [0-9a-f]{64} does not match/);
});

it('GIVEN a missing object WHEN installing THEN the error names the bucket and key', async () => {
  const manifest: DatabaseManifest = {
    preset: 'test',
    version: 'test-1',
    databases: [{ name: 'ghost', source: 'databases', objects: [{ key: 'ghost.tar.gz', unpack: 'tar.gz' }], expect: ['ghost/x'] }],
  };
  const err = await install(volumeDir(), {}, manifest).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, S3Error);
  assert.match((err as Error).message, `s3://${BUCKET}/${PREFIX}ghost.tar.gz: not found (bucket ${BUCKET}, key ${PREFIX}ghost.tar.gz`);
});

it('GIVEN an install in progress WHEN watching the final folder THEN it is absent or complete, never partial', async () => {
  const volume = volumeDir();
  const root = join(volume, 'databases');
  const dbDir = join(root, 'alpha');
  const expectedSize = fixture.files['alpha/alpha.fasta'].length;
  let samples = 0;
  let present = 0;
  const violations: string[] = [];
  let watching = true;
  const watch = (async () => {
    while (watching) {
      samples++;
      if (existsSync(dbDir)) {
        present++;
        if (!existsSync(join(dbDir, DONE_FILE))) violations.push('folder without done-manifest');
        const fasta = join(dbDir, 'alpha.fasta');
        if (!existsSync(fasta) || statSync(fasta).size !== expectedSize) violations.push('incomplete alpha.fasta');
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  await install(volume, { partSize: 64 * 1024, requests: 2 }, only(fixture.manifest, 'alpha'));
  await new Promise((r) => setTimeout(r, 20));
  watching = false;
  await watch;
  assert.equal(violations, []);
  assert.ok(samples > 50, `sampled ${samples} times during the install`);
  assert.ok(present > 0, 'the folder appeared');
});

it('GIVEN an installed incremental database WHEN refreshing THEN only new and changed objects are fetched', async () => {
  const volume = volumeDir();
  const manifest = only(fixture.manifest, 'delta');
  const { root } = await install(volume, {}, manifest);
  const unchangedMtime = statSync(join(root, 'delta/mmcif_files/1abc.cif')).mtimeMs;
  const cif3 = Buffer.from('data_3NEW\n');
  const obsolete2 = Buffer.from('OBSLTE    01-JAN-20 1OLD     2NEW\nOBSLTE    02-FEB-21 3OLD     4NEW\n');
  const { gzipSync } = await import('node:zlib');
  await server.put(BUCKET, `${PREFIX}delta/mmcif/3new.cif.gz`, gzipSync(cif3));
  await server.put(BUCKET, `${PREFIX}delta/obsolete.dat`, obsolete2);
  // Without --refresh an installed database is left alone.
  assert.is((await install(volume, {}, manifest)).outcomes[0].status, 'skipped');
  const r = await install(volume, { refresh: true }, manifest);
  assert.is(r.outcomes[0].status, 'refreshed');
  assert.is(r.outcomes[0].objects, 2);
  assert.is(r.bytes, gzipSync(cif3).length + obsolete2.length);
  assertFiles(root, {
    'delta/mmcif_files/3new.cif': cif3,
    'delta/obsolete.dat': obsolete2,
    'delta/mmcif_files/1abc.cif': fixture.files['delta/mmcif_files/1abc.cif'],
  });
  assert.is(statSync(join(root, 'delta/mmcif_files/1abc.cif')).mtimeMs, unchangedMtime, 'unchanged file untouched');
  const done = (await readDone(join(root, 'delta')))!;
  assert.ok(done.refreshedAt, 'refresh recorded');
  const obsoleteRecord = done.files.find((f) => f.path === 'delta/obsolete.dat')!;
  assert.equal([obsoleteRecord.size, obsoleteRecord.sha256], [obsolete2.length, sha256(obsolete2)], 'the replaced file is recorded anew');
  assert.is(done.files.find((f) => f.path === 'delta/mmcif_files/3new.cif')?.sha256, sha256(cif3));
  assert.ok(done.objects.some((o) => o.key === `${PREFIX}delta/mmcif/3new.cif.gz`));
  // The next refresh finds nothing new.
  const again = await install(volume, { refresh: true }, manifest);
  assert.is(again.bytes, 0);
  // Restore the shared fixture for the other tests.
  await server.put(BUCKET, `${PREFIX}delta/obsolete.dat`, fixture.files['delta/obsolete.dat']);
});

it('GIVEN verifyInstalled (the pipeline) THEN an installed database is only verified: a damaged one fails and is left as it is', async () => {
  const mirror = volumeDir();
  writeMirror(mirror, fixture.objects);
  const volume = volumeDir();
  const config = testConfig(volume, pathToFileURL(mirror).href);
  // Missing: installed as usual (the first run of a new volume).
  const first = await install(volume, { config, verifyInstalled: true });
  assert.ok(first.outcomes.every((o) => o.status === 'installed'));
  const again = await install(volume, { config, verifyInstalled: true });
  assert.ok(again.outcomes.every((o) => o.status === 'skipped'));
  assert.is(again.bytes, 0);
  writeFileSync(join(first.root, 'beta', 'beta.fa'), 'truncated');
  try {
    await install(volume, { config, verifyInstalled: true });
    assert.unreachable('a damaged database must fail the verify');
  } catch (e) {
    assert.instance(e, InstalledButInvalidError);
    assert.match((e as Error).message, /^beta: installed but does not verify \(.*beta\.fa.*\); .*-p only=beta/);
  }
  assert.is(readFileSync(join(first.root, 'beta', 'beta.fa'), 'utf8'), 'truncated', 'not replaced under runs that may read it');
});

it('GIVEN a file:// mirror WHEN installing THEN the databases come from DIR/<bucket>/<key>', async () => {
  const mirror = volumeDir();
  writeMirror(mirror, fixture.objects);
  const volume = volumeDir();
  const config = testConfig(volume, pathToFileURL(mirror).href);
  const { outcomes, root } = await install(volume, { config });
  assert.equal(
    outcomes.map((o) => o.status),
    ['installed', 'installed', 'installed', 'installed'],
  );
  assertFiles(root, fixture.files);
  assert.is((await install(volume, { config })).bytes, 0, 'a rerun skips');
});

it('GIVEN too little free space WHEN installing THEN the preflight refuses before any download', async () => {
  const volume = volumeDir();
  const err = await install(volume, { freeBytes: async () => 1000 }, only(fixture.manifest, 'alpha')).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, InsufficientSpaceError);
  assert.match((err as Error).message, /^alpha: needs about .* free under /);
  assert.not.ok(existsSync(join(volume, 'databases', '.partial', 'alpha')), 'nothing downloaded');
});

it('GIVEN --only with an unknown name THEN the error lists the known databases', async () => {
  const err = await install(volumeDir(), { only: ['nope'] }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, UnknownDatabaseError);
  assert.match((err as Error).message, 'unknown database nope; the manifest has alpha, beta, gamma, delta');
});

it('GIVEN the CLI with a manifest file WHEN running `databases --only` and `--list` THEN it installs and reports', async () => {
  const volume = volumeDir();
  const manifestFile = join(volume, 'manifest.json');
  writeFileSync(manifestFile, JSON.stringify(fixture.manifest));
  const configFile = join(volume, 'config.yaml');
  const c = testConfig(volume, server.endpoint).databases;
  writeFileSync(
    configFile,
    JSON.stringify({
      volume: { mountPath: volume },
      databases: { root: c.root, version: 'test-1', manifest: manifestFile, source: c.source },
    }),
  );
  const run = promisify(execFile);
  const out = await run(process.execPath, [CLI, 'databases', '--config', configFile, '--only', 'beta', '--only', 'gamma']);
  assert.match(out.stdout, 'databases: 2 installed, 0 refreshed, 0 already installed');
  assertFiles(c.root, { 'beta/beta.fa': fixture.files['beta/beta.fa'], 'gamma/w1.pt': fixture.files['gamma/w1.pt'] });
  const list = await run(process.execPath, [CLI, 'databases', '--config', configFile, '--list']);
  assert.match(list.stdout, /beta\s+installed /);
  assert.match(list.stdout, /alpha\s+not installed/);
  // What the workflow passes: `--only all` (a custom manifest) and `--refresh true|false`.
  const all = await run(process.execPath, [CLI, 'databases', '--config', configFile, '--only', 'all', '--refresh', 'true']);
  assert.match(all.stdout, 'databases: 2 installed, 0 refreshed, 2 already installed');
  // `--verify true` (as the workflow's verify parameter passes it) hashes what is installed.
  const verified = await run(process.execPath, [
    CLI,
    'databases',
    '--config',
    configFile,
    '--only',
    'beta',
    '--refresh',
    'false',
    '--verify',
    'true',
  ]);
  assert.match(verified.stdout, 'databases: 0 installed, 0 refreshed, 0 already installed, 1 verified');
  // A missing object: exit 1, the message names bucket and key.
  const broken = JSON.parse(JSON.stringify(fixture.manifest)) as DatabaseManifest;
  broken.databases[0].objects[0].key = `missing-${randomBytes(3).toString('hex')}.tar.gz`;
  writeFileSync(manifestFile, JSON.stringify(broken));
  const failed = await run(process.execPath, [CLI, 'databases', '--config', configFile, '--only', 'alpha']).then(
    () => undefined,
    (e: { code: number; stderr: string }) => e,
  );
  assert.is(failed?.code, 1);
  assert.match(failed!.stderr, `bucket ${BUCKET}, key ${PREFIX}${broken.databases[0].objects[0].key}`);
});

test.run();
