// The CAMEO benchmark targets: the 92 CAMEO 3D targets (2022-04-09 .. 2022-07-02) of the AWS sample this
// project grew from. Downloaded at run time from their public source, pinned by commit and checksum, and
// cached; never copied into the project.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const CAMEO_SOURCE = {
  url: 'https://raw.githubusercontent.com/aws-samples/aws-do-openfold-inference/26a35592e2c42eb4455ec09ba599c5d2b4c8a774/cameo/cameo_protein_targets.fasta',
  sha256: '5561d0628390ecdc675c6c3dcfc37971d52163d344cca2518b4be429187c802e',
  targets: 92,
  residues: 25326,
  /** The earliest target was released on 2022-04-09: templates must be older than that. */
  maxTemplateDate: '2022-04-08',
} as const;

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'openfold-argo', 'cameo');
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export interface FetchCameoOptions {
  /** Where the verified file is cached. @default $XDG_CACHE_HOME/openfold-argo/cameo */
  cacheDir?: string;
  /** Override the source (a mirror). @default CAMEO_SOURCE.url */
  url?: string;
  /** Expected sha256. @default CAMEO_SOURCE.sha256 */
  sha256?: string;
}

/** Path of the verified CAMEO FASTA, downloading it once; a cached copy that fails its checksum is replaced. */
export async function fetchCameoTargets(opts: FetchCameoOptions = {}): Promise<string> {
  const expected = opts.sha256 ?? CAMEO_SOURCE.sha256;
  const file = join(opts.cacheDir ?? defaultCacheDir(), `cameo_protein_targets.${expected.slice(0, 12)}.fasta`);
  try {
    if (sha256(readFileSync(file)) === expected) return file;
  } catch {
    // not cached yet
  }
  const url = opts.url ?? CAMEO_SOURCE.url;
  let body: Buffer;
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = Buffer.from(await res.arrayBuffer());
  } catch (e) {
    throw new Error(`cannot download the CAMEO targets from ${url}: ${(e as Error).message}`);
  }
  const got = sha256(body);
  if (got !== expected) throw new Error(`the CAMEO targets from ${url} have sha256 ${got}, expected ${expected}: refusing to use them`);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, body);
  renameSync(tmp, file);
  return file;
}
