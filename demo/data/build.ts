// Tiny deterministic stand-ins of OpenFold's databases, built with the suites' own tools, and a file mirror
// of them (tar.gz archives + a database manifest) for the demo's databases step. Used by the align tests,
// the alignment benchmark and the demo. Same options => same bytes: the sequences come from a seeded PRNG,
// the HH-suite indexes are rewritten in sorted order with hhmake's date/command lines fixed, and the
// archives are made with fixed mtimes/owners and `gzip -n`.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { resolveConfig } from '../../generators/config/load.js';
import type { DatabasePaths } from '../../generators/config/types.js';
import type { DatabaseEntry, DatabaseManifest } from '../../steps/databases/manifest.js';
import { cstranslateBinary, runTool } from '../../steps/align/tools.js';
import { clusterA3m, family, fastaRecords, mutateAligned, randomSequence, type Member } from './families.js';
import { createRng } from './prng.js';
import { DEMO_PROTEINS } from './sequences.js';

export type DemoDatabase = 'uniref90' | 'mgnify' | 'bfd' | 'uniref30' | 'pdb70' | 'uniref30Mmseqs' | 'colabfoldEnv';
/** Built by default; colabfoldEnv only when asked for (its databases.paths entry is empty by default). */
export const DEMO_DATABASES: readonly DemoDatabase[] = ['uniref90', 'mgnify', 'bfd', 'uniref30', 'pdb70', 'uniref30Mmseqs'];

export interface DemoDataOptions {
  /** The first N demo proteins seed the families (and make the demo FASTA). @default 4 */
  queries?: number;
  /** Members of each family in each database. @default 30 */
  familySize?: number;
  /** Unrelated sequences in each FASTA database and in the MMseqs2 database. @default 200 */
  decoys?: number;
  /**
   * Unrelated sequences in the MMseqs2 databases, when they should differ from `decoys` (ColabFold's UniRef30
   * is clustered at 30% identity, several times smaller than UniRef90). @default decoys
   */
  mmseqsDecoys?: number;
  /** Unrelated clusters in each HH-suite database. @default 20 */
  decoyClusters?: number;
  /** Sequences per HH-suite cluster. @default 8 */
  clusterSize?: number;
  /** PDB70 entries per family. @default 2 */
  templatesPerFamily?: number;
  /**
   * Precompute the MMseqs2 k-mer index (`createindex`), as ColabFold's databases ship; without it every search
   * indexes the target first. Its bytes are not reproducible, so the mirror leaves it out. @default false
   */
  mmseqsIndex?: boolean;
  /**
   * Layout of the UniRef30 MMseqs2 database: `plain` (one sequence database) or `colabfold` (ColabFold's
   * expandable build: cluster representatives + _seq + _aln, as `mmseqs tsv2exprofiledb` makes it). The
   * colabfoldEnv database always has the ColabFold layout. @default 'plain'
   */
  mmseqsLayout?: 'plain' | 'colabfold';
  /** PRNG seed; another seed gives other (equally deterministic) databases. @default 'openfold-argo-demo' */
  seed?: string;
  /** Databases to build. @default all of DEMO_DATABASES */
  only?: DemoDatabase[];
  /** File names under the root. @default the config's databases.paths defaults */
  paths?: DatabasePaths;
}

const DEFAULT_PATHS: DatabasePaths = resolveConfig({}).databases.paths;

export interface ResolvedDemoOptions extends Required<Omit<DemoDataOptions, 'paths'>> {
  paths: DatabasePaths;
}

/** The options with their defaults applied. */
export function resolveDemoOptions(opts: DemoDataOptions = {}): ResolvedDemoOptions {
  return {
    queries: opts.queries ?? 4,
    familySize: opts.familySize ?? 30,
    decoys: opts.decoys ?? 200,
    mmseqsDecoys: opts.mmseqsDecoys ?? opts.decoys ?? 200,
    decoyClusters: opts.decoyClusters ?? 20,
    clusterSize: opts.clusterSize ?? 8,
    templatesPerFamily: opts.templatesPerFamily ?? 2,
    mmseqsIndex: opts.mmseqsIndex ?? false,
    mmseqsLayout: opts.mmseqsLayout ?? 'plain',
    seed: opts.seed ?? 'openfold-argo-demo',
    only: opts.only ?? [...DEMO_DATABASES],
    paths: opts.paths ?? DEFAULT_PATHS,
  };
}

const seeds = (o: ResolvedDemoOptions) => DEMO_PROTEINS.slice(0, o.queries);

// ---- contents (pure) ----

type FastaDatabase = 'uniref90' | 'mgnify' | 'uniref30Mmseqs' | 'colabfoldEnv';

/**
 * A FASTA database in pieces: each family's members, then decoys of 50-300 residues, 10 000 per piece, so
 * that benchmark-sized databases (gigabytes) stream to disk instead of being held as one string.
 */
export function* fastaDatabaseChunks(db: FastaDatabase, o: ResolvedDemoOptions): Generator<string> {
  const prefix = { uniref90: 'UniRef90_SYN', mgnify: 'MGYP_SYN', uniref30Mmseqs: 'UniRef30_SYN', colabfoldEnv: 'ENV_SYN' }[db];
  for (const p of seeds(o)) {
    const rng = createRng(`${o.seed}/${db}/${p.id}`);
    yield fastaRecords(
      family(p.sequence, rng, { count: o.familySize, prefix: `${prefix}_${p.id}_`, description: `synthetic homolog of ${p.id}` }),
    );
  }
  const rng = createRng(`${o.seed}/${db}/decoys`);
  const decoys = db === 'uniref90' || db === 'mgnify' ? o.decoys : o.mmseqsDecoys;
  let piece: string[] = [];
  for (let i = 1; i <= decoys; i++) {
    piece.push(
      `>${prefix}_decoy_${String(i).padStart(7, '0')} synthetic unrelated sequence\n${randomSequence(rng.between(50, 300), rng)}\n`,
    );
    if (piece.length === 10_000) {
      yield piece.join('');
      piece = [];
    }
  }
  if (piece.length) yield piece.join('');
}

/** The FASTA database as one string (small databases). */
export function fastaDatabase(db: FastaDatabase, o: ResolvedDemoOptions): string {
  return [...fastaDatabaseChunks(db, o)].join('');
}

/** Streams a FASTA database to `file` (temporary name, then rename). */
export async function writeFastaDatabase(file: string, db: FastaDatabase, o: ResolvedDemoOptions): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const out = createWriteStream(tmp);
  for (const piece of fastaDatabaseChunks(db, o)) if (!out.write(piece)) await once(out, 'drain');
  out.end();
  await once(out, 'close');
  renameSync(tmp, file);
}

export interface Cluster {
  name: string;
  a3m: string;
}

/** Clusters of an HH-suite stand-in: each family in groups of clusterSize, then decoy clusters. */
export function hhClusters(db: 'bfd' | 'uniref30', o: ResolvedDemoOptions): Cluster[] {
  const clusters: Cluster[] = [];
  for (const p of seeds(o)) {
    const rng = createRng(`${o.seed}/${db}/${p.id}`);
    const members = family(p.sequence, rng, { count: o.familySize, prefix: `${db}_${p.id}_`, description: `synthetic homolog of ${p.id}` });
    // Interleave identities so each cluster spans close and distant members.
    const groups = Math.ceil(members.length / o.clusterSize);
    const interleaved = Array.from({ length: groups }, (_, g) => members.filter((_, i) => i % groups === g));
    interleaved.forEach((group, k) => clusters.push({ name: `${db}_${p.id}_c${k + 1}`, a3m: clusterA3m(group) }));
  }
  clusters.push(...decoyClusters(db, o));
  return clusters;
}

function decoyClusters(db: string, o: ResolvedDemoOptions, name = (i: number) => `${db}_decoy_c${String(i).padStart(6, '0')}`): Cluster[] {
  const rng = createRng(`${o.seed}/${db}/decoys`);
  const out: Cluster[] = [];
  for (let i = 1; i <= o.decoyClusters; i++) {
    const ancestor = randomSequence(rng.between(50, 300), rng);
    const members: Member[] = Array.from({ length: Math.max(1, Math.min(o.clusterSize, 4)) }, (_, k) => ({
      name: `${name(i)}_${k + 1}`,
      description: 'synthetic unrelated sequence',
      row: k === 0 ? ancestor : mutateAligned(ancestor, rng, { identity: 0.7 }),
    }));
    out.push({ name: name(i), a3m: clusterA3m(members, `${name(i)} synthetic unrelated sequence`) });
  }
  return out;
}

/**
 * Template ids of the PDB70 stand-in: four characters starting with "0" (OpenFold parses hits as
 * PDBID_CHAIN, and no real PDB id starts with 0), so a synthetic template is never mistaken for a structure.
 */
const templateId = (n: number) => `0${n.toString(36).toUpperCase().padStart(3, '0')}_A`;

export function pdb70Clusters(o: ResolvedDemoOptions): Cluster[] {
  const clusters: Cluster[] = [];
  let n = 0;
  for (const p of seeds(o)) {
    const rng = createRng(`${o.seed}/pdb70/${p.id}`);
    for (let t = 0; t < o.templatesPerFamily; t++) {
      const id = templateId(++n);
      const members = family(p.sequence, rng, {
        count: o.clusterSize,
        prefix: `${id}_m`,
        description: `synthetic homolog of ${p.id}`,
        minIdentity: 0.5,
      });
      clusters.push({ name: id, a3m: clusterA3m(members, `${id} synthetic template of the ${p.id} family; no structure`) });
    }
  }
  return [...clusters, ...decoyClusters('pdb70', o, (i) => templateId(n + i))];
}

// ---- building with the tools ----

function writeAtomic(file: string, data: string | Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

interface FfEntry {
  name: string;
  data: Buffer;
}

function readFfindex(prefix: string): FfEntry[] {
  const data = readFileSync(`${prefix}.ffdata`);
  return readFileSync(`${prefix}.ffindex`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, offset, length] = line.split('\t');
      return { name, data: data.subarray(Number(offset), Number(offset) + Number(length)) };
    });
}

/** Rewrites an ffindex database in name order (the tools write entries in thread order). */
function writeFfindexSorted(prefix: string, entries: FfEntry[]): void {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let offset = 0;
  const index = sorted.map((e) => {
    const line = `${e.name}\t${offset}\t${e.data.length}\n`;
    offset += e.data.length;
    return line;
  });
  writeAtomic(`${prefix}.ffdata`, Buffer.concat(sorted.map((e) => e.data)));
  writeAtomic(`${prefix}.ffindex`, index.join(''));
}

// hhmake stamps each HMM with the build date and its own path; fixed values keep the bytes reproducible.
const fixHhm = (data: Buffer) =>
  Buffer.from(
    data
      .toString('latin1')
      .replace(/^COM .*$/gm, 'COM   hhmake -i stdin -o stdout -v 0')
      .replace(/^DATE .*$/gm, 'DATE  Thu Jan  1 00:00:00 1970'),
    'latin1',
  );

function hhsuiteDataDir(): string {
  const candidates = [
    process.env.HHLIB && join(process.env.HHLIB, 'data'),
    '/usr/share/hhsuite/data',
    '/opt/hhsuite/data',
    '/usr/local/data',
  ];
  const found = candidates.find((d) => d && existsSync(join(d, 'cs219.lib')));
  if (!found) throw new Error('hh-suite data (cs219.lib, context_data.lib) not found; set HHLIB');
  return found;
}

/** An HH-suite database (<prefix>_{a3m,hhm,cs219}.ff{data,index}) from cluster A3Ms: ffindex_build, hhmake, cstranslate. */
export async function buildHhDatabase(prefix: string, clusters: Cluster[]): Promise<void> {
  mkdirSync(dirname(prefix), { recursive: true });
  const scratch = mkdtempSync(join(dirname(prefix), '.build-'));
  try {
    const a3mDir = join(scratch, 'a3m');
    mkdirSync(a3mDir);
    for (const c of clusters) writeFileSync(join(a3mDir, c.name), c.a3m);
    const p = (kind: string, ext: string) => `${prefix}_${kind}.${ext}`;
    await runTool('ffindex_build', ['-s', p('a3m', 'ffdata'), p('a3m', 'ffindex'), a3mDir], { label: 'ffindex_build' });
    writeFfindexSorted(`${prefix}_a3m`, readFfindex(`${prefix}_a3m`));
    // hhmake once per cluster (ffindex_apply forks it per entry): the index split over the CPUs.
    const index = readFileSync(p('a3m', 'ffindex'), 'utf8').split('\n').filter(Boolean);
    const parts = Math.max(1, Math.min(availableParallelism(), Math.ceil(index.length / 200)));
    const hhms = await Promise.all(
      Array.from({ length: parts }, async (_, k) => {
        const part = join(scratch, `part${k}`);
        writeFileSync(`${part}_a3m.ffindex`, index.filter((_, i) => i % parts === k).join('\n') + '\n');
        await runTool(
          'ffindex_apply',
          [
            p('a3m', 'ffdata'),
            `${part}_a3m.ffindex`,
            '-i',
            `${part}_hhm.ffindex`,
            '-d',
            `${part}_hhm.ffdata`,
            '--',
            'hhmake',
            '-i',
            'stdin',
            '-o',
            'stdout',
            '-v',
            '0',
          ],
          { label: 'ffindex_apply hhmake' },
        );
        return readFfindex(`${part}_hhm`);
      }),
    );
    writeFfindexSorted(
      `${prefix}_hhm`,
      hhms.flat().map((e) => ({ name: e.name, data: fixHhm(e.data) })),
    );
    const data = hhsuiteDataDir();
    await runTool(
      cstranslateBinary(),
      [
        '-f',
        '-x',
        '0.3',
        '-c',
        '4',
        '-I',
        'a3m',
        '-i',
        `${prefix}_a3m`,
        '-o',
        `${prefix}_cs219`,
        '-A',
        join(data, 'cs219.lib'),
        '-D',
        join(data, 'context_data.lib'),
      ],
      { label: 'cstranslate' },
    );
    writeFfindexSorted(`${prefix}_cs219`, readFfindex(`${prefix}_cs219`));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** An MMseqs2 sequence database from FASTA text (createdb, run on a relative file name so .source is stable). */
export async function buildMmseqsDatabase(prefix: string, write: (fastaFile: string) => Promise<void>, index = false): Promise<void> {
  const dir = dirname(prefix);
  mkdirSync(dir, { recursive: true });
  const input = `${basename(prefix)}.fasta`;
  await write(join(dir, input));
  try {
    await runTool('mmseqs', ['createdb', input, basename(prefix), '--dbtype', '1', '-v', '1'], { label: 'mmseqs createdb', cwd: dir });
    if (index) {
      const tmp = mkdtempSync(join(dir, '.index-'));
      try {
        await runTool('mmseqs', ['createindex', basename(prefix), tmp, '--remove-tmp-files', '1', '-v', '1'], {
          label: 'mmseqs createindex',
          cwd: dir,
        });
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(join(dir, input), { force: true });
  }
}

/**
 * ColabFold's expandable MMseqs2 layout from FASTA text: <prefix>_seq (every sequence), <prefix> (the cluster
 * representatives, searched), <prefix>_aln (each representative's alignments to its members, which
 * `expandaln` adds to a hit) and the headers. ColabFold makes the same databases from TSV files with
 * `tsv2exprofiledb`; here MMseqs2 clusters the sequences itself (one thread, so the clusters are stable).
 */
export async function buildColabfoldMmseqsDatabase(
  prefix: string,
  write: (fastaFile: string) => Promise<void>,
  index = false,
): Promise<void> {
  const dir = dirname(prefix);
  const name = basename(prefix);
  await buildMmseqsDatabase(`${prefix}_seq`, write);
  const scratch = mkdtempSync(join(dir, '.cluster-'));
  const mm = (label: string, args: string[]) => runTool('mmseqs', [...args, '-v', '1'], { label: `mmseqs ${label}`, cwd: dir });
  try {
    const clusters = join(scratch, 'clu');
    await mm('cluster', ['cluster', `${name}_seq`, clusters, join(scratch, 'tmp'), '--min-seq-id', '0.3', '-c', '0.5', '--threads', '1']);
    await mm('align', ['align', `${name}_seq`, `${name}_seq`, clusters, `${name}_aln`, '-a', '-e', 'inf', '--threads', '1']);
    await mm('createsubdb', ['createsubdb', clusters, `${name}_seq`, name]);
    await mm('createsubdb', ['createsubdb', clusters, `${name}_seq_h`, `${name}_h`]);
    if (index) await mm('createindex', ['createindex', name, join(scratch, 'index'), '--remove-tmp-files', '1']);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface BuiltDatabase {
  name: DemoDatabase;
  /** Absolute path as databases.paths names it (a file or a prefix). */
  path: string;
}

/** Builds the chosen stand-in databases under `root` with OpenFold's file names (databases.paths). */
export async function buildDemoDatabases(root: string, opts: DemoDataOptions = {}): Promise<BuiltDatabase[]> {
  const o = resolveDemoOptions(opts);
  // The HH-suite builds spend most of their time loading cstranslate's context library: run them side by side.
  return Promise.all(
    o.only.map(async (name): Promise<BuiltDatabase> => {
      if (!o.paths[name]) throw new Error(`demo database ${name}: no file name in paths.${name}`);
      const path = join(root, o.paths[name]);
      const fasta = (db: FastaDatabase) => (file: string) => writeFastaDatabase(file, db, o);
      if (name === 'uniref90' || name === 'mgnify') await writeFastaDatabase(path, name, o);
      else if (name === 'bfd' || name === 'uniref30') await buildHhDatabase(path, hhClusters(name, o));
      else if (name === 'pdb70') await buildHhDatabase(path, pdb70Clusters(o));
      else if (name === 'colabfoldEnv') await buildColabfoldMmseqsDatabase(path, fasta('colabfoldEnv'), o.mmseqsIndex);
      else if (o.mmseqsLayout === 'colabfold') await buildColabfoldMmseqsDatabase(path, fasta('uniref30Mmseqs'), o.mmseqsIndex);
      else await buildMmseqsDatabase(path, fasta('uniref30Mmseqs'), o.mmseqsIndex);
      return { name, path };
    }),
  );
}

// ---- the mirror ----

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? listFiles(join(dir, d.name)) : [join(dir, d.name)]))
    .sort();
}

/** tar.gz of a folder's files (paths relative to it), byte-reproducible. */
export async function reproducibleTarGz(folder: string, files: string[], out: string): Promise<void> {
  const tmp = `${out}.tmp-${process.pid}`;
  await new Promise<void>((resolvePromise, reject) => {
    const tar = spawn(
      'tar',
      [
        '--sort=name',
        '--mtime=@0',
        '--owner=0',
        '--group=0',
        '--numeric-owner',
        '--mode=u+rw,go+r,go-w',
        '--format=gnu',
        '-C',
        folder,
        '-cf',
        '-',
        '--',
        ...files,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const gzip = spawn('gzip', ['-n', '-6'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const sink = createWriteStream(tmp);
    tar.stdout.pipe(gzip.stdin);
    gzip.stdout.pipe(sink);
    let err = '';
    tar.stderr.on('data', (d) => (err += d));
    gzip.stderr.on('data', (d) => (err += d));
    // Finished when both tools exited 0 and the file is closed, in whatever order those events come.
    let pending = 3;
    const settle = () => {
      if (--pending === 0) resolvePromise();
    };
    sink.on('close', settle);
    sink.on('error', reject);
    const done = (tool: string) => (code: number | null) => {
      if (code !== 0) reject(new Error(`${tool} failed with exit code ${code} packing ${folder}: ${err.trim()}`));
      else settle();
    };
    tar.on('error', reject);
    gzip.on('error', reject);
    tar.on('close', done('tar'));
    gzip.on('close', done('gzip'));
  });
  renameSync(tmp, out);
}

const fileSha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

export interface DemoMirror {
  dir: string;
  manifestFile: string;
  manifest: DatabaseManifest;
}

export interface DemoMirrorOptions extends DemoDataOptions {
  /** The manifest's version label. @default 'demo' */
  version?: string;
}

/**
 * Builds the databases, packs each database folder as <folder>.tar.gz under `dir` and writes
 * `dir/manifest.json` in the databases step's manifest format (unpacked into databases.root/<folder>/).
 */
export async function buildDemoMirror(dir: string, opts: DemoMirrorOptions = {}): Promise<DemoMirror> {
  const o = resolveDemoOptions(opts);
  mkdirSync(dir, { recursive: true });
  const root = mkdtempSync(join(dir, '.build-'));
  try {
    const built = await buildDemoDatabases(root, { ...o, mmseqsIndex: false });
    const entries: DatabaseEntry[] = [];
    for (const b of built) {
      const folder = o.paths[b.name].split('/')[0];
      const files = listFiles(join(root, folder)).map((f) => relative(join(root, folder), f));
      const key = `${folder}.tar.gz`;
      await reproducibleTarGz(join(root, folder), files, join(dir, key));
      const archive = join(dir, key);
      const rel = o.paths[b.name];
      const isFile = statSync(b.path, { throwIfNoEntry: false })?.isFile() ?? false;
      entries.push({
        name: folder,
        source: 'databases',
        objects: [{ key, size: statSync(archive).size, sha256: fileSha256(archive), unpack: 'tar.gz' }],
        expect: isFile
          ? [rel]
          : b.name === 'uniref30Mmseqs' || b.name === 'colabfoldEnv'
            ? [rel, `${rel}.index`]
            : [`${rel}_a3m.ffdata`, `${rel}_hhm.ffdata`, `${rel}_cs219.ffdata`],
      });
    }
    const manifest: DatabaseManifest = { preset: 'demo', version: opts.version ?? 'demo', databases: entries };
    const manifestFile = join(dir, 'manifest.json');
    writeAtomic(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    return { dir, manifestFile, manifest };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
