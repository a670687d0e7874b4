// The NIM OpenFold3 request (POST /biology/openfold/openfold3/predict), checked and turned into one OpenFold3
// query. Shapes from NVIDIA's OpenFold3 NIM API reference and example requests (cited in steps/serve/README.md):
//   {"request_id"?, "inputs": [{"input_id"?, "molecules": [{"type": "protein"|"dna"|"rna"|"ligand", "id"?,
//     "sequence" | "ccd_codes" | "smiles", "msa"?: {db: {format: {"alignment", "format"}}}, "paired_msa"?}],
//     "diffusion_samples"? (1-5), "output_format"? ("cif"|"pdb")}]}
// The chains are then checked by split's own code (checkQuerySet), so the server accepts exactly what a pipeline
// run accepts. Every refusal names the field as the request spells it (inputs[0].molecules[1].sequence).
// No request text becomes a path: the query is always named "q", MSA files get names chosen here.
import { checkQuerySet, QueryError, type MoleculeType, type QueryChain } from '../split/query.js';
import { queryTokens } from '../split/tokens.js';
import { OPENFOLD3_MSA_NAMES } from '../predict-openfold3/stage.js';

export interface ServeLimits {
  /** Largest request body, bytes (413 beyond). */
  readonly maxBodyBytes: number;
  /** Longest polymer sequence (413 beyond, naming the molecule). */
  readonly maxSequenceLength: number;
  /** Most OpenFold3 tokens in one input (413 beyond). */
  readonly maxTokens: number;
  /** Most molecules in one input (NIM: 32). */
  readonly maxMolecules: number;
}

export const DEFAULT_LIMITS: ServeLimits = { maxBodyBytes: 8 << 20, maxSequenceLength: 4096, maxTokens: 2048, maxMolecules: 32 };

/** A refusal of the request: the HTTP status, the field (as the request spells it) and why. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    readonly status: 400 | 413,
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** One MSA file to write before the run: where (relative to the request directory) and what. */
export interface MsaFile {
  readonly path: string;
  readonly text: string;
}

export interface PredictInput {
  readonly requestId?: string;
  readonly inputId: string;
  readonly outputFormat: 'cif' | 'pdb';
  readonly diffusionSamples: number;
  /** The OpenFold3 query (named "q"); MSA paths relative to the request directory. */
  readonly chains: QueryChain[];
  readonly msaFiles: MsaFile[];
  readonly tokens: number;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const TYPES: readonly MoleculeType[] = ['protein', 'dna', 'rna', 'ligand'];
const INPUT_KEYS = new Set(['input_id', 'molecules', 'diffusion_samples', 'output_format']);
const MOLECULE_KEYS = new Set(['type', 'id', 'sequence', 'ccd_codes', 'smiles', 'msa', 'paired_msa']);
const KNOWN_MSA = new Set<string>(OPENFOLD3_MSA_NAMES);
const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

function optionalId(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !ID.test(v)) throw new RequestError(400, field, 'must be 1-128 letters, digits or _.:-');
  return v;
}

function alignmentRecords(v: unknown, field: string): { db: string; format: string; text: string }[] {
  if (v === undefined || v === null) return [];
  if (!isObject(v) || Object.keys(v).length === 0) throw new RequestError(400, field, 'must be an object {database: {format: record}}');
  return Object.entries(v).flatMap(([db, byFormat]) => {
    if (!/^[A-Za-z0-9_]{1,64}$/.test(db)) throw new RequestError(400, `${field}`, 'database names are 1-64 letters, digits or _');
    if (!isObject(byFormat)) throw new RequestError(400, `${field}.${db}`, 'must be an object {format: record}');
    return Object.entries(byFormat).map(([format, record]) => {
      const at = `${field}.${db}.${format}`;
      if (format !== 'a3m' && format !== 'sto') throw new RequestError(400, at, 'alignment formats are a3m and sto');
      if (!isObject(record) || typeof record.alignment !== 'string' || record.alignment.trim() === '')
        throw new RequestError(400, `${at}.alignment`, 'must be a non-empty string');
      if (record.format !== undefined && record.format !== format) throw new RequestError(400, `${at}.format`, `must be "${format}"`);
      return { db, format, text: record.alignment };
    });
  });
}

/**
 * A molecule's MSA files under OpenFold3's names (it reads a file only when its stem is one it knows): a database
 * named as OpenFold3 names it keeps its name; other A3Ms are the "main MSA" in ColabFold's sense (the NIM's own
 * wording) and become one colabfold_main.a3m. A protein without an MSA gets its single sequence, as the NIM's
 * minimal example sends it.
 */
function msaFilesFor(m: Json, type: MoleculeType, sequence: string, i: number, field: string): { main: MsaFile[]; paired: MsaFile[] } {
  const main = alignmentRecords(m.msa, `${field}.msa`);
  const paired = alignmentRecords(m.paired_msa, `${field}.paired_msa`);
  if ((main.length || paired.length) && type !== 'protein' && type !== 'rna')
    throw new RequestError(400, `${field}.msa`, `a ${type} takes no MSA`);
  if (paired.length && type !== 'protein') throw new RequestError(400, `${field}.paired_msa`, 'only proteins take a paired MSA');
  const dir = `msas/m${i}`;
  const named = main.filter((r) => KNOWN_MSA.has(r.db)).map((r) => ({ path: `${dir}/${r.db}.${r.format}`, text: r.text }));
  const other = main.filter((r) => !KNOWN_MSA.has(r.db));
  const bad = other.find((r) => r.format !== 'a3m' || type !== 'protein');
  if (bad) throw new RequestError(400, `${field}.msa.${bad.db}`, `OpenFold3 reads this only as a3m of a protein, or under its own names`);
  const colabfold = other.length ? [{ path: `${dir}/colabfold_main.a3m`, text: other.map((r) => r.text.trimEnd()).join('\n') + '\n' }] : [];
  const single = type === 'protein' && main.length === 0 ? [{ path: `${dir}/colabfold_main.a3m`, text: `>query\n${sequence}\n` }] : [];
  const pairedFiles = paired.length
    ? [{ path: `msas/p${i}/colabfold_paired.a3m`, text: paired.map((r) => r.text.trimEnd()).join('\n') + '\n' }]
    : [];
  return { main: [...named, ...colabfold, ...single], paired: pairedFiles };
}

function chainIds(m: Json, field: string): string[] | undefined {
  if (m.id === undefined || m.id === null) return undefined;
  const ids = typeof m.id === 'string' ? [m.id] : m.id;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((x) => typeof x === 'string' && /^[A-Za-z0-9]{1,4}$/.test(x)))
    throw new RequestError(400, `${field}.id`, 'must be 1-4 letters or digits, or a list of them');
  return ids as string[];
}

/** Chain ids A, B, ..., Z, AA, AB, ... skipping the ones the request names. */
export function assignChainIds(given: (string[] | undefined)[]): string[][] {
  const used = new Set(given.flatMap((g) => g ?? []));
  let n = 0;
  const next = () => {
    for (;;) {
      const id = n < 26 ? String.fromCharCode(65 + n) : String.fromCharCode(64 + Math.floor(n / 26)) + String.fromCharCode(65 + (n % 26));
      n++;
      if (!used.has(id)) return id;
    }
  };
  return given.map((g) => g ?? [next()]);
}

/** Maps split's field names (chains[1].sequence) to the request's (inputs[0].molecules[1].sequence). */
export function requestField(splitField: string): string {
  return splitField
    .replace(/^chains\[(\d+)\]/, 'inputs[0].molecules[$1]')
    .replace(/\.molecule_type$/, '.type')
    .replace(/\.chain_ids(\[\d+\])?$/, '.id');
}

function checkedChains(chains: QueryChain[]): QueryChain[] {
  try {
    return checkQuerySet({ queries: { q: { chains } } }, { source: 'request', baseDir: '/' }).set.queries.q.chains;
  } catch (e) {
    if (!(e instanceof QueryError)) throw e;
    const m = /^request: query "q": ([^:]+): (.*)$/s.exec(e.message);
    throw new RequestError(400, m ? requestField(m[1]) : 'inputs[0].molecules', m ? m[2] : e.message);
  }
}

function moleculeChain(m: Json, field: string, maxLength: number): QueryChain {
  for (const key of Object.keys(m)) if (!MOLECULE_KEYS.has(key)) throw new RequestError(400, `${field}.${key}`, 'unknown field');
  const type = typeof m.type === 'string' ? (m.type.toLowerCase() as MoleculeType) : undefined;
  if (!type || !TYPES.includes(type)) throw new RequestError(400, `${field}.type`, 'must be protein, dna, rna or ligand');
  if (type === 'ligand') {
    const ccd = m.ccd_codes === undefined ? undefined : typeof m.ccd_codes === 'string' ? [m.ccd_codes] : m.ccd_codes;
    return {
      molecule_type: type,
      chain_ids: [],
      ...(m.smiles !== undefined ? { smiles: m.smiles as string } : {}),
      ...(ccd !== undefined ? { ccd_codes: ccd as string[] } : {}),
      ...(m.sequence !== undefined ? { sequence: m.sequence as string } : {}),
    };
  }
  if (typeof m.sequence === 'string' && m.sequence.length > maxLength)
    throw new RequestError(413, `${field}.sequence`, `${m.sequence.length} residues; this server takes at most ${maxLength}`);
  for (const key of ['smiles', 'ccd_codes'] as const)
    if (m[key] !== undefined) throw new RequestError(400, `${field}.${key}`, `not allowed on a ${type}`);
  return { molecule_type: type, chain_ids: [], sequence: m.sequence as string };
}

/** Checks a parsed request body; throws RequestError (400/413) naming the field. Pure. */
export function parsePredictRequest(body: unknown, limits: ServeLimits = DEFAULT_LIMITS): PredictInput {
  if (!isObject(body)) throw new RequestError(400, 'body', 'must be a JSON object');
  for (const key of Object.keys(body)) if (key !== 'inputs' && key !== 'request_id') throw new RequestError(400, key, 'unknown field');
  const requestId = optionalId(body.request_id, 'request_id');
  if (!Array.isArray(body.inputs) || body.inputs.length !== 1) throw new RequestError(400, 'inputs', 'must be a list of exactly one input');
  const input = body.inputs[0];
  if (!isObject(input)) throw new RequestError(400, 'inputs[0]', 'must be an object');
  for (const key of Object.keys(input)) if (!INPUT_KEYS.has(key)) throw new RequestError(400, `inputs[0].${key}`, 'unknown field');
  const inputId = optionalId(input.input_id, 'inputs[0].input_id') ?? 'input';
  const format = input.output_format ?? 'cif';
  if (format !== 'cif' && format !== 'pdb') throw new RequestError(400, 'inputs[0].output_format', 'must be "cif" or "pdb"');
  const samples = input.diffusion_samples ?? 1;
  if (!Number.isInteger(samples) || (samples as number) < 1 || (samples as number) > 5)
    throw new RequestError(400, 'inputs[0].diffusion_samples', 'must be an integer from 1 to 5');
  const molecules = input.molecules;
  if (!Array.isArray(molecules) || molecules.length === 0) throw new RequestError(400, 'inputs[0].molecules', 'must be a non-empty list');
  if (molecules.length > limits.maxMolecules)
    throw new RequestError(413, 'inputs[0].molecules', `${molecules.length} molecules; this server takes at most ${limits.maxMolecules}`);
  const fields = molecules.map((_, i) => `inputs[0].molecules[${i}]`);
  molecules.forEach((m, i) => {
    if (!isObject(m)) throw new RequestError(400, fields[i], 'must be an object');
  });
  const ids = assignChainIds((molecules as Json[]).map((m, i) => chainIds(m, fields[i])));
  const raw = (molecules as Json[]).map((m, i) => ({ ...moleculeChain(m, fields[i], limits.maxSequenceLength), chain_ids: ids[i] }));
  const chains = checkedChains(raw);
  const msaFiles: MsaFile[] = [];
  const withMsas = chains.map((c, i) => {
    const files = msaFilesFor(molecules[i] as Json, c.molecule_type, c.sequence ?? '', i, fields[i]);
    msaFiles.push(...files.main, ...files.paired);
    return {
      ...c,
      ...(files.main.length ? { main_msa_file_paths: [`msas/m${i}`] } : {}),
      ...(files.paired.length ? { paired_msa_file_paths: [files.paired[0].path] } : {}),
    };
  });
  const tokens = queryTokens({ chains }).tokens;
  if (tokens > limits.maxTokens)
    throw new RequestError(413, 'inputs[0].molecules', `${tokens} OpenFold3 tokens; this server takes at most ${limits.maxTokens}`);
  return {
    ...(requestId ? { requestId } : {}),
    inputId,
    outputFormat: format,
    diffusionSamples: samples as number,
    chains: withMsas,
    msaFiles,
    tokens,
  };
}
