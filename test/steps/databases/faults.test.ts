// Network faults and a full disk, against gofakes3 on loopback behind the fault proxy double: a body cut or
// reset mid-way is requested again from its last good byte; a stalled body is dropped after the stall timeout; a
// transfer that keeps failing ends in one line naming the object and the byte; a disk that fills up while
// unpacking (a small tmpfs in a private mount namespace) is reported as such and the download is kept.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI, tempDir } from '../../helpers/env.js';
import { firstMissing, requires } from '../../helpers/gate.js';
import { missingS3Server, startS3Server, type S3Server } from '../../helpers/s3server.js';
import { startFaultProxy, type FaultProxy } from '../../doubles/s3-fault-proxy.js';
import { runDatabases } from '../../../steps/databases/install.js';
import type { DatabaseManifest } from '../../../steps/databases/manifest.js';
import { BUCKET, PREFIX, gz, tarGz, testConfig } from './fixtures.js';

const skip = missingS3Server();
const it = requires(skip);
const MiB = 1024 * 1024;
let server: S3Server;
let proxy: FaultProxy;
let work: string;
const blob = randomBytes(3 * MiB + 12345);
const blobPath = `/${BUCKET}/${PREFIX}blob.bin`;
const blobDb: DatabaseManifest = {
  preset: 'test',
  version: 'test-1',
  databases: [{ name: 'blob', source: 'databases', objects: [{ key: 'blob.bin', unpack: 'none' }], expect: ['blob/blob.bin'] }],
};

test.before(async () => {
  if (skip) return;
  work = tempDir('ofa-dbf-');
  server = await startS3Server();
  proxy = await startFaultProxy(server.endpoint);
  await server.put(BUCKET, `${PREFIX}blob.bin`, blob);
});

test.after(async () => {
  await proxy?.stop();
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const rangeStarts = () =>
  proxy.requests.filter((r) => r.method === 'GET' && r.path === blobPath).map((r) => Number(/bytes=(\d+)-/.exec(r.range ?? '')?.[1]));

async function installBlob(over: { stallTimeoutMs?: number } = {}) {
  proxy.requests.length = 0;
  const volume = tempDir('ofa-dbf-vol-');
  const config = testConfig(volume, proxy.endpoint);
  const lines: string[] = [];
  const outcomes = await runDatabases({ config, manifest: blobDb, log: (l) => lines.push(l), partSize: MiB, retryDelayMs: 20, ...over });
  return { outcomes, lines, root: config.databases.root };
}

it('GIVEN a connection cut in the middle of a body WHEN installing THEN the rest is requested from the last good byte', async () => {
  proxy.faults.push({ path: blobPath, kind: 'close', at: 300 * 1024 });
  const { outcomes, root } = await installBlob();
  assert.is(outcomes[0].status, 'installed');
  assert.ok(readFileSync(join(root, 'blob/blob.bin')).equals(blob));
  const resumed = rangeStarts().filter((s) => s % MiB !== 0);
  assert.is(resumed.length, 1, `one request started inside a part: ${rangeStarts().join(', ')}`);
  assert.is(resumed[0] % MiB, 300 * 1024, 'resumed exactly where the body was cut');
});

it('GIVEN a TCP reset in the middle of a body WHEN installing THEN it is retried and the object installed intact', async () => {
  // What the client had read before the reset is kept; bytes still in its socket buffer are lost with the reset.
  proxy.faults.push({ path: blobPath, kind: 'reset', at: 300 * 1024 });
  const { outcomes, root } = await installBlob();
  assert.is(outcomes[0].status, 'installed');
  assert.ok(readFileSync(join(root, 'blob/blob.bin')).equals(blob));
  assert.is(rangeStarts().length, 5, `4 parts and one retry: ${rangeStarts().join(', ')}`);
});

it('GIVEN a body that stalls WHEN installing with a 1 s stall timeout THEN it is dropped and resumed, not waited on for minutes', async () => {
  proxy.faults.push({ path: blobPath, kind: 'stall', at: 200 * 1024 });
  const started = Date.now();
  const { outcomes, root } = await installBlob({ stallTimeoutMs: 1000 });
  const seconds = (Date.now() - started) / 1000;
  assert.is(outcomes[0].status, 'installed');
  assert.ok(readFileSync(join(root, 'blob/blob.bin')).equals(blob));
  assert.ok(seconds >= 1 && seconds < 10, `took ${seconds} s`);
  assert.is(rangeStarts().filter((s) => s % MiB !== 0).length, 1, 'resumed inside the stalled part');
});

/** A config file for the CLI: databases from `endpoint` under `volume`, the manifest written beside it. */
function cliConfig(volume: string, endpoint: string, manifest: DatabaseManifest, download: Record<string, string> = {}): string {
  const manifestFile = join(work, `manifest-${randomBytes(3).toString('hex')}.json`);
  writeFileSync(manifestFile, JSON.stringify(manifest));
  const c = testConfig(volume, endpoint).databases;
  const file = join(work, `config-${randomBytes(3).toString('hex')}.json`);
  const databases = { root: c.root, version: 'test-1', manifest: manifestFile, source: c.source, download };
  writeFileSync(file, JSON.stringify({ volume: { mountPath: volume }, databases }));
  return file;
}

it('GIVEN a server that resets every body WHEN the CLI installs THEN it fails with one line naming the object and the byte', async () => {
  // Each retry that gets some bytes further counts as progress; these give none.
  proxy.faults.push({ path: blobPath, kind: 'reset', at: 0, times: 1000 });
  const config = cliConfig(tempDir('ofa-dbf-vol-'), proxy.endpoint, blobDb);
  const err = (await promisify(execFile)(process.execPath, [CLI, 'databases', '--config', config]).then(
    () => undefined,
    (e: unknown) => e,
  )) as { code: number; stderr: string } | undefined;
  proxy.faults.length = 0;
  assert.is(err?.code, 1);
  const lines = err!.stderr.trim().split('\n');
  assert.is(lines.length, 1, err!.stderr);
  assert.match(
    lines[0],
    new RegExp(
      `^openfold-argo databases: s3://${BUCKET}/${PREFIX}blob\\.bin: connection reset .* at byte \\d+ of ${blob.length} \\(range \\d+-\\d+\\); gave up after 5 attempts$`,
    ),
  );
  assert.not.match(err!.stderr, 'internal error');
});

/** How this machine can mount a small tmpfs privately: `unshare -m` as root, `unshare -rm` in a user namespace. */
function privateMount(): string[] | string {
  const probe = tempDir('ofa-dbf-mnt-');
  try {
    for (const args of process.getuid?.() === 0 ? [['-m'], ['-rm']] : [['-rm']]) {
      try {
        execFileSync('unshare', [...args, 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs "$1"', 'sh', probe], { stdio: 'pipe' });
        return args;
      } catch {
        // try the next way
      }
    }
    return 'cannot mount a tmpfs here (needs root or user namespaces, and unshare from util-linux)';
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
const how = privateMount();
const withPrivateMount = requires(firstMissing(skip, typeof how === 'string' ? how : null));

withPrivateMount(
  'GIVEN a disk that fills up while unpacking WHEN installing THEN it says so, keeps the downloads, and the rerun fetches nothing',
  async () => {
    // 16 MiB of zeros packs into a few KiB: the downloads fit in 4 MiB, what they unpack to does not.
    const zeros = Buffer.alloc(16 * MiB);
    await server.put(BUCKET, `${PREFIX}zeros.tar.gz`, tarGz(work, { 'zeros.bin': zeros }));
    await server.put(BUCKET, `${PREFIX}zeros.bin.gz`, gz(zeros));
    const manifest: DatabaseManifest = {
      preset: 'test',
      version: 'test-1',
      databases: [
        { name: 'ztar', source: 'databases', objects: [{ key: 'zeros.tar.gz', unpack: 'tar.gz' }], expect: ['ztar/zeros.bin'] },
        { name: 'zgz', source: 'databases', objects: [{ key: 'zeros.bin.gz', unpack: 'gz' }], expect: ['zgz/zeros.bin'] },
      ],
    };
    const mnt = join(work, 'small-disk');
    mkdirSync(mnt);
    const config = cliConfig(mnt, server.endpoint, manifest);
    // In a private mount namespace: mount 4 MiB, install (fails), list what is kept, grow to 64 MiB, install again.
    const script = [
      'mount -t tmpfs -o size=4m tmpfs "$1"',
      'node "$2" databases --config "$3" --only ztar 2>&1; echo "first exit $?"',
      'node "$2" databases --config "$3" --only zgz 2>&1; echo "second exit $?"',
      'find "$1/databases/.partial" -type f -name "zeros*" | sort',
      'mount -o remount,size=64m "$1"',
      'node "$2" databases --config "$3" 2>&1; echo "third exit $?"',
    ].join('\n');
    const out = execFileSync('unshare', [...(how as string[]), 'sh', '-c', script, 'sh', mnt, CLI, config], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const root = join(mnt, 'databases');
    assert.match(out, 'first exit 1');
    assert.match(out, 'second exit 1');
    // GNU tar says "Wrote only N of M bytes" (no reason); gzip says "No space left on device".
    assert.match(
      out,
      new RegExp(
        `ztar: s3://${BUCKET}/${PREFIX}zeros\\.tar\\.gz: disk full while unpacking into .*Wrote only.*; the download is kept in ${root}/\\.partial/ztar`,
      ),
    );
    assert.match(
      out,
      new RegExp(`zgz: s3://${BUCKET}/${PREFIX}zeros\\.bin\\.gz: disk full while unpacking into .*No space left on device`),
    );
    assert.not.match(out, 'corrupt');
    assert.match(out, `${root}/.partial/ztar/objects/${PREFIX}zeros.tar.gz\n`);
    assert.match(out, `${root}/.partial/zgz/objects/${PREFIX}zeros.bin.gz\n`);
    assert.match(out, 'ztar: installed (0 B fetched');
    assert.match(out, 'zgz: installed (0 B fetched');
    assert.match(out, 'databases: 2 installed');
    assert.match(out, 'third exit 0');
  },
);

test.run();
