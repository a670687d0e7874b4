// The align step's colabfold_server mode: the MSAs of an align group come from a ColabFold MSA server
// (alignment.msaServer.url; opt in per run, since it sends the sequences to that server) instead of local
// searches. One ticket serves every target of the group that is not already done (ColabFold takes several
// sequences per job); a paired target (split's pair_<key>, the protein chains of a complex) gets a ticket/pair
// job. The result is written like a local search: OUT/<tag>/ with ColabFold's file names (uniref.a3m and
// bfd.mgnify30.metaeuk30.smag30.a3m; for a pair, one <chain key>.a3m per chain) and a done-manifest, renamed
// into place when complete, cached under alignment.cacheDir by sequence and server.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../generators/config/types.js';
import { ColabfoldClient, MsaServerError, splitServerA3m, type ClientHooks } from './colabfold-client.js';
import { copyMatchingSync, makeReadOnly, publish, rand, recordWritten } from './files.js';
import { msaDepth } from './formats.js';
import {
  identityKey,
  MANIFEST_FILE,
  MANIFEST_VERSION,
  mismatch,
  readManifest,
  sha256,
  type AlignIdentity,
  type AlignManifest,
} from './manifest.js';

export const UNIREF_A3M = 'uniref.a3m';
export const ENV_A3M = 'bfd.mgnify30.metaeuk30.smag30.a3m';
/** ColabFold's default job modes, as OpenFold3's client sends them (use_env, filter, greedy pairing). */
export const MSA_MODE = 'env';
export const PAIR_MODE = 'pairgreedy-env';

export interface ServerTarget {
  tag: string;
  /** One chain's sequence; for a paired target, the chains' sequences in `partners`. */
  sequence: string;
  partners?: { tag: string; sequence: string }[];
}

export interface ServerAlignOptions {
  config: Config;
  out: string;
  cache?: boolean;
  log?: (line: string) => void;
  hooks?: ClientHooks;
}

export interface ServerResult {
  tag: string;
  outcome: 'aligned' | 'up-to-date' | 'cached';
  dir: string;
}

const round = (s: number) => Math.round(s * 100) / 100;

function identity(t: ServerTarget, config: Config): AlignIdentity {
  const url = config.alignment.msaServer.url.replace(/\/+$/, '');
  const paired = t.partners !== undefined;
  const sequences = paired ? t.partners!.map((p) => `${p.tag}:${p.sequence}`).join('\n') : t.sequence;
  return {
    sequenceSha256: sha256(sequences),
    mode: 'colabfold_server',
    databases: [{ name: 'msaServer', path: url, size: 0, mtime: new Date(0).toISOString() }],
    flags: paired
      ? { colabfold_pair: [`POST ${url}/ticket/pair mode=${PAIR_MODE}`] }
      : { colabfold_msa: [`POST ${url}/ticket/msa mode=${MSA_MODE}`] },
  };
}

/** Files of a target from the job's archive: its block of each A3M. */
function filesOf(t: ServerTarget, extracted: string, sequences: string[]): Record<string, string> {
  const read = (file: string) => {
    try {
      return splitServerA3m(readFileSync(join(extracted, file), 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new MsaServerError(`the server's result has no ${file}`);
      throw e;
    }
  };
  const block = (blocks: Map<number, string>, sequence: string, file: string) => {
    const m = 101 + sequences.indexOf(sequence);
    const text = blocks.get(m);
    if (!text) throw new MsaServerError(`the server's ${file} has no block >${m} for ${t.tag}`);
    return text;
  };
  if (t.partners) {
    const pair = read('pair.a3m');
    return Object.fromEntries(t.partners.map((p) => [`${p.tag}.a3m`, block(pair, p.sequence, 'pair.a3m')]));
  }
  return { [UNIREF_A3M]: block(read(UNIREF_A3M), t.sequence, UNIREF_A3M), [ENV_A3M]: block(read(ENV_A3M), t.sequence, ENV_A3M) };
}

function extract(archive: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'ofa-msa-server-'));
  writeFileSync(join(dir, 'out.tar.gz'), archive);
  try {
    // ColabFold's archives are flat (uniref.a3m, ..., pdb70.m8); nothing is extracted outside `dir`.
    execFileSync('tar', ['-xzf', 'out.tar.gz', '--no-same-owner', '--no-same-permissions'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new MsaServerError(
      `the server's result is not a readable tar.gz: ${((e as { stderr?: Buffer }).stderr ?? '').toString().trim()}`,
    );
  }
  return dir;
}

function write(
  t: ServerTarget,
  o: ServerAlignOptions,
  files: Record<string, string>,
  id: AlignIdentity,
  seconds: number,
  batch: number,
): AlignManifest {
  const final = join(o.out, t.tag);
  const tmp = join(o.out, `.tmp-${t.tag}-${process.pid}-${rand()}`);
  mkdirSync(tmp, { recursive: true });
  const depth = Object.fromEntries(Object.entries(files).map(([f, text]) => [f, msaDepth(f, text)]));
  let manifest: AlignManifest;
  try {
    // Written first: the done-manifest records each file's size, sha256 and mtime (manifest.ts).
    const records = Object.fromEntries(
      Object.entries(files).map(([f, text]) => {
        writeFileSync(join(tmp, f), text);
        return [f, recordWritten(join(tmp, f), text)];
      }),
    );
    manifest = {
      version: MANIFEST_VERSION,
      tag: t.tag,
      sequenceSha256: id.sequenceSha256,
      mode: 'colabfold_server',
      tools: { msaServer: id.databases[0].path },
      databases: id.databases,
      searches: Object.keys(files).map((f, i) => ({
        // The first file carries the job's flags; the others came with it.
        name: i === 0 ? Object.keys(id.flags)[0] : `${Object.keys(id.flags)[0]}:${f}`,
        output: f,
        ...records[f],
        flags: Object.values(id.flags)[0],
        seconds,
        depth: depth[f],
        exitCode: 0,
        ...(batch > 1 ? { batch } : {}),
      })),
      msaDepth: depth,
      wallSeconds: seconds,
      cached: false,
      completedAt: new Date().toISOString(),
    };
    writeFileSync(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    publish(tmp, final);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return manifest;
}

/** Compares on the job's flags (one per kind), not the per-file search records. */
function upToDate(m: AlignManifest | null, id: AlignIdentity): boolean {
  if (!m || m.mode !== 'colabfold_server' || m.sequenceSha256 !== id.sequenceSha256) return false;
  const primary = { ...m, searches: m.searches.filter((s) => !s.name.includes(':')) };
  return mismatch(primary, id) === null;
}

function fromCache(t: ServerTarget, o: ServerAlignOptions, id: AlignIdentity): boolean {
  if (o.cache === false) return false;
  const entry = join(o.config.alignment.cacheDir, identityKey(id));
  const cached = readManifest(entry);
  if (!upToDate(cached, id)) return false;
  const tmp = join(o.out, `.tmp-${t.tag}-${process.pid}-${rand()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    // Copies checked against the entry's record: a damaged entry is never handed out (and is searched again).
    for (const s of cached!.searches) copyMatchingSync(join(entry, s.output), join(tmp, s.output), s);
    writeFileSync(
      join(tmp, MANIFEST_FILE),
      `${JSON.stringify({ ...cached, tag: t.tag, cached: true, completedAt: new Date().toISOString() }, null, 2)}\n`,
    );
    publish(tmp, join(o.out, t.tag));
    return true;
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    return false;
  }
}

function toCache(t: ServerTarget, o: ServerAlignOptions, id: AlignIdentity, m: AlignManifest): void {
  if (o.cache === false) return;
  const entry = join(o.config.alignment.cacheDir, identityKey(id));
  if (readManifest(entry)) return;
  const tmp = `${entry}.tmp-${process.pid}-${rand()}`;
  try {
    mkdirSync(tmp, { recursive: true });
    for (const s of m.searches) {
      copyMatchingSync(join(o.out, t.tag, s.output), join(tmp, s.output), s);
      makeReadOnly(join(tmp, s.output)); // cache entries are never written again
    }
    writeFileSync(join(tmp, MANIFEST_FILE), `${JSON.stringify(m, null, 2)}\n`);
    publish(tmp, entry);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    (o.log ?? console.log)(`align ${t.tag}: warning: cannot write the cache at ${entry}: ${(e as Error).message}`);
  }
}

/** Runs one server job for `targets` (all chains, or one pair) and writes each target's folder. */
async function runJob(
  client: ColabfoldClient,
  targets: ServerTarget[],
  o: ServerAlignOptions,
  ids: Map<string, AlignIdentity>,
): Promise<void> {
  const paired = targets[0].partners !== undefined;
  const sequences = paired ? targets[0].partners!.map((p) => p.sequence) : [...new Set(targets.map((t) => t.sequence))];
  const started = Date.now();
  const archive = await client.run(paired ? 'ticket/pair' : 'ticket/msa', sequences, paired ? PAIR_MODE : MSA_MODE);
  const seconds = round((Date.now() - started) / 1000);
  const dir = extract(archive);
  try {
    for (const t of targets) {
      const m = write(t, o, filesOf(t, dir, sequences), ids.get(t.tag)!, seconds, targets.length);
      toCache(t, o, ids.get(t.tag)!, m);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Aligns the targets with the MSA server: done and cached ones first, then one job for the chains, one per pair. */
export async function alignWithServer(targets: ServerTarget[], o: ServerAlignOptions): Promise<ServerResult[]> {
  const log = o.log ?? console.log;
  const s = o.config.alignment.msaServer;
  const client = new ColabfoldClient(
    { url: s.url, userAgent: s.userAgent, pollSeconds: s.pollSeconds, maxWaitMinutes: s.maxWaitMinutes, maxRetries: s.maxRetries },
    { log, ...o.hooks },
  );
  mkdirSync(o.out, { recursive: true });
  const ids = new Map(targets.map((t) => [t.tag, identity(t, o.config)]));
  const results = new Map<string, ServerResult>();
  const pending: ServerTarget[] = [];
  for (const t of targets) {
    const dir = join(o.out, t.tag);
    if (upToDate(readManifest(dir), ids.get(t.tag)!)) {
      log(`align ${t.tag}: up to date (${dir})`);
      results.set(t.tag, { tag: t.tag, outcome: 'up-to-date', dir });
    } else if (fromCache(t, o, ids.get(t.tag)!)) {
      log(`align ${t.tag}: from the cache`);
      results.set(t.tag, { tag: t.tag, outcome: 'cached', dir });
    } else pending.push(t);
  }
  const chains = pending.filter((t) => !t.partners);
  if (chains.length) await runJob(client, chains, o, ids);
  for (const pair of pending.filter((t) => t.partners)) await runJob(client, [pair], o, ids);
  for (const t of pending) results.set(t.tag, { tag: t.tag, outcome: 'aligned', dir: join(o.out, t.tag) });
  return targets.map((t) => results.get(t.tag)!);
}
