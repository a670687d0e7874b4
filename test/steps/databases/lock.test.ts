// The per-database lock on the shared volume (lock.ts): two installs of one database on one root do not race
// (the second waits, then skips), a second install can refuse at once naming the holder, stale locks (a dead
// process on this host, a silent holder elsewhere) are taken over, and a holder whose lock was taken stops.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI, tempDir } from '../../helpers/env.js';
import { requires } from '../../helpers/gate.js';
import { missingS3Server, startS3Server, type S3Server } from '../../helpers/s3server.js';
import { runDatabases, type DatabasesOptions } from '../../../steps/databases/install.js';
import { LockLostError, acquireLock } from '../../../steps/databases/lock.js';
import type { DatabaseManifest } from '../../../steps/databases/manifest.js';
import { BUCKET, PREFIX, fastaText, tarGz, testConfig } from './fixtures.js';

const skip = missingS3Server();
const it = requires(skip);
let server: S3Server;
let work: string;
let archive: Buffer;
const manifest: DatabaseManifest = {
  preset: 'test',
  version: 'test-1',
  databases: [
    { name: 'locked', source: 'databases', objects: [{ key: 'locked.tar.gz', unpack: 'tar.gz' }], expect: ['locked/locked.fasta'] },
  ],
};

test.before(async () => {
  if (skip) return;
  work = tempDir('ofa-dbl-');
  server = await startS3Server();
  archive = tarGz(work, { 'locked.fasta': fastaText(30000, 'locked') });
  await server.put(BUCKET, `${PREFIX}locked.tar.gz`, archive);
});

test.after(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function run(volume: string, lines: string[], over: Partial<DatabasesOptions> = {}) {
  let bytes = 0;
  const outcomes = runDatabases({
    config: testConfig(volume, server.endpoint),
    manifest,
    log: (l) => lines.push(l),
    partSize: 64 * 1024,
    requests: 2,
    onBytes: (n) => (bytes += n),
    ...over,
    lock: { pollMs: 20, ...over.lock },
  });
  return outcomes.then((o) => ({ outcomes: o, bytes: () => bytes }));
}

const lockFile = (volume: string) => join(volume, 'databases', '.locks', 'locked.lock');

it('GIVEN two installs of one database on one root at once WHEN both run THEN one installs, the other waits and skips it', async () => {
  const volume = tempDir('ofa-dbl-vol-');
  const [a, b] = [[], []] as string[][];
  const [ra, rb] = await Promise.all([run(volume, a), run(volume, b)]);
  const statuses = [ra.outcomes[0].status, rb.outcomes[0].status].sort();
  assert.equal(statuses, ['installed', 'skipped']);
  assert.is(ra.bytes() + rb.bytes(), archive.length, 'the archive was fetched once');
  const waited = ra.outcomes[0].status === 'skipped' ? a : b;
  assert.ok(
    waited.some((l) => l.startsWith(`databases: locked: waiting for the install by pid ${process.pid} on host ${hostname()} since `)),
    waited.join('\n'),
  );
});

it('GIVEN an install in progress WHEN the CLI runs with lockWait 0s THEN it refuses at once, naming the holder', async () => {
  const volume = tempDir('ofa-dbl-vol-');
  const held = await acquireLock(lockFile(volume), 'databases: locked');
  try {
    const manifestFile = join(volume, 'manifest.json');
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const c = testConfig(volume, server.endpoint).databases;
    const config = join(volume, 'config.json');
    const databases = { root: c.root, version: 'test-1', manifest: manifestFile, source: c.source, download: { lockWait: '0s' } };
    writeFileSync(config, JSON.stringify({ volume: { mountPath: volume }, databases }));
    const err = (await promisify(execFile)(process.execPath, [CLI, 'databases', '--config', config]).then(
      () => undefined,
      (e: unknown) => e,
    )) as { code: number; stderr: string } | undefined;
    const listed = await promisify(execFile)(process.execPath, [CLI, 'databases', '--config', config, '--list']);
    const state = listed.stdout.split('\n')[0].replace(/ +/, ' ');
    assert.is(state, `locked not installed (locked by pid ${process.pid} on host ${hostname()} since ${held.holder.startedAt})`);
    assert.is(err?.code, 1);
    assert.is(
      err!.stderr.trim(),
      `openfold-argo databases: databases: locked: locked by pid ${process.pid} on host ${hostname()} since ${held.holder.startedAt} (${lockFile(volume)}); not waiting`,
    );
  } finally {
    await held.release();
  }
});

it('GIVEN a lock left by a process of this host that is gone WHEN installing THEN the stale lock is removed and the install runs', async () => {
  const volume = tempDir('ofa-dbl-vol-');
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  mkdirSync(join(volume, 'databases', '.locks'), { recursive: true });
  writeFileSync(
    lockFile(volume),
    JSON.stringify({ pid: dead, host: hostname(), startedAt: '2024-01-01T00:00:00.000Z', token: 'x', what: 'old' }),
  );
  const lines: string[] = [];
  const r = await run(volume, lines, { lock: { waitMs: 0 } });
  assert.is(r.outcomes[0].status, 'installed');
  assert.ok(
    lines.includes(
      `databases: locked: removed a stale lock (pid ${dead} on host ${hostname()} since 2024-01-01T00:00:00.000Z: that process is gone)`,
    ),
    lines.join('\n'),
  );
});

it('GIVEN a lock from another host whose heartbeat stopped WHEN installing THEN it waits for the stale time, then takes it', async () => {
  const volume = tempDir('ofa-dbl-vol-');
  mkdirSync(join(volume, 'databases', '.locks'), { recursive: true });
  writeFileSync(
    lockFile(volume),
    JSON.stringify({ pid: 1, host: 'another-node', startedAt: '2024-01-01T00:00:00.000Z', token: 'y', what: 'old' }),
  );
  const lines: string[] = [];
  const started = performance.now();
  const r = await run(volume, lines, { lock: { staleMs: 400 } });
  assert.ok(performance.now() - started >= 400, 'waited for the stale time');
  assert.is(r.outcomes[0].status, 'installed');
  assert.ok(lines.some((l) => l.startsWith('databases: locked: waiting for the install by pid 1 on host another-node')));
  assert.ok(
    lines.includes(
      'databases: locked: removed a stale lock (pid 1 on host another-node since 2024-01-01T00:00:00.000Z: no heartbeat for 0.4 s)',
    ),
  );
});

test('GIVEN a held lock WHEN another install takes it over THEN the holder is told it lost it', async () => {
  const dir = tempDir('ofa-dbl-lost-');
  try {
    const held = await acquireLock(join(dir, 'x.lock'), 'databases: x', { heartbeatMs: 20 });
    writeFileSync(join(dir, 'x.lock'), JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: 'now', token: 'other', what: 'x' }));
    for (let i = 0; i < 100 && !held.lost.aborted; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(held.lost.aborted, 'lost');
    assert.instance(held.lost.reason, LockLostError);
    await held.release();
    assert.match(readFileSync(join(dir, 'x.lock'), 'utf8'), '"token":"other"', "release leaves the new holder's lock alone");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
