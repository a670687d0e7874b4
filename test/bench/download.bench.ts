// `npm run bench:download`: figures, not a test. The databases step (parallel ranged transfer hashed as it
// lands, sha256 + MD5 verified before unpacking, tar/gzip, lstat scan and sha256 of every unpacked file,
// done-manifest, atomic rename) against a plain sequential baseline
// (one GET per object to a file, then tar/gzip, no verification) over the same generated archives, served by
// gofakes3 on loopback. Both run in this one process, alternately, twice; the ratio is baseline / ours.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, openSync, closeSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { runDatabases } from '../../steps/databases/install.js';
import type { DatabaseManifest } from '../../steps/databases/manifest.js';
import { benchmarkNeeds, tempDir } from '../helpers/env.js';
import { missingS3Server, startS3Server } from '../helpers/s3server.js';
import { BUCKET, PREFIX, testConfig } from '../steps/databases/fixtures.js';

const MiB = 1024 * 1024;
const AA = Buffer.from('ACDEFGHIKLMNPQRSTVWY');

/** FASTA-like text of about `bytes` bytes: random residues, 60 per line (compresses like protein FASTA). */
function fasta(bytes: number, name: string): Buffer {
  const raw = randomBytes(bytes);
  for (let i = 0; i < raw.length; i++) raw[i] = i % 61 === 60 ? 10 : AA[raw[i] % 20];
  return Buffer.concat([Buffer.from(`>${name}\n`), raw, Buffer.from('\n')]);
}

async function gzipFile(src: string, dest: string): Promise<void> {
  await pipeline(createReadStream(src), createGzip({ level: 1 }), createWriteStream(dest));
}

/** tar of a folder, gzipped (level 1 keeps the generation quick; unpacking costs the same). */
async function tarGz(dir: string, dest: string): Promise<void> {
  const tar = spawn('tar', ['-cf', '-', '-C', dir, '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await pipeline(tar.stdout, createGzip({ level: 1 }), createWriteStream(dest));
}

async function generate(
  work: string,
): Promise<{ manifest: DatabaseManifest; archives: { key: string; file: string; unpack: 'tar.gz' | 'gz' }[] }> {
  const archives: { key: string; file: string; unpack: 'tar.gz' | 'gz' }[] = [];
  const databases: DatabaseManifest['databases'] = [];
  for (const [name, parts] of [
    ['bench_a', 3],
    ['bench_b', 3],
    ['bench_c', 2],
  ] as const) {
    const dir = join(work, 'src', name);
    mkdirSync(dir, { recursive: true });
    for (let p = 0; p < parts; p++) writeFileSync(join(dir, `${name}_${p}.fasta`), fasta(48 * MiB, `${name}_${p}`));
    const file = join(work, `${name}.tar.gz`);
    await tarGz(dir, file);
    rmSync(dir, { recursive: true });
    archives.push({ key: `${PREFIX}${name}.tar.gz`, file, unpack: 'tar.gz' });
    databases.push({
      name,
      source: 'databases',
      objects: [{ key: `${name}.tar.gz`, unpack: 'tar.gz' }],
      expect: [`${name}/${name}_*.fasta`],
    });
  }
  const plain = join(work, 'bench_d.fa');
  writeFileSync(plain, fasta(96 * MiB, 'bench_d'));
  await gzipFile(plain, `${plain}.gz`);
  rmSync(plain);
  archives.push({ key: `${PREFIX}bench_d.fa.gz`, file: `${plain}.gz`, unpack: 'gz' });
  databases.push({
    name: 'bench_d',
    source: 'databases',
    objects: [{ key: 'bench_d.fa.gz', unpack: 'gz' }],
    expect: ['bench_d/bench_d.fa'],
  });
  return { manifest: { preset: 'bench', version: 'bench-1', databases }, archives };
}

/** The baseline: for each object in turn, one plain GET streamed to a file, then tar or gzip. */
async function sequential(endpoint: string, archives: { key: string; unpack: 'tar.gz' | 'gz' }[], root: string): Promise<void> {
  for (const a of archives) {
    const name = a.key.slice(PREFIX.length).replace(/\.(tar\.gz|fa\.gz)$/, '');
    const file = join(root, `${name}.download`);
    const res = await fetch(`${endpoint}/${BUCKET}/${a.key}`);
    if (!res.ok || !res.body) throw new Error(`GET ${a.key}: HTTP ${res.status}`);
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(file));
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    if (a.unpack === 'tar.gz') execFileSync('tar', ['-xzf', file, '-C', dir]);
    else {
      const out = openSync(join(dir, `${name}.fa`), 'w');
      execFileSync('gzip', ['-dc', file], { stdio: ['ignore', out, 'inherit'] });
      closeSync(out);
    }
    rmSync(file);
  }
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

benchmarkNeeds(missingS3Server());
const work = tempDir('ofa-bench-dl-');
const server = await startS3Server();
try {
  const t = performance.now();
  const { manifest, archives } = await generate(work);
  const total = archives.reduce((n, a) => n + statSync(a.file).size, 0);
  for (const a of archives) await server.putFile(BUCKET, a.key, a.file);
  for (const a of archives) rmSync(a.file);
  console.log(
    `generated and uploaded ${archives.length} archives, ${(total / MiB).toFixed(0)} MiB, in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  const rows = [];
  for (let round = 1; round <= 2; round++) {
    const oursVolume = join(work, `ours-${round}`);
    const ours = await timed(async () => {
      await runDatabases({ config: testConfig(oursVolume, server.endpoint), manifest, log: () => undefined });
    });
    rmSync(oursVolume, { recursive: true, force: true });
    const baseRoot = join(work, `baseline-${round}`);
    mkdirSync(baseRoot, { recursive: true });
    const base = await timed(() => sequential(server.endpoint, archives, baseRoot));
    rmSync(baseRoot, { recursive: true, force: true });
    rows.push({
      round,
      'archives MiB': Number((total / MiB).toFixed(0)),
      'ours s (download+verify+unpack)': Number(ours.toFixed(2)),
      'ours MiB/s': Number((total / MiB / ours).toFixed(0)),
      'sequential s (transfer, then unpack)': Number(base.toFixed(2)),
      'sequential MiB/s': Number((total / MiB / base).toFixed(0)),
      'ratio sequential/ours': Number((base / ours).toFixed(2)),
    });
  }
  console.table(rows);
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
