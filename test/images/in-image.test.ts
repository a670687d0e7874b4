// The steps run inside their images as the pods run them (the image's non-root user, read-only root, a
// writable /tmp), against the same inputs as a run on this machine: split, collect and databases (from the
// loopback S3 server) in the tools image, the demo proteins' align groups in the msa image. Host folders are
// mounted at the same paths, so outputs compare byte for byte. Needs podman and `npm run images`.
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import { firstMissing, requires } from '../helpers/gate.js';
import * as assert from 'uvu/assert';
import { demoFasta } from '../../demo/data/sequences.js';
import { alignContract } from '../../steps/align/contract.js';
import type { AlignManifest } from '../../steps/align/manifest.js';
import { readDone } from '../../steps/databases/done.js';
import { missingTools, tempDir } from '../helpers/env.js';
import { missingS3Server, startS3Server } from '../helpers/s3server.js';
import { ALIGN_TOOLS, demoDatabases, INSTALL, runCli, TINY } from '../steps/align/fixture.js';
import { buildFixture, testConfig } from '../steps/databases/fixtures.js';
import { inImage, missingImages } from './helpers.js';

const skip = firstMissing(await missingImages(['tools', 'msa']), missingS3Server(), missingTools(ALIGN_TOOLS, INSTALL));
const it = requires(skip);

const DEMO_DB_CACHE = join(tmpdir(), 'openfold-argo-demo-db');
let work = '';
let config = '';

/** Every file under dir (relative paths), sorted. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

/** A folder the image's user (uid 1000) can write, under a parent it can reach. */
function writable(dir: string): string {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  return dir;
}

// hhsearch stamps its output with the date and its command line (a work folder named after the process): the
// rest must be identical, including the name of the SIMD build that ran (hhsearch-avx2 on both sides).
const stable = (file: string, text: string) =>
  file.endsWith('.hhr') ? text.replace(/^Date .*$/m, '').replace(/^Command +(\S+) .*$/m, 'Command $1') : text;
/** report.json without what depends on the clock (search seconds, completion times). */
const timeless = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(timeless)
    : value && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value)
            .filter(([k]) => !/(Seconds|At)$/.test(k))
            .map(([k, v]) => [k, timeless(v)]),
        )
      : value;

test.before(async () => {
  if (skip) return;
  work = tempDir('ofa-in-image-');
  chmodSync(work, 0o755);
  symlinkSync(await demoDatabases(TINY), join(work, 'databases'));
  config = join(work, 'config.json');
  writeFileSync(config, JSON.stringify({ volume: { mountPath: work }, databases: { root: join(work, 'databases') } }));
  writeFileSync(join(work, 'demo.fasta'), demoFasta(TINY.queries));
});

const mounts = () => [work, `${DEMO_DB_CACHE}:ro`];

it('split (tools image): the same per-target FASTA files, manifest and plan as on this machine', async () => {
  const host = await runCli(['split', join(work, 'demo.fasta'), '--out', join(work, 'host', 'split'), '--config', config]);
  assert.is(host.code, 0, host.stderr);
  writable(join(work, 'image'));
  const r = await inImage(
    'tools',
    'openfold-argo',
    ['split', join(work, 'demo.fasta'), '--out', join(work, 'image', 'split'), '--config', config],
    {
      mounts: mounts(),
    },
  );
  assert.is(r.code, 0, r.stderr);
  const [a, b] = [join(work, 'host', 'split'), join(work, 'image', 'split')];
  assert.equal(files(b), files(a));
  assert.ok(files(a).includes('plan.json'));
  for (const f of files(a)) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f);
});

it('align (msa image): each align group of the demo proteins gives alignment files identical to the host run; the manifest records the contract versions', async () => {
  const plan = JSON.parse(readFileSync(join(work, 'host', 'split', 'plan.json'), 'utf8')) as { alignGroups: { id: number }[] };
  assert.ok(plan.alignGroups.length >= 1);
  for (const [mode, out] of [
    ['full_dbs', 'alignments'],
    ['mmseqs', 'alignments-mmseqs'],
  ]) {
    for (const { id } of plan.alignGroups) {
      const args = (side: string) => [
        'align',
        ...['--plan', join(work, side, 'split', 'plan.json'), '--group', String(id), '--out', join(work, side, out)],
        ...['--mode', mode, '--cpu', '2', '--no-cache', '--config', config],
      ];
      const host = await runCli(args('host'));
      assert.is(host.code, 0, host.stderr);
      const r = await inImage('msa', 'openfold-argo', args('image'), { mounts: mounts() });
      assert.is(r.code, 0, `${mode} group ${id}: ${r.stderr}`);
    }
    const [a, b] = [join(work, 'host', out), join(work, 'image', out)];
    const alignments = files(a).filter((f) => /\.(sto|a3m|hhr)$/.test(f));
    assert.ok(alignments.length >= (mode === 'full_dbs' ? 4 : 2), alignments.join(' '));
    assert.equal(
      files(b).filter((f) => /\.(sto|a3m|hhr)$/.test(f)),
      alignments,
    );
    for (const f of alignments)
      assert.is(stable(f, readFileSync(join(b, f), 'utf8')), stable(f, readFileSync(join(a, f), 'utf8')), `${mode}: ${f}`);
    for (const m of files(b).filter((f) => f.endsWith('manifest.json'))) {
      const manifest = JSON.parse(readFileSync(join(b, m), 'utf8')) as AlignManifest;
      for (const [tool, version] of Object.entries(manifest.tools))
        assert.is(version, alignContract.tools[tool as keyof typeof alignContract.tools], `${m}: ${tool}`);
    }
  }
});

it('collect (tools image): the same report.json as the host run (but for the clock-dependent fields), and report.html', async () => {
  const host = await runCli(['report', join(work, 'host')]);
  assert.is(host.code, 0, host.stderr);
  const r = await inImage('tools', 'openfold-argo', ['report', join(work, 'image')], { mounts: mounts() });
  assert.is(r.code, 0, r.stderr);
  const report = (side: string) =>
    timeless(JSON.parse(readFileSync(join(work, side, 'report.json'), 'utf8').replaceAll(join(work, side), 'RUN')));
  assert.equal(report('image'), report('host'));
  const html = readFileSync(join(work, 'image', 'report.html'), 'utf8');
  for (const tag of ['ubiquitin', 'gb1']) assert.match(html, tag);
  assert.match(r.stdout, '## openfold-argo report');
});

it('databases (tools image): downloads, verifies and unpacks from the loopback S3 server, as on the host', async () => {
  const server = await startS3Server();
  try {
    const fixture = buildFixture(tempDir('ofa-in-image-db-'));
    for (const [bucket, keys] of fixture.objects) for (const [key, data] of keys) await server.put(bucket, key, data);
    const volume = writable(join(work, 'db-volume'));
    const c = testConfig(volume, server.endpoint);
    const manifestFile = join(work, 'db-manifest.json');
    writeFileSync(manifestFile, JSON.stringify(fixture.manifest));
    c.databases.manifest = manifestFile;
    // As the pods get it: the resolved config as JSON in OPENFOLD_ARGO_CONFIG.
    const r = await inImage('tools', 'openfold-argo', ['databases', '--only', 'all'], {
      mounts: [work],
      env: { OPENFOLD_ARGO_CONFIG: JSON.stringify(c) },
      network: 'host',
    });
    assert.is(r.code, 0, r.stderr);
    for (const [rel, data] of Object.entries(fixture.files)) assert.ok(readFileSync(join(c.databases.root, rel)).equals(data), rel);
    for (const d of fixture.manifest.databases) assert.ok(readDone(join(c.databases.root, d.name)), `${d.name}: done-manifest`);
    assert.is(files(c.databases.root).filter((f) => f.includes('.tmp')).length, 0, 'no temporary files left');
  } finally {
    await server.stop();
  }
});

test.run();
