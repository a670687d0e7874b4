// OpenFold3 query sets (its `--query_json` format): reading, checking and normalising them before a run.
// The field names, molecule types and the rules below are OpenFold3 0.5.0's own
// (openfold3/projects/of3_all_atom/config/inference_query_format.py): a chain forbids unknown keys, a query
// ignores them (we refuse them: a misspelt `use_msa` would silently change a prediction), molecule types are
// matched case-insensitively, `chain_ids` may be one string or a list (identical copies).
// Every problem is one line naming the file, the query and the field.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseSmiles, SmilesError } from './smiles.js';

export type MoleculeType = 'protein' | 'rna' | 'dna' | 'ligand';
export const MOLECULE_TYPES: readonly MoleculeType[] = ['protein', 'rna', 'dna', 'ligand'];

export interface QueryChain {
  molecule_type: MoleculeType;
  chain_ids: string[];
  description?: string;
  sequence?: string;
  non_canonical_residues?: Record<string, string>;
  smiles?: string;
  ccd_codes?: string[];
  sdf_file_path?: string;
  main_msa_file_paths?: string[];
  paired_msa_file_paths?: string[];
  template_alignment_file_path?: string;
  template_entry_chain_ids?: string[];
  template_cif_paths?: string[];
  template_cif_chain_ids?: (string | null)[];
  cyclic?: boolean;
}

export interface Query {
  chains: QueryChain[];
  use_msas?: boolean;
  use_main_msas?: boolean;
  use_paired_msas?: boolean;
  covalent_bonds?: unknown[];
  pocket_constraint?: Record<string, unknown>;
}

export interface QuerySet {
  queries: Record<string, Query>;
}

export class QueryError extends Error {
  override name = 'QueryError';
}

const CHAIN_KEYS = new Set([
  'molecule_type',
  'chain_ids',
  'description',
  'sequence',
  'non_canonical_residues',
  'smiles',
  'ccd_codes',
  'sdf_file_path',
  'main_msa_file_paths',
  'paired_msa_file_paths',
  'template_alignment_file_path',
  'template_entry_chain_ids',
  'template_cif_paths',
  'template_cif_chain_ids',
  'cyclic',
]);
const QUERY_KEYS = new Set(['chains', 'use_msas', 'use_main_msas', 'use_paired_msas', 'covalent_bonds', 'pocket_constraint', 'query_name']);
const TOP_KEYS = new Set(['queries', 'seeds']);

/** Chain ids name mmCIF chains (label_asym_id): short, letters and digits. */
export const CHAIN_ID = /^[A-Za-z0-9]{1,4}$/;
/** CCD component ids: up to 5 upper-case letters and digits (wwPDB extended ids). */
export const CCD_CODE = /^[A-Z0-9]{1,5}$/;
const RESIDUES: Record<Exclude<MoleculeType, 'ligand'>, RegExp> = {
  protein: /^[A-Z]+$/,
  rna: /^[ACGUN]+$/,
  dna: /^[ACGTN]+$/,
};
const RESIDUE_NAMES: Record<Exclude<MoleculeType, 'ligand'>, string> = {
  protein: 'letters A-Z',
  rna: 'A, C, G, U or N',
  dna: 'A, C, G, T or N',
};

export interface ReadOptions {
  /** Names the input in messages (the file path). */
  source: string;
  /** Relative file paths in the queries resolve against this directory (the query file's). */
  baseDir: string;
}

export interface QueryNotes {
  /** Human-readable notes (not errors): lower case made upper case, letters OpenFold3 reads as UNK. */
  notes: string[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const show = (v: unknown) => JSON.stringify(v)?.slice(0, 80) ?? String(v);

class Checker {
  constructor(
    private readonly o: ReadOptions,
    private readonly name: string,
  ) {}

  fail(field: string, problem: string): never {
    throw new QueryError(`${this.o.source}: query ${JSON.stringify(this.name)}: ${field}: ${problem}`);
  }

  stringList(value: unknown, field: string, allowSingle = true): string[] {
    const list = allowSingle && typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || list.length === 0) this.fail(field, `must be a non-empty list of strings, got ${show(value)}`);
    list.forEach((v, i) => {
      if (typeof v !== 'string' || v === '') this.fail(`${field}[${i}]`, `must be a non-empty string, got ${show(v)}`);
    });
    return list as string[];
  }

  bool(value: unknown, field: string): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') this.fail(field, `must be true or false, got ${show(value)}`);
    return value;
  }

  /** An existing file (or directory when allowed) on this machine; relative paths against the query file. */
  path(value: unknown, field: string, dirOk: boolean): string {
    if (typeof value !== 'string' || value === '') this.fail(field, `must be a file path, got ${show(value)}`);
    const full = isAbsolute(value) ? value : resolve(this.o.baseDir, value);
    if (!existsSync(full)) this.fail(field, `${full}: not found`);
    if (!dirOk && statSync(full).isDirectory()) this.fail(field, `${full}: is a directory, expected a file`);
    return full;
  }
}

function moleculeType(c: Checker, value: unknown, field: string): MoleculeType {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < MOLECULE_TYPES.length) return MOLECULE_TYPES[value];
  const lower = typeof value === 'string' ? value.toLowerCase() : undefined;
  if (!lower || !(MOLECULE_TYPES as readonly string[]).includes(lower))
    c.fail(field, `unknown molecule type ${show(value)} (expected protein, rna, dna or ligand)`);
  return lower as MoleculeType;
}

function checkSequence(
  c: Checker,
  type: Exclude<MoleculeType, 'ligand'>,
  value: unknown,
  field: string,
  notes: string[],
  where: string,
): string {
  if (typeof value !== 'string') c.fail(field, `a ${type} chain needs a sequence, got ${show(value)}`);
  const sequence = value.replace(/\s+/g, '');
  if (sequence === '') c.fail(field, 'empty sequence');
  const upper = sequence.toUpperCase();
  if (!RESIDUES[type].test(upper)) {
    const at = [...upper].findIndex((ch) => !RESIDUES[type].test(ch));
    c.fail(field, `residue ${at + 1} is ${show(sequence[at])}; a ${type} sequence has ${RESIDUE_NAMES[type]}`);
  }
  // OpenFold3 looks residues up in upper case only: a lower-case letter would silently become UNK.
  if (upper !== sequence) notes.push(`${where}: lower-case residues written in upper case`);
  if (type === 'protein') {
    const unknown = [...upper].filter((ch) => 'BJOUZ'.includes(ch)).length;
    if (unknown) notes.push(`${where}: ${unknown} residue(s) B/J/O/U/Z: OpenFold3 models them as UNK`);
  }
  return upper;
}

function checkChain(c: Checker, raw: unknown, i: number, o: ReadOptions, notes: string[]): QueryChain {
  const at = `chains[${i}]`;
  if (!isObject(raw)) c.fail(at, `must be an object, got ${show(raw)}`);
  for (const key of Object.keys(raw)) if (!CHAIN_KEYS.has(key)) c.fail(`${at}.${key}`, 'unknown field (OpenFold3 refuses it)');
  const type = moleculeType(c, raw.molecule_type, `${at}.molecule_type`);
  const chainIds = c.stringList(raw.chain_ids, `${at}.chain_ids`);
  chainIds.forEach((id, k) => {
    if (!CHAIN_ID.test(id)) c.fail(`${at}.chain_ids[${k}]`, `chain id ${show(id)} must be 1-4 letters or digits`);
  });
  const chain: QueryChain = { molecule_type: type, chain_ids: chainIds };
  if (raw.description !== undefined) {
    if (typeof raw.description !== 'string') c.fail(`${at}.description`, 'must be a string');
    chain.description = raw.description;
  }
  if (type === 'ligand') {
    for (const key of ['sequence', 'non_canonical_residues', 'main_msa_file_paths', 'paired_msa_file_paths', 'cyclic'] as const)
      if (raw[key] !== undefined) c.fail(`${at}.${key}`, 'not allowed on a ligand chain');
    const given = (['smiles', 'ccd_codes', 'sdf_file_path'] as const).filter((k) => raw[k] !== undefined);
    if (given.length !== 1)
      c.fail(at, `a ligand needs exactly one of smiles, ccd_codes or sdf_file_path, got ${given.length ? given.join(' and ') : 'none'}`);
    if (raw.smiles !== undefined) {
      if (typeof raw.smiles !== 'string') c.fail(`${at}.smiles`, `must be a string, got ${show(raw.smiles)}`);
      try {
        const molecule = parseSmiles(raw.smiles);
        if (molecule.atoms.some((a) => a.element === '*')) c.fail(`${at}.smiles`, 'wildcard atom "*" cannot be predicted');
        if (molecule.heavyAtoms === 0) c.fail(`${at}.smiles`, 'no heavy atom');
      } catch (e) {
        if (e instanceof SmilesError) c.fail(`${at}.smiles`, `invalid SMILES ${show(raw.smiles)}: ${e.message}`);
        throw e;
      }
      chain.smiles = raw.smiles.trim();
    }
    if (raw.ccd_codes !== undefined) {
      chain.ccd_codes = c.stringList(raw.ccd_codes, `${at}.ccd_codes`);
      // structure_with_ref_mols_from_query raises NotImplementedError for more than one code per chain.
      if (chain.ccd_codes.length > 1)
        c.fail(`${at}.ccd_codes`, 'OpenFold3 0.5.0 takes one CCD code per ligand chain: give each component its own chain');
      chain.ccd_codes.forEach((code, k) => {
        if (!CCD_CODE.test(code)) c.fail(`${at}.ccd_codes[${k}]`, `${show(code)} is not a CCD code (1-5 upper-case letters or digits)`);
      });
    }
    // Accepted by the query schema, but structure_with_ref_mols_from_query raises NotImplementedError for it.
    if (raw.sdf_file_path !== undefined)
      c.fail(`${at}.sdf_file_path`, 'OpenFold3 0.5.0 does not read SDF ligands yet: give smiles or ccd_codes');
  } else {
    for (const key of ['smiles', 'ccd_codes', 'sdf_file_path'] as const)
      if (raw[key] !== undefined) c.fail(`${at}.${key}`, `not allowed on a ${type} chain`);
    chain.sequence = checkSequence(
      c,
      type,
      raw.sequence,
      `${at}.sequence`,
      notes,
      `${o.source}: query ${JSON.stringify(c['name'])}: ${at}`,
    );
    if (raw.non_canonical_residues !== undefined) {
      if (!isObject(raw.non_canonical_residues)) c.fail(`${at}.non_canonical_residues`, 'must map residue numbers to CCD codes');
      const map: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw.non_canonical_residues)) {
        const n = Number(k);
        if (!Number.isInteger(n) || n < 1 || n > chain.sequence.length)
          c.fail(`${at}.non_canonical_residues`, `residue number ${show(k)} is outside 1..${chain.sequence.length}`);
        if (typeof v !== 'string' || !CCD_CODE.test(v)) c.fail(`${at}.non_canonical_residues.${k}`, `${show(v)} is not a CCD code`);
        map[String(n)] = v;
      }
      chain.non_canonical_residues = map;
    }
    if (raw.cyclic !== undefined) chain.cyclic = c.bool(raw.cyclic, `${at}.cyclic`);
    for (const key of ['main_msa_file_paths', 'paired_msa_file_paths'] as const) {
      if (raw[key] === undefined) continue;
      if (type === 'dna') c.fail(`${at}.${key}`, 'OpenFold3 uses MSAs for protein and RNA chains only');
      chain[key] = c.stringList(raw[key], `${at}.${key}`).map((p, k) => c.path(p, `${at}.${key}[${k}]`, true));
    }
  }
  if (raw.template_alignment_file_path !== undefined && raw.template_cif_paths !== undefined)
    c.fail(at, 'give template_alignment_file_path or template_cif_paths, not both');
  if (raw.template_alignment_file_path !== undefined)
    chain.template_alignment_file_path = c.path(raw.template_alignment_file_path, `${at}.template_alignment_file_path`, false);
  if (raw.template_entry_chain_ids !== undefined)
    chain.template_entry_chain_ids = c.stringList(raw.template_entry_chain_ids, `${at}.template_entry_chain_ids`);
  if (raw.template_cif_paths !== undefined)
    chain.template_cif_paths = c
      .stringList(raw.template_cif_paths, `${at}.template_cif_paths`)
      .map((p, k) => c.path(p, `${at}.template_cif_paths[${k}]`, false));
  if (raw.template_cif_chain_ids !== undefined) {
    if (!chain.template_cif_paths) c.fail(`${at}.template_cif_chain_ids`, 'needs template_cif_paths');
    const ids = Array.isArray(raw.template_cif_chain_ids) ? raw.template_cif_chain_ids : [raw.template_cif_chain_ids];
    if (ids.length !== chain.template_cif_paths.length)
      c.fail(`${at}.template_cif_chain_ids`, `${ids.length} chain ids for ${chain.template_cif_paths.length} template_cif_paths`);
    chain.template_cif_chain_ids = ids.map((v, k) => {
      if (v !== null && typeof v !== 'string') c.fail(`${at}.template_cif_chain_ids[${k}]`, 'must be a string or null');
      return v as string | null;
    });
  }
  return chain;
}

/** The chain ids a query defines, checked unique; returns chain id -> chain. */
function chainIndex(c: Checker, chains: QueryChain[]): Map<string, { chain: QueryChain; index: number }> {
  const index = new Map<string, { chain: QueryChain; index: number }>();
  chains.forEach((chain, i) =>
    chain.chain_ids.forEach((id) => {
      const earlier = index.get(id);
      if (earlier) c.fail(`chains[${i}].chain_ids`, `duplicate chain id ${show(id)} (also in chains[${earlier.index}])`);
      index.set(id, { chain, index: i });
    }),
  );
  return index;
}

function checkQuery(name: string, raw: unknown, o: ReadOptions, notes: string[]): Query {
  const c: Checker = new Checker(o, name);
  if (!isObject(raw)) c.fail('(query)', `must be an object, got ${show(raw)}`);
  for (const key of Object.keys(raw)) if (!QUERY_KEYS.has(key)) c.fail(key, 'unknown field');
  if (!Array.isArray(raw.chains) || raw.chains.length === 0) c.fail('chains', 'must be a non-empty list');
  const chains = raw.chains.map((ch, i) => checkChain(c, ch, i, o, notes));
  const index = chainIndex(c, chains);
  const query: Query = { chains };
  for (const key of ['use_msas', 'use_main_msas', 'use_paired_msas'] as const) {
    const v = c.bool(raw[key], key);
    if (v !== undefined) query[key] = v;
  }
  if (raw.covalent_bonds !== undefined) {
    if (!Array.isArray(raw.covalent_bonds)) c.fail('covalent_bonds', 'must be a list of atom pairs');
    raw.covalent_bonds.forEach((bond, i) => {
      if (!Array.isArray(bond) || bond.length !== 2) c.fail(`covalent_bonds[${i}]`, 'must be a pair of atoms [chain_id, residue_id, atom]');
      bond.forEach((atom: unknown, k: number) => {
        const field = `covalent_bonds[${i}][${k}]`;
        if (!Array.isArray(atom) || atom.length !== 3) c.fail(field, `must be [chain_id, residue_id, atom], got ${show(atom)}`);
        const [chainId, residue] = atom as unknown[];
        const target = index.get(String(chainId));
        if (!target) c.fail(field, `chain ${show(chainId)} is not in this query`);
        const length = target.chain.sequence?.length ?? (target.chain.ccd_codes?.length || 1);
        if (!Number.isInteger(residue) || (residue as number) < 1 || (residue as number) > length)
          c.fail(field, `residue ${show(residue)} is outside 1..${length} of chain ${String(chainId)}`);
      });
    });
    query.covalent_bonds = raw.covalent_bonds;
    notes.push(`${o.source}: query ${JSON.stringify(name)}: covalent_bonds are accepted but not used by OpenFold3 0.5.0`);
  }
  if (raw.pocket_constraint !== undefined) {
    if (!isObject(raw.pocket_constraint)) c.fail('pocket_constraint', 'must be an object');
    const ligand = index.get(String(raw.pocket_constraint.ligand_chain_id));
    if (!ligand || ligand.chain.molecule_type !== 'ligand')
      c.fail('pocket_constraint.ligand_chain_id', `${show(raw.pocket_constraint.ligand_chain_id)} is not a ligand chain of this query`);
    query.pocket_constraint = raw.pocket_constraint;
  }
  return query;
}

/** Reads a parsed query-set document; throws QueryError naming the query and field of the first problem. */
export function checkQuerySet(doc: unknown, o: ReadOptions): { set: QuerySet; notes: string[] } {
  if (!isObject(doc)) throw new QueryError(`${o.source}: expected a JSON object with "queries"`);
  for (const key of Object.keys(doc)) if (!TOP_KEYS.has(key)) throw new QueryError(`${o.source}: ${key}: unknown top-level field`);
  if (!isObject(doc.queries) || Object.keys(doc.queries).length === 0)
    throw new QueryError(`${o.source}: queries: must be a non-empty object of named queries`);
  const notes: string[] = [];
  if (doc.seeds !== undefined)
    notes.push(`${o.source}: "seeds" is ignored (OpenFold3 takes seeds from its runner settings: set openfold3.seeds in the config)`);
  const queries: Record<string, Query> = {};
  for (const [name, raw] of Object.entries(doc.queries)) {
    if (name.trim() === '') throw new QueryError(`${o.source}: queries: a query has an empty name`);
    queries[name] = checkQuery(name, raw, o, notes);
  }
  return { set: { queries }, notes };
}

/** Parses query-set JSON text (the file's bytes as UTF-8). */
export function parseQuerySet(text: string, o: ReadOptions): { set: QuerySet; notes: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new QueryError(`${o.source}: not valid JSON (${(e as Error).message})`);
  }
  return checkQuerySet(doc, o);
}
