// Reference structures for evaluation: the PDB entries' mmCIF files, downloaded from the PDB (RCSB's file
// service by default; any mirror with the same layout), cached, and pinned by sha256. The first download of an
// entry records its checksum in DIR/references.lock.json; later fetches verify against it, and a lock file
// handed in (--lock, e.g. one committed with a benchmark) is enforced from the first download on.
// An entry that is not released yet (404) is reported as such, not as an error: weekly targets are predicted
// days before their structures come out.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** RCSB's download service: `${base}/${ID}.cif.gz`. */
export const DEFAULT_REFERENCES_URL = 'https://files.rcsb.org/download';
export const LOCK_FILE = 'references.lock.json';
const PDB_ID = /^[0-9][A-Z0-9]{3}$/;

export type ReferenceOutcome =
  | { pdb: string; status: 'present' | 'downloaded'; file: string; sha256: string; pinned: boolean }
  | { pdb: string; status: 'not_released'; reason: string }
  | { pdb: string; status: 'failed'; reason: string };

export interface FetchReferencesOptions {
  /** PDB ids (any case); duplicates are fetched once. */
  ids: string[];
  /** Folder the files go to, as <id lower case>.cif.gz (the evaluate step's evaluation.references). */
  dir: string;
  /** @default DEFAULT_REFERENCES_URL */
  baseUrl?: string;
  /** Pinned checksums (id -> sha256); an entry in it must match. */
  lock?: Record<string, string>;
  fetchImpl?: typeof fetch;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export function readLock(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a lock file (${(e as Error).message})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${file}: expected { "<PDB id>": "<sha256>" }`);
  for (const [id, sum] of Object.entries(value))
    if (!PDB_ID.test(id) || typeof sum !== 'string' || !/^[0-9a-f]{64}$/.test(sum))
      throw new Error(`${file}: ${id}: expected a PDB id and a sha256 hex digest`);
  return value as Record<string, string>;
}

function writeAtomic(file: string, body: Buffer | string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, body);
  renameSync(tmp, file);
}

export function referenceFile(dir: string, id: string): string {
  return join(dir, `${id.toLowerCase()}.cif.gz`);
}

/** Downloads what is missing, verifies what is there; one outcome per distinct id. */
export async function fetchReferences(opts: FetchReferencesOptions): Promise<ReferenceOutcome[]> {
  const base = (opts.baseUrl ?? DEFAULT_REFERENCES_URL).replace(/\/+$/, '');
  const doFetch = opts.fetchImpl ?? fetch;
  mkdirSync(opts.dir, { recursive: true });
  const lockFile = join(opts.dir, LOCK_FILE);
  const recorded = readLock(lockFile);
  const pinned = opts.lock ?? {};
  const ids = [...new Set(opts.ids.map((i) => i.toUpperCase()))];
  const outcomes: ReferenceOutcome[] = [];
  for (const pdb of ids) {
    if (!PDB_ID.test(pdb)) {
      outcomes.push({ pdb, status: 'failed', reason: `not a PDB id: ${JSON.stringify(pdb)}` });
      continue;
    }
    const file = referenceFile(opts.dir, pdb);
    const expected = pinned[pdb] ?? recorded[pdb];
    if (existsSync(file)) {
      const got = sha256(readFileSync(file));
      if (!expected || got === expected) {
        recorded[pdb] = got;
        outcomes.push({ pdb, status: 'present', file, sha256: got, pinned: Boolean(pinned[pdb]) });
        continue;
      }
      // A file that fails its checksum is downloaded again.
    }
    const url = `${base}/${pdb}.cif.gz`;
    let res: Response;
    try {
      res = await doFetch(url);
    } catch (e) {
      outcomes.push({ pdb, status: 'failed', reason: `cannot download ${url}: ${(e as Error).message}` });
      continue;
    }
    if (res.status === 404) {
      outcomes.push({ pdb, status: 'not_released', reason: `${url}: 404, not released yet` });
      continue;
    }
    if (!res.ok) {
      outcomes.push({ pdb, status: 'failed', reason: `${url}: HTTP ${res.status}` });
      continue;
    }
    const body = Buffer.from(await res.arrayBuffer());
    const got = sha256(body);
    if (body[0] !== 0x1f || body[1] !== 0x8b) {
      outcomes.push({ pdb, status: 'failed', reason: `${url}: not a gzip file` });
      continue;
    }
    if (expected && got !== expected) {
      outcomes.push({ pdb, status: 'failed', reason: `${url} has sha256 ${got}, expected ${expected}: refusing to use it` });
      continue;
    }
    writeAtomic(file, body);
    recorded[pdb] = got;
    outcomes.push({ pdb, status: 'downloaded', file, sha256: got, pinned: Boolean(pinned[pdb]) });
  }
  const sorted = Object.fromEntries(Object.entries(recorded).sort(([a], [b]) => a.localeCompare(b)));
  writeAtomic(lockFile, `${JSON.stringify(sorted, null, 2)}\n`);
  return outcomes;
}

/** PDB ids named by `pdbid: XXXX` in a FASTA's headers (CAMEO's convention), in order of appearance. */
export function pdbIdsOfFasta(text: string): string[] {
  const ids = [...text.matchAll(/^>.*\bpdbid:\s*([0-9A-Za-z]{4})\b/gm)].map((m) => m[1].toUpperCase());
  return [...new Set(ids)];
}
