// Small generated databases for the databases tests: real tar.gz / gz archives of generated files, uploaded
// to the loopback S3 server or laid out as a file:// mirror.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { resolveConfig } from '../../../generators/config/load.js';
import type { Config } from '../../../generators/config/types.js';
import type { DatabaseManifest } from '../../../steps/databases/manifest.js';

export const BUCKET = 'db-archives';
export const PREFIX = 'compressed/';
export const WEIGHTS_BUCKET = 'weights-bucket';
export const WEIGHTS_PREFIX = 'params/';

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A FASTA-like text file of about `bytes` bytes (compressible, like the real databases). */
export function fastaText(records: number, seed: string): Buffer {
  const lines: string[] = [];
  const aa = 'ACDEFGHIKLMNPQRSTVWY';
  let x = createHash('sha256').update(seed).digest().readUInt32BE(0);
  for (let r = 0; r < records; r++) {
    lines.push(`>${seed}_${r}`);
    let s = '';
    for (let i = 0; i < 120; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      s += aa[x % 20];
    }
    lines.push(s);
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** Writes `files` under a fresh folder and packs them (members without a leading folder) into tar.gz bytes. */
export function tarGz(work: string, files: Record<string, Buffer>): Buffer {
  const src = join(work, `src-${randomBytes(4).toString('hex')}`);
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(dirname(join(src, rel)), { recursive: true });
    writeFileSync(join(src, rel), data);
  }
  const out = `${src}.tar.gz`;
  execFileSync('tar', ['-czf', out, '-C', src, ...Object.keys(files)]);
  return readFileSync(out);
}

export const gz = (b: Buffer): Buffer => gzipSync(b);

/** A config whose databases live under `volume` and download from `endpoint`. */
export function testConfig(volume: string, endpoint: string): Config {
  const config = resolveConfig({
    volume: { mountPath: volume },
    databases: {
      root: `${volume}/databases`,
      version: 'test-1',
      source: {
        bucket: BUCKET,
        prefix: PREFIX,
        endpoint: endpoint.startsWith('http') ? endpoint : '',
        weightsBucket: WEIGHTS_BUCKET,
        weightsPrefix: WEIGHTS_PREFIX,
      },
    },
  });
  // file:// endpoints are accepted by the step (the schema may lag behind).
  config.databases.source.endpoint = endpoint;
  return config;
}

export interface Fixture {
  manifest: DatabaseManifest;
  /** bucket -> key -> bytes */
  objects: Map<string, Map<string, Buffer>>;
  /** Expected file contents relative to databases.root. */
  files: Record<string, Buffer>;
}

/** Four databases covering every unpack kind and both sources. */
export function buildFixture(work: string): Fixture {
  const alphaFasta = fastaText(20000, 'alpha'); // with alphaIdx, ~1.4 MB of archive: several parts at a 128-256 KiB part size
  const alphaIdx = randomBytes(1_000_000);
  const alphaTar = tarGz(work, { 'alpha.fasta': alphaFasta, 'alpha_a3m.ffindex': alphaIdx });
  const betaFa = fastaText(3000, 'beta');
  const w1 = randomBytes(700_000);
  const w2 = randomBytes(1000);
  const cif1 = Buffer.from('data_1ABC\n_entry.id 1ABC\n');
  const cif2 = Buffer.from('data_2XYZ\n_entry.id 2XYZ\n');
  const obsolete = Buffer.from('OBSLTE    01-JAN-20 1OLD     2NEW\n');
  const objects = new Map<string, Map<string, Buffer>>([
    [
      BUCKET,
      new Map([
        [`${PREFIX}alpha.tar.gz`, alphaTar],
        [`${PREFIX}beta.fa.gz`, gz(betaFa)],
        [`${PREFIX}delta/mmcif/1abc.cif.gz`, gz(cif1)],
        [`${PREFIX}delta/mmcif/2xyz.cif.gz`, gz(cif2)],
        [`${PREFIX}delta/obsolete.dat`, obsolete],
      ]),
    ],
    [
      WEIGHTS_BUCKET,
      new Map([
        [`${WEIGHTS_PREFIX}w1.pt`, w1],
        [`${WEIGHTS_PREFIX}sub/w2.pt`, w2],
      ]),
    ],
  ]);
  const manifest: DatabaseManifest = {
    preset: 'test',
    version: 'test-1',
    databases: [
      {
        name: 'alpha',
        source: 'databases',
        objects: [{ key: 'alpha.tar.gz', unpack: 'tar.gz', sha256: sha256(alphaTar) }],
        expect: ['alpha/alpha.fasta', 'alpha/alpha_*'],
      },
      { name: 'beta', source: 'databases', objects: [{ key: 'beta.fa.gz', unpack: 'gz' }], expect: ['beta/beta.fa'] },
      {
        name: 'gamma',
        source: 'weights',
        objects: [{ key: '', prefix: true, unpack: 'none' }],
        expect: ['gamma/w1.pt', 'gamma/sub/w2.pt'],
      },
      {
        name: 'delta',
        source: 'databases',
        objects: [
          { key: 'delta/mmcif/', prefix: true, unpack: 'gz', dest: 'mmcif_files' },
          { key: 'delta/obsolete.dat', unpack: 'none' },
        ],
        expect: ['delta/mmcif_files/', 'delta/obsolete.dat'],
        refresh: 'incremental',
      },
    ],
  };
  const files: Record<string, Buffer> = {
    'alpha/alpha.fasta': alphaFasta,
    'alpha/alpha_a3m.ffindex': alphaIdx,
    'beta/beta.fa': betaFa,
    'gamma/w1.pt': w1,
    'gamma/sub/w2.pt': w2,
    'delta/mmcif_files/1abc.cif': cif1,
    'delta/mmcif_files/2xyz.cif': cif2,
    'delta/obsolete.dat': obsolete,
  };
  return { manifest, objects, files };
}

/** Lays the objects out as a file:// mirror: DIR/<bucket>/<key>. */
export function writeMirror(dir: string, objects: Fixture['objects']): void {
  for (const [bucket, keys] of objects)
    for (const [key, data] of keys) {
      mkdirSync(dirname(join(dir, bucket, key)), { recursive: true });
      writeFileSync(join(dir, bucket, key), data);
    }
}

/** A member of a hand-made tar archive (ustar): a file, or what an archive should never install. */
export interface TarMember {
  name: string;
  type: 'file' | 'hardlink' | 'symlink' | 'chardev' | 'fifo' | 'dir';
  data?: Buffer;
  linkname?: string;
  mode?: number;
}

const TYPEFLAG: Record<TarMember['type'], string> = { file: '0', hardlink: '1', symlink: '2', chardev: '3', dir: '5', fifo: '6' };

/** A ustar archive of the members (uncompressed), built byte by byte: no special files are needed to make it. */
export function ustar(members: TarMember[]): Buffer {
  const blocks: Buffer[] = [];
  for (const m of members) {
    const h = Buffer.alloc(512);
    const field = (value: string, offset: number, length: number) => h.write(value, offset, length, 'utf8');
    const octal = (n: number, offset: number, length: number) => field(n.toString(8).padStart(length - 1, '0'), offset, length - 1);
    const data = m.type === 'file' ? (m.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    field(m.name, 0, 100);
    octal(m.mode ?? (m.type === 'dir' ? 0o755 : 0o644), 100, 8);
    octal(0, 108, 8);
    octal(0, 116, 8);
    octal(data.length, 124, 12);
    octal(1_700_000_000, 136, 12);
    h.fill(' ', 148, 156);
    field(TYPEFLAG[m.type], 156, 1);
    field(m.linkname ?? '', 157, 100);
    field('ustar\x0000', 257, 8);
    if (m.type === 'chardev') {
      octal(1, 329, 8); // major 1, minor 3: /dev/null
      octal(3, 337, 8);
    }
    let sum = 0;
    for (const b of h) sum += b;
    field(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
