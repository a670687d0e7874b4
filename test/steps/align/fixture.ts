// Tiny demo databases for the align tests and the benchmark, each built once per the options it depends on
// and generator version into the system temp folder (the build is deterministic, so a finished copy can be
// reused), and
// a workspace: a volume mount with those databases, a config file and a FASTA.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildDemoDatabases,
  resolveDemoOptions,
  type DemoDatabase,
  type DemoDataOptions,
  type ResolvedDemoOptions,
} from '../../../demo/data/build.js';
import { CLI, tempDir } from '../../helpers/env.js';

export const TINY: DemoDataOptions = { queries: 2, familySize: 12, decoys: 60, decoyClusters: 4, clusterSize: 6, templatesPerFamily: 1 };

export const ALIGN_TOOLS = ['jackhmmer', 'hhblits', 'hhsearch', 'hhmake', 'ffindex_build', 'ffindex_apply', 'mmseqs'];
export const INSTALL = 'apt-get install hmmer hhsuite mmseqs2';

let version: string | undefined;
function generatorVersion(): string {
  if (version) return version;
  const dir = fileURLToPath(new URL('../../../demo/data/', import.meta.url));
  const h = createHash('sha256');
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort())
    h.update(readFileSync(join(dir, f)));
  version = h.digest('hex');
  return version;
}

/** The options each database's bytes depend on: a database is rebuilt only when one of them changes. */
const INPUTS: Record<DemoDatabase, Array<keyof ResolvedDemoOptions>> = {
  uniref90: ['queries', 'familySize', 'decoys', 'seed'],
  mgnify: ['queries', 'familySize', 'decoys', 'seed'],
  bfd: ['queries', 'familySize', 'clusterSize', 'decoyClusters', 'seed'],
  uniref30: ['queries', 'familySize', 'clusterSize', 'decoyClusters', 'seed'],
  pdb70: ['queries', 'templatesPerFamily', 'clusterSize', 'decoyClusters', 'seed'],
  uniref30Mmseqs: ['queries', 'familySize', 'mmseqsDecoys', 'mmseqsIndex', 'mmseqsLayout', 'seed'],
  colabfoldEnv: ['queries', 'familySize', 'mmseqsDecoys', 'mmseqsIndex', 'seed'],
};

const CACHE = join(tmpdir(), 'openfold-argo-demo-db');
const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** Where one database of an option set is cached (its databases.paths folder inside). */
export function databaseCacheDir(db: DemoDatabase, opts: DemoDataOptions): string {
  const o = resolveDemoOptions(opts);
  const inputs = Object.fromEntries(INPUTS[db].map((k) => [k, o[k]]));
  return join(CACHE, `${db}-${hash(JSON.stringify({ db, inputs, path: o.paths[db] }) + generatorVersion())}`);
}

/** Runs `build` into a temporary sibling of `dir` and renames it into place, unless `dir` is complete already. */
async function buildOnce(dir: string, build: (tmp: string) => Promise<unknown>): Promise<string> {
  if (existsSync(join(dir, '.complete'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  await build(tmp);
  writeFileSync(join(tmp, '.complete'), '');
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another test file finished first
  }
  return dir;
}

/**
 * A databases root (databases.root layout) for an option set: each database built on first use and cached on
 * its own (the build is deterministic: a finished copy is reused), so a benchmark that changes only the FASTA
 * sizes does not rebuild the HH-suite databases.
 */
export async function demoDatabases(opts: DemoDataOptions = TINY): Promise<string> {
  const o = resolveDemoOptions(opts);
  const built = await Promise.all(
    o.only.map(async (db) => ({
      db,
      dir: await buildOnce(databaseCacheDir(db, opts), (tmp) => buildDemoDatabases(tmp, { ...opts, only: [db] })),
    })),
  );
  return buildOnce(join(CACHE, `set-${hash(built.map((b) => b.dir).join('\n'))}`), async (tmp) => {
    mkdirSync(tmp, { recursive: true });
    for (const { db, dir } of built) {
      const folder = o.paths[db].split('/')[0];
      if (existsSync(join(tmp, folder))) throw new Error(`demo database ${db} shares the folder ${folder} with another`);
      symlinkSync(join(dir, folder), join(tmp, folder));
    }
  });
}

export interface Workspace {
  mount: string;
  config: string;
  databases: string;
  cacheDir: string;
}

/** A volume mount whose databases/ links to `dbDir`; config.json points the volume there. */
export function workspace(dbDir: string, extra: Record<string, unknown> = {}): Workspace {
  const mount = tempDir('ofa-align-');
  symlinkSync(dbDir, join(mount, 'databases'));
  const config = join(mount, 'config.json');
  writeFileSync(config, JSON.stringify({ volume: { mountPath: mount }, ...extra }));
  return { mount, config, databases: join(mount, 'databases'), cacheDir: join(mount, 'cache', 'alignments') };
}

export function writeFasta(dir: string, name: string, records: Array<[string, string]>): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, records.map(([h, s]) => `>${h}\n${s}\n`).join(''));
  return file;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, seconds: (Date.now() - started) / 1000 }));
  });
}

/** A folder of executable stand-ins that shadow real tools on PATH (test doubles). */
export function standIns(scripts: Record<string, string>): string {
  const dir = tempDir('ofa-standin-');
  for (const [name, body] of Object.entries(scripts)) writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return dir;
}
