// The pipeline's route into the server (inference.mode: server): POST /v1/openfold3/query-set with a query set
// the predict step wrote on the shared volume and the output folder it reads, so the warm model writes exactly
// the files `run_openfold predict` writes in batch mode. Not a NIM route: it takes paths, so it is on only with
// --shared-root, and every path (the query file, its MSA paths, the output folder) must resolve under it.
// The query set is checked by split's code, as a query file given to the predict step is.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { parseQuerySet, QueryError } from '../split/query.js';
import { RequestError } from './nim-request.js';
import type { WorkerJob } from './worker.js';

/** What the predict step sends. */
export interface QuerySetRequest {
  readonly query_json: string;
  readonly output_dir: string;
  readonly seeds: number[];
  readonly diffusion_samples: number;
  readonly structure_format: 'cif' | 'pdb';
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The real path of `p` (of its nearest existing ancestor for a folder not made yet), when it is under root. */
export function underRoot(root: string, p: string): boolean {
  if (!isAbsolute(p) || p.split('/').includes('..')) return false;
  let existing = p;
  while (!existsSync(existing)) existing = dirname(existing);
  const real = realpathSync(existing);
  const top = realpathSync(root);
  return real === top || real.startsWith(top.endsWith(sep) ? top : top + sep);
}

/** Checks the body against the shared root; the worker job to run. Throws RequestError (400) naming the field. */
export function parseQuerySetRequest(body: unknown, sharedRoot: string): WorkerJob {
  if (!isObject(body)) throw new RequestError(400, 'body', 'must be a JSON object');
  for (const key of ['query_json', 'output_dir'] as const) {
    const v = body[key];
    if (typeof v !== 'string' || !underRoot(sharedRoot, v))
      throw new RequestError(400, key, `must be an absolute path under ${sharedRoot}`);
  }
  const seeds = body.seeds;
  if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((s) => Number.isInteger(s) && s >= 0))
    throw new RequestError(400, 'seeds', 'must be a non-empty list of whole numbers');
  const samples = body.diffusion_samples;
  if (!Number.isInteger(samples) || (samples as number) < 1 || (samples as number) > 25)
    throw new RequestError(400, 'diffusion_samples', 'must be a whole number from 1 to 25');
  if (body.structure_format !== 'cif' && body.structure_format !== 'pdb')
    throw new RequestError(400, 'structure_format', 'must be cif or pdb');
  const queryJson = body.query_json as string;
  let text: string;
  try {
    text = readFileSync(queryJson, 'utf8');
  } catch {
    throw new RequestError(400, 'query_json', 'cannot be read');
  }
  try {
    const { set } = parseQuerySet(text, { source: 'query_json', baseDir: dirname(queryJson) });
    for (const [name, q] of Object.entries(set.queries))
      for (const [i, c] of q.chains.entries())
        for (const p of [...(c.main_msa_file_paths ?? []), ...(c.paired_msa_file_paths ?? [])])
          if (!underRoot(sharedRoot, resolve(dirname(queryJson), p)))
            throw new RequestError(400, `query_json: query ${JSON.stringify(name)}: chains[${i}]`, `MSA paths must be under ${sharedRoot}`);
  } catch (e) {
    if (e instanceof QueryError) throw new RequestError(400, 'query_json', e.message);
    throw e;
  }
  return {
    queryJson,
    outputDir: body.output_dir as string,
    seeds: seeds as number[],
    diffusionSamples: samples as number,
    structureFormat: body.structure_format,
  };
}
