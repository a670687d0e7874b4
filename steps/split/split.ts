// The split step: one multi-FASTA (a path or an s3:// URL) in; per-target FASTA files, the manifest, the plan
// and the fan-out list out. Everything is built in a hidden sibling directory and renamed into place at the
// end, so a failed split leaves nothing that looks like output, and a rerun of the same input is idempotent.
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { AlignMode, Config } from '../../generators/config/types.js';
import { UserError } from '../../common/errors.js';
import { decodeFastaBytes, FastaError, parseFasta, type FastaRecord } from './fasta.js';
import { assignTags } from './tags.js';
import { chunkItems, limitsFromConfig, planRun, type Plan } from './plan.js';
import { estimatePlan, type Estimate } from '../../estimate/estimate.js';

export interface ManifestTarget {
  tag: string;
  header: string;
  length: number;
  /** Hex sha256 of the normalised sequence (upper case, B/J/O/U/Z as X). */
  sha256: string;
  duplicateOf?: string;
}

export interface SplitManifest {
  targets: ManifestTarget[];
}

export interface SplitOptions {
  /** A FASTA path (plain or gzip) or an s3://bucket/key URL. */
  input: string;
  /** The split directory to write (RUN/split). */
  out: string;
  config: Config;
  /** The run's align mode (the pipeline's align-mode parameter), for the estimate; default alignment.mode. */
  alignMode?: AlignMode;
}

export interface SplitSummary {
  out: string;
  targets: number;
  duplicates: number;
  residues: number;
  chunks: number;
  alignGroups: number;
  targetsPerAlignGroup: number;
  /** Records whose B/J/O/U/Z letters were written as X. */
  mappedToX: { tag: string; count: number }[];
  /** created: a new directory; replaced: an identical earlier split was swapped for this one. */
  installed: 'created' | 'replaced';
  /** The run's estimate, also written to split/estimate.json; null when it could not be made. */
  estimate: Estimate | null;
  estimateError?: string;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The manifest entries for parsed records: tags, lengths, hashes, and duplicateOf for repeated sequences. */
export function manifestFor(records: FastaRecord[]): SplitManifest {
  const tags = assignTags(records.map((r) => r.header));
  const firstBySha = new Map<string, string>();
  const targets = records.map((r, i): ManifestTarget => {
    const sha256 = sha256Hex(r.sequence);
    const original = firstBySha.get(sha256);
    if (original === undefined) firstBySha.set(sha256, tags[i]);
    return { tag: tags[i], header: r.header, length: r.sequence.length, sha256, ...(original ? { duplicateOf: original } : {}) };
  });
  return { targets };
}

export const json = (value: unknown, pretty = true): string => `${JSON.stringify(value, null, pretty ? 2 : undefined)}\n`;

type S3Download = (url: string, dest: string, opts: { endpoint?: string; region?: string }) => Promise<void>;

/** steps/databases/s3 is another step's module: loaded only for s3:// input. */
async function loadS3Download(): Promise<S3Download> {
  const specifier = '../databases/s3.js';
  try {
    const mod = (await import(specifier)) as { downloadS3Url?: S3Download };
    if (typeof mod.downloadS3Url !== 'function') throw new Error('steps/databases/s3 does not export downloadS3Url');
    return mod.downloadS3Url;
  } catch (e) {
    throw new UserError(`s3:// input needs the S3 downloader (steps/databases/s3): ${(e as Error).message}`, 1);
  }
}

/** The input's bytes: a file, or an s3:// object (unsigned GET). */
export async function readInput(input: string, config: Config): Promise<Uint8Array> {
  if (input.startsWith('s3://')) {
    if (!/^s3:\/\/[^/]+\/.+/.test(input)) throw new UserError(`${input}: expected s3://bucket/key`, 2);
    const download = await loadS3Download();
    const scratch = await mkdtemp(join(tmpdir(), 'openfold-argo-split-'));
    try {
      const dest = join(scratch, 'input.fasta');
      const { endpoint, region } = config.databases.source;
      try {
        await download(input, dest, { endpoint: endpoint || undefined, region });
      } catch (e) {
        throw new UserError(`${input}: download failed: ${(e as Error).message}`, 1);
      }
      return await readFile(dest);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  try {
    return await readFile(input);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${input}: FASTA file not found`, 2);
    if (code === 'EISDIR') throw new UserError(`${input}: is a directory, expected a FASTA file`, 2);
    throw new UserError(`${input}: cannot read (${code ?? String(e)})`, 2);
  }
}

async function writeSplit(
  dir: string,
  records: FastaRecord[],
  manifest: SplitManifest,
  plan: Plan,
  estimate: Estimate | null,
): Promise<void> {
  await mkdir(join(dir, 'fasta'), { recursive: true });
  // A few writes in flight: a shared volume (FSx, NFS) answers many small files faster in parallel.
  let next = 0;
  const writer = async () => {
    while (next < records.length) {
      const i = next++;
      const tag = manifest.targets[i].tag;
      await writeFile(join(dir, 'fasta', `${tag}.fasta`), `>${tag}\n${records[i].sequence}\n`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, writer));
  await writeFile(join(dir, 'manifest.json'), json(manifest));
  await writeFile(join(dir, 'plan.json'), json(plan));
  await writeFile(join(dir, 'chunks.json'), json(chunkItems(plan), false));
  await writeFile(join(dir, 'shared.json'), json([], false));
  if (estimate) await writeFile(join(dir, 'estimate.json'), json(estimate));
}

/** A hidden sibling of `out` to build the split in; removed by the caller. */
export function buildDir(out: string): string {
  return join(dirname(out), `.${basename(out)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([readFile(a), readFile(b)]);
    return x.equals(y);
  } catch {
    return false;
  }
}

/** Moves the finished directory `built` to `out`: new, empty, or an identical earlier split; else refuses. */
export async function install(built: string, out: string): Promise<'created' | 'replaced'> {
  const existing = await lstat(out).catch(() => undefined);
  if (!existing) {
    await rename(built, out);
    return 'created';
  }
  if (!existing.isDirectory()) throw new UserError(`${out}: exists and is not a directory`, 2);
  if ((await readdir(out)).length === 0) {
    await rmdir(out);
    await rename(built, out);
    return 'created';
  }
  const identical =
    (await sameFile(join(built, 'manifest.json'), join(out, 'manifest.json'))) &&
    (await sameFile(join(built, 'plan.json'), join(out, 'plan.json')));
  if (!identical) {
    throw new UserError(`${out}: already holds a different split (or other files); choose a new run directory or remove it first`, 2);
  }
  const old = `${built}.old`;
  await rename(out, old);
  await rename(built, out);
  await rm(old, { recursive: true, force: true });
  return 'replaced';
}

/** Runs the split step; throws UserError (exit 2 for bad input) naming the record, file or directory. */
export async function runSplit(opts: SplitOptions): Promise<SplitSummary> {
  const out = resolve(opts.out);
  const bytes = await readInput(opts.input, opts.config);
  let records: FastaRecord[];
  let manifest: SplitManifest;
  try {
    records = parseFasta(decodeFastaBytes(bytes, opts.input), opts.input);
    manifest = manifestFor(records);
  } catch (e) {
    if (e instanceof FastaError) throw new UserError(e.message, 2);
    throw e;
  }
  const plan = planRun(
    manifest.targets.map(({ tag, length, duplicateOf }) => ({ tag, length, duplicateOf })),
    limitsFromConfig(opts.config),
  );

  // The estimate the report compares the run with (estimate/README.md); a failure to estimate never fails a split.
  let estimate: Estimate | null = null;
  let estimateError: string | undefined;
  try {
    estimate = estimatePlan(plan, manifest.targets, { config: opts.config, mode: opts.alignMode });
  } catch (e) {
    estimateError = (e as Error).message;
  }

  await mkdir(dirname(out), { recursive: true });
  const built = buildDir(out);
  let installed: SplitSummary['installed'];
  try {
    await writeSplit(built, records, manifest, plan, estimate);
    installed = await install(built, out);
  } finally {
    await rm(built, { recursive: true, force: true });
  }
  return {
    out,
    targets: manifest.targets.length,
    duplicates: manifest.targets.filter((t) => t.duplicateOf).length,
    residues: manifest.targets.reduce((n, t) => n + t.length, 0),
    chunks: plan.chunks.length,
    alignGroups: plan.alignGroups.length,
    targetsPerAlignGroup: plan.limits.targetsPerAlignGroup,
    mappedToX: records.flatMap((r, i) => (r.mappedToX > 0 ? [{ tag: manifest.targets[i].tag, count: r.mappedToX }] : [])),
    installed,
    estimate,
    ...(estimateError ? { estimateError } : {}),
  };
}
