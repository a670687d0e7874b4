// The database manifest: which objects make up each reference database, how they unpack, and which files
// must exist afterwards. The built-in manifests follow the original sample's S3 layout; a config may point
// `databases.manifest` at a JSON file of the same shape (a mirror, the demo's tiny databases).
import { readFileSync } from 'node:fs';
import type { Config, DatabasePreset, ModelName } from '../../generators/config/types.js';

export type Unpack = 'tar.gz' | 'tar' | 'gz' | 'none';

export interface DatabaseObject {
  /** Key relative to the source's prefix; with `prefix: true`, a key prefix ('' = everything under it). */
  key: string;
  /** Size in bytes when known (checked after the transfer); otherwise taken from HEAD. */
  size?: number;
  /** Hex sha256 of the object when known (checked after the transfer). */
  sha256?: string;
  /**
   * tar.gz / tar: extracted into the database folder; gz: decompressed to the key's base name without `.gz`;
   * none: copied as is. For a prefix, applies to every listed object (tar is not allowed there).
   */
  unpack: Unpack;
  /** The key is a prefix: every object under it is fetched, keeping its path below the prefix. */
  prefix?: boolean;
  /** Sub-folder of the database folder the object(s) land in. @default '' (the database folder itself) */
  dest?: string;
}

export interface DatabaseEntry {
  /** Folder under databases.root, e.g. "uniref90"; also the `--only` name and the workflow task name. */
  name: string;
  /**
   * databases: databases.source.bucket/prefix; weights: databases.source.weightsBucket/weightsPrefix (OpenFold);
   * openfold3: databases.source.openfold3Bucket/openfold3Prefix (OpenFold3's weights).
   */
  source: 'databases' | 'weights' | 'openfold3';
  objects: DatabaseObject[];
  /** Paths or globs (`*`, `?`) relative to databases.root that must exist after unpacking. */
  expect: string[];
  /** The refresh cron updates this database incrementally (pdb_mmcif, pdb_seqres). */
  refresh?: 'incremental';
}

export interface DatabaseManifest {
  preset: string;
  version: string;
  databases: DatabaseEntry[];
}

export const DEFAULT_VERSION = '2022-05';

// Archive names under s3://aws-hcls-ml/public_assets_support_materials/guidance-for-protein-folding/compressed/
// are those of the original sample's download scripts (aws-samples/aws-do-openfold-inference,
// download-openfold-data/scripts). Their sizes and checksums are not published there: size comes from HEAD and
// is checked against the transfer; no sha256 is invented. The ETag is checked when it is a plain MD5.

const openfoldParams: DatabaseEntry = {
  // The OpenFold weights on the Registry of Open Data (s3://openfold/openfold_params/, us-east-1, unsigned).
  // Named after its folder (databases.paths.openfoldParams), which the checkpoint path refers to.
  name: 'openfold_params',
  source: 'weights',
  objects: [{ key: '', prefix: true, unpack: 'none' }],
  expect: ['openfold_params/finetuning_ptm_2.pt'],
};

/** The OpenFold3 weights file of the pinned 0.5.0 (its default checkpoint, openbind-2025-06-30-174k). */
export const OPENFOLD3_WEIGHTS = 'of3-ob-2025-06-30-174k.pt';
export const OPENFOLD3_PARAMS = 'openfold3_params';

const openfold3Params: DatabaseEntry = {
  // Where OpenFold3's setup_openfold downloads it from: s3://openfold3-data/openfold3-parameters/<file>
  // (openfold3/entry_points/parameters.py, unsigned requests). No checksum is published in its source: like
  // setup_openfold, the step checks S3's full-object CRC-64/NVME from HEAD (x-amz-checksum-crc64nvme), and
  // records the sha256 it computed in the done-manifest.
  name: OPENFOLD3_PARAMS,
  source: 'openfold3',
  objects: [{ key: OPENFOLD3_WEIGHTS, unpack: 'none' }],
  expect: [`${OPENFOLD3_PARAMS}/${OPENFOLD3_WEIGHTS}`],
};

/** The weights entry of each model: `--model` (and the workflow's `model` parameter) picks one. */
export const WEIGHTS_OF_MODEL: Record<ModelName, string> = { openfold: 'openfold_params', openfold3: OPENFOLD3_PARAMS };

const uniref90: DatabaseEntry = {
  name: 'uniref90',
  source: 'databases',
  objects: [{ key: 'uniref90.tar.gz', unpack: 'tar.gz' }],
  expect: ['uniref90/uniref90.fasta'],
};

const mgnify: DatabaseEntry = {
  name: 'mgnify',
  source: 'databases',
  objects: [{ key: 'mgy_clusters_2022_05.fa.gz', unpack: 'gz' }],
  expect: ['mgnify/mgy_clusters_2022_05.fa'],
};

const bfd: DatabaseEntry = {
  name: 'bfd',
  source: 'databases',
  objects: [{ key: 'bfd_metaclust_clu_complete_id30_c90_final_seq.sorted_opt.tar.gz', unpack: 'tar.gz' }],
  expect: ['bfd/bfd_metaclust_clu_complete_id30_c90_final_seq.sorted_opt_*'],
};

const uniref30: DatabaseEntry = {
  // The original sample stored it as uniclust30/; OpenFold's flag points at the UniRef30_2021_03 prefix.
  name: 'uniref30',
  source: 'databases',
  objects: [{ key: 'UniRef30_2021_03.tar.gz', unpack: 'tar.gz' }],
  expect: ['uniref30/UniRef30_2021_03_*'],
};

const pdb70: DatabaseEntry = {
  name: 'pdb70',
  source: 'databases',
  objects: [{ key: 'pdb70_from_mmcif_200401.tar.gz', unpack: 'tar.gz' }],
  expect: ['pdb70/pdb70_*'],
};

const pdbMmcif: DatabaseEntry = {
  // The original sample copied a dated snapshot from s3://pdbsnapshots/<snapshot>/pub/pdb/data/structures/divided/mmCIF
  // (gzipped, divided into two-letter folders) and flattened it. That bucket is outside this manifest's two
  // sources, so the built-in layout assumes a flat mirror of gzipped files under the databases prefix:
  // pdb_mmcif/mmcif_files/<id>.cif.gz and pdb_mmcif/obsolete.dat (keys assumed, not in the original archive set).
  name: 'pdb_mmcif',
  source: 'databases',
  objects: [
    { key: 'pdb_mmcif/mmcif_files/', prefix: true, unpack: 'gz', dest: 'mmcif_files' },
    { key: 'pdb_mmcif/obsolete.dat', unpack: 'none' },
  ],
  expect: ['pdb_mmcif/mmcif_files/', 'pdb_mmcif/obsolete.dat'],
  refresh: 'incremental',
};

const pdbSeqres: DatabaseEntry = {
  name: 'pdb_seqres',
  source: 'databases',
  objects: [{ key: 'pdb_seqres.txt', unpack: 'none' }],
  expect: ['pdb_seqres/pdb_seqres.txt'],
  refresh: 'incremental',
};

const uniprot: DatabaseEntry = {
  // For multimer pairing.
  name: 'uniprot',
  source: 'databases',
  objects: [{ key: 'uniprot.tar.gz', unpack: 'tar.gz' }],
  expect: ['uniprot/uniprot.fasta'],
};

const uniref30Mmseqs: DatabaseEntry = {
  // The MMseqs2 build of UniRef30 (ColabFold's uniref30_2103, after `mmseqs tsv2exprofiledb` and
  // `createindex`). Not among the original sample's archives: the key is assumed; upload the built database
  // as this archive to your mirror. Folder per databases.paths.uniref30Mmseqs (mmseqs/uniref30_2103_db).
  name: 'mmseqs',
  source: 'databases',
  objects: [{ key: 'uniref30_2103_db.tar.gz', unpack: 'tar.gz' }],
  expect: ['mmseqs/uniref30_2103_db', 'mmseqs/uniref30_2103_db.index'],
};

export const COLABFOLD_ENV = 'colabfold_env';

/**
 * The optional ColabFold environmental database (mmseqs preset, when databases.paths.colabfoldEnv is set). It
 * has its own folder, colabfold_env/, so that installing it never replaces another database's folder.
 */
export function colabfoldEnvEntry(path: string): DatabaseEntry {
  if (!path.startsWith(`${COLABFOLD_ENV}/`))
    throw new ManifestError('config', [
      `databases.paths.colabfoldEnv: must lie in its own folder ${COLABFOLD_ENV}/, got ${JSON.stringify(path)}`,
    ]);
  // Key assumed (not among the original sample's archives): ColabFold's colabfold_envdb_202108, built.
  return {
    name: COLABFOLD_ENV,
    source: 'databases',
    objects: [{ key: 'colabfold_envdb_202108_db.tar.gz', unpack: 'tar.gz' }],
    expect: [path, `${path}.index`],
  };
}

const PRESETS: Record<DatabasePreset, DatabaseEntry[]> = {
  full_dbs: [openfoldParams, openfold3Params, uniref90, mgnify, bfd, uniref30, pdb70, pdbMmcif, pdbSeqres, uniprot],
  mmseqs: [openfoldParams, openfold3Params, uniref30Mmseqs, pdb70, pdbMmcif],
};

/** The entries `--only all` installs for a model: everything but the other model's weights. */
export function entriesForModel(manifest: DatabaseManifest, model: ModelName): DatabaseEntry[] {
  const others = Object.entries(WEIGHTS_OF_MODEL)
    .filter(([m]) => m !== model)
    .map(([, name]) => name);
  return manifest.databases.filter((d) => !others.includes(d.name));
}

/** The built-in manifest of a preset. */
export function builtinManifest(preset: DatabasePreset, version = DEFAULT_VERSION): DatabaseManifest {
  const entries = PRESETS[preset];
  if (!entries) throw new Error(`unknown database preset "${preset}" (expected full_dbs or mmseqs)`);
  return { preset, version, databases: structuredClone(entries) };
}

/** Names of the built-in databases of a preset, in download order. */
export function databaseNames(preset: DatabasePreset): string[] {
  return builtinManifest(preset).databases.map((d) => d.name);
}

/** The manifest a config uses: its `databases.manifest` file, else the built-in one of its preset. */
export function configuredManifest(config: Config): DatabaseManifest {
  const file = config.databases.manifest;
  if (file) return readManifestFile(file);
  const manifest = builtinManifest(config.databases.preset, config.databases.version);
  const env = config.databases.paths.colabfoldEnv;
  if (config.databases.preset === 'mmseqs' && env) manifest.databases.push(colabfoldEnvEntry(env));
  return manifest;
}

/** Names of the databases a config downloads (one workflow task each). */
export function configuredDatabaseNames(config: Config): string[] {
  return configuredManifest(config).databases.map((d) => d.name);
}

export function readManifestFile(file: string): DatabaseManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ManifestError(file, [err.code === 'ENOENT' ? 'file not found' : `cannot read: ${err.message}`]);
  }
  return parseManifest(doc, file);
}

export class ManifestError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid database manifest\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ManifestError';
  }
}

const UNPACKS: Unpack[] = ['tar.gz', 'tar', 'gz', 'none'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const safeRelative = (p: string) => !p.startsWith('/') && !p.split('/').includes('..');

function objectProblems(o: unknown, at: string): string[] {
  if (!isObject(o)) return [`${at}: must be an object`];
  const problems: string[] = [];
  if (typeof o.key !== 'string') problems.push(`${at}.key: must be a string`);
  else if (!safeRelative(o.key)) problems.push(`${at}.key: must be relative without "..", got ${JSON.stringify(o.key)}`);
  else if (!o.prefix && (o.key === '' || o.key.endsWith('/'))) problems.push(`${at}.key: names a folder; set "prefix": true`);
  if (!UNPACKS.includes(o.unpack as Unpack))
    problems.push(`${at}.unpack: must be one of ${UNPACKS.join(', ')}, got ${JSON.stringify(o.unpack)}`);
  if (o.prefix !== undefined && typeof o.prefix !== 'boolean') problems.push(`${at}.prefix: must be a boolean`);
  if (o.prefix && (o.unpack === 'tar' || o.unpack === 'tar.gz')) problems.push(`${at}.unpack: a prefix may only use gz or none`);
  if (o.size !== undefined && !(Number.isInteger(o.size) && (o.size as number) >= 0)) problems.push(`${at}.size: must be a byte count`);
  if (o.sha256 !== undefined && !(typeof o.sha256 === 'string' && /^[a-f0-9]{64}$/.test(o.sha256)))
    problems.push(`${at}.sha256: must be 64 lowercase hex digits`);
  if (o.dest !== undefined && !(typeof o.dest === 'string' && safeRelative(o.dest)))
    problems.push(`${at}.dest: must be a relative path without ".."`);
  return problems;
}

function entryProblems(d: unknown, at: string): string[] {
  if (!isObject(d)) return [`${at}: must be an object`];
  const problems: string[] = [];
  if (typeof d.name !== 'string' || !NAME.test(d.name)) problems.push(`${at}.name: must be a folder name, got ${JSON.stringify(d.name)}`);
  if (d.source !== 'databases' && d.source !== 'weights' && d.source !== 'openfold3')
    problems.push(`${at}.source: must be "databases", "weights" or "openfold3"`);
  if (!Array.isArray(d.objects) || d.objects.length === 0) problems.push(`${at}.objects: must be a non-empty list`);
  else d.objects.forEach((o, i) => problems.push(...objectProblems(o, `${at}.objects[${i}]`)));
  if (!Array.isArray(d.expect) || d.expect.length === 0) problems.push(`${at}.expect: must be a non-empty list`);
  else
    d.expect.forEach((p, i) => {
      if (typeof p !== 'string' || !safeRelative(p)) problems.push(`${at}.expect[${i}]: must be a relative path without ".."`);
      else if (typeof d.name === 'string' && p.split('/')[0] !== d.name)
        problems.push(`${at}.expect[${i}]: must lie in the database folder ${d.name}/, got ${JSON.stringify(p)}`);
    });
  if (d.refresh !== undefined && d.refresh !== 'incremental') problems.push(`${at}.refresh: must be "incremental"`);
  return problems;
}

/** Checks a parsed manifest document; every problem names its field. */
export function parseManifest(doc: unknown, source = 'manifest'): DatabaseManifest {
  if (!isObject(doc)) throw new ManifestError(source, ['(top level): must be an object']);
  const problems: string[] = [];
  if (typeof doc.preset !== 'string') problems.push('preset: must be a string');
  if (typeof doc.version !== 'string' || doc.version === '') problems.push('version: must be a non-empty string');
  if (!Array.isArray(doc.databases) || doc.databases.length === 0) problems.push('databases: must be a non-empty list');
  else {
    doc.databases.forEach((d, i) => problems.push(...entryProblems(d, `databases[${i}]`)));
    const names = doc.databases.map((d) => (isObject(d) ? d.name : undefined));
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) problems.push(`databases: name ${JSON.stringify(dup)} appears twice`);
  }
  if (problems.length) throw new ManifestError(source, problems);
  return doc as unknown as DatabaseManifest;
}
