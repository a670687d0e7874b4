// Loads openfold-argo.yaml: parse, apply the schema's defaults, validate, and report every problem as one
// line that names the config path and the expectation (`inference.gpu.count: must be >= 1, got 0`).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import yaml from 'js-yaml';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { UNDER_VOLUME, normalisePaths, renderedStringProblems, volumeProblems } from './checks.js';
import { IMAGE_REPOSITORY, IMAGE_TAG, configSchema } from './schema.js';
import type { Config } from './types.js';
import { costProblems } from './cost.js';
import { OLDEST_SUPPORTED_ARGO, versionAtLeast } from '../argo/version.js';
import { durationSeconds } from '../argo/units.js';

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid configuration\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const PATTERN_NAMES: Record<string, string> = {
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$': 'a DNS label (lowercase letters, digits and "-")',
  '^/': 'an absolute path',
  '^[0-9]+(s|m|h|d)$': 'a duration such as 30s, 10m, 6h or 2d',
  '^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$': 'a Kubernetes quantity such as 8, 500m or 32Gi',
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}$': 'a date YYYY-MM-DD',
  '^(/|s3://).+': 'an absolute path or an s3:// URL',
  '^sha256:[a-f0-9]{64}$': 'a digest sha256:<64 hex>',
  '^v[0-9]+\\.[0-9]+\\.[0-9]+$': 'a version such as v4.1.2',
  '^/[^\\s]*[^/]$': 'an absolute path without a trailing slash',
  '^(|https?://.+|file:///.+)$': 'empty, an http(s):// URL or a file:/// URL',
  '\\.(pt|npz)$': 'a path ending in .pt (OpenFold checkpoint) or .npz (JAX params)',
  '^[a-z0-9_]+$': 'lowercase letters, digits and "_"',
  [IMAGE_REPOSITORY]:
    'an image repository: [registry[:port]/]path of lowercase letters, digits and separators (".", "_", "__", "-"), as docker/distribution\'s reference grammar',
  [IMAGE_TAG]: 'an image tag: a letter, digit or "_", then up to 127 of those, "." or "-"',
  '^https?://[^\\s]+$': 'an http(s):// URL',
  '\\.pt$': 'a path ending in .pt (an OpenFold3 checkpoint)',
};

/** Fields that were renamed or moved: the unknown-field line says where they went. */
const RENAMED: Record<string, string> = {
  'retries.backoff.maxDuration':
    "renamed retries.backoff.maxDelay, the longest delay; Argo's maxDuration is a window over all attempts, not a delay",
};

const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: false });
const validate = ajv.compile(configSchema);

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v)));

function valueAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const part of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function dotted(pointer: string): string {
  const parts = pointer.split('/').slice(1);
  return parts.length === 0
    ? '(top level)'
    : parts
        .map((p) => (/^\d+$/.test(p) ? `[${p}]` : p))
        .join('.')
        .replace(/\.\[/g, '[');
}

function describe(err: ErrorObject, root: unknown): string {
  const at = dotted(err.instancePath);
  const got = show(valueAt(root, err.instancePath));
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const field = dotted(`${err.instancePath}/${String(p.additionalProperty)}`);
      return RENAMED[field] ? `${field}: unknown field (${RENAMED[field]})` : `${field}: unknown field`;
    }
    case 'minimum':
      return `${at}: must be >= ${p.limit}, got ${got}`;
    case 'maximum':
      return `${at}: must be <= ${p.limit}, got ${got}`;
    case 'exclusiveMinimum':
      return `${at}: must be > ${p.limit}, got ${got}`;
    case 'type':
      return `${at}: must be ${String(p.type).replace(',', ' or ')}, got ${got}`;
    case 'enum':
      return `${at}: must be one of ${(p.allowedValues as unknown[]).map(show).join(', ')}, got ${got}`;
    case 'pattern':
      return `${at}: must be ${PATTERN_NAMES[String(p.pattern)] ?? `matching ${p.pattern}`}, got ${got}`;
    case 'minLength':
      return `${at}: must not be empty`;
    case 'minItems':
      return `${at}: must have at least ${p.limit} item(s)`;
    default:
      return `${at}: ${err.message ?? 'is invalid'}`;
  }
}

/** Cross-field rules the schema cannot express; `originals` holds the paths as given before normalising. */
function semanticProblems(c: Config, originals: Map<string, string>): string[] {
  const problems: string[] = [...volumeProblems(c, originals), ...renderedStringProblems(c)];
  if (!versionAtLeast(c.argoVersion, OLDEST_SUPPORTED_ARGO))
    problems.push(`argoVersion: must be ${OLDEST_SUPPORTED_ARGO} or newer (synchronization lists), got ${show(c.argoVersion)}`);
  for (const [name, rel] of Object.entries(c.databases.paths)) {
    if (rel.startsWith('/') || rel.split('/').includes('..'))
      problems.push(`databases.paths.${name}: must be relative to databases.root without "..", got ${show(rel)}`);
  }
  if (c.openfold3.longThreshold > c.openfold3.tokensPerBatch)
    problems.push(
      `openfold3.tokensPerBatch: must be >= openfold3.longThreshold (${c.openfold3.longThreshold}) so every standard query fits a batch, got ${c.openfold3.tokensPerBatch}`,
    );
  if (!c.openfold3.checkpoint.startsWith('/') && c.openfold3.checkpoint.split('/').includes('..'))
    problems.push(
      `openfold3.checkpoint: must be relative to databases.root without "..", or absolute, got ${show(c.openfold3.checkpoint)}`,
    );
  const classRefs: [string, string][] = [
    ['defaultNodeClass', c.defaultNodeClass],
    ['databases.nodeClass', c.databases.nodeClass],
    ['alignment.nodeClass', c.alignment.nodeClass],
    ['inference.gpu.nodeClass', c.inference.gpu.nodeClass],
    ['inference.longSequence.nodeClass', c.inference.longSequence.nodeClass],
  ];
  for (const [field, name] of classRefs)
    if (!(name in c.nodeClasses))
      problems.push(
        `${field}: must name a node class (${Object.keys(c.nodeClasses).join(', ') || 'nodeClasses is empty'}), got ${show(name)}`,
      );
  if (c.input.keepRunsFor && durationSeconds(c.input.keepRunsFor) <= durationSeconds(c.deadlines.workflow))
    problems.push(
      `input.keepRunsFor: must be longer than deadlines.workflow (${c.deadlines.workflow}), so no running run is old enough to delete, got ${show(c.input.keepRunsFor)}`,
    );
  if (c.inference.mode === 'server' && (c.model !== 'openfold3' || c.inference.serverUrl === ''))
    problems.push('inference.mode: server needs model: openfold3 and inference.serverUrl (the `openfold-argo serve` URL)');
  if (c.inference.longSequence.threshold > c.inference.residuesPerBatch)
    problems.push(
      `inference.residuesPerBatch: must be >= inference.longSequence.threshold (${c.inference.longSequence.threshold}) so every standard target fits a batch, got ${c.inference.residuesPerBatch}`,
    );
  problems.push(...costProblems(c.cost));
  return problems;
}

// The paths whose defaults live under the volume's mount path (checks.ts UNDER_VOLUME): when a config moves the
// volume (mountPath: /data) but leaves these out, they move with it.
function followMountPath(c: Config, doc: unknown): Config {
  const defaultMount = '/fsx';
  if (c.volume.mountPath === defaultMount) return c;
  const given = (path: string[]) => valueAt(doc, `/${path.join('/')}`) !== undefined;
  for (const path of UNDER_VOLUME) {
    if (given(path)) continue;
    const parent = path
      .slice(0, -1)
      .reduce((o: Record<string, unknown>, k) => o[k] as Record<string, unknown>, c as unknown as Record<string, unknown>);
    const key = path[path.length - 1];
    const value = String(parent[key]);
    if (value.startsWith(`${defaultMount}/`)) parent[key] = c.volume.mountPath + value.slice(defaultMount.length);
  }
  return c;
}

/** Keys in schema order (maps sorted), so a config serialises the same whatever order its file used. */
function canonicalOrder(value: unknown, schema: Record<string, unknown> | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => canonicalOrder(v, schema?.items as Record<string, unknown> | undefined));
  if (value === null || typeof value !== 'object') return value;
  const props = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
  const obj = value as Record<string, unknown>;
  const keys = [
    ...Object.keys(props).filter((k) => k in obj),
    ...Object.keys(obj)
      .filter((k) => !(k in props))
      .sort(),
  ];
  const sub = (k: string) =>
    props[k] ?? (typeof schema?.additionalProperties === 'object' ? (schema.additionalProperties as Record<string, unknown>) : undefined);
  return Object.fromEntries(keys.map((k) => [k, canonicalOrder(obj[k], sub(k))]));
}

/** Validates a parsed document and returns it with defaults applied; throws ConfigError listing every problem. */
export function resolveConfig(doc: unknown, source = 'config'): Config {
  const data = doc === undefined || doc === null ? {} : structuredClone(doc);
  if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(source, ['(top level): must be a mapping']);
  if (!validate(data)) {
    const lines = (validate.errors ?? []).map((e) => describe(e, data));
    throw new ConfigError(source, [...new Set(lines)]);
  }
  const config = canonicalOrder(followMountPath(data as unknown as Config, doc), configSchema) as Config;
  const originals = normalisePaths(config);
  const problems = semanticProblems(config, originals);
  if (problems.length) throw new ConfigError(source, problems);
  return config;
}

export function parseConfigText(text: string, source: string): Config {
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: source });
  } catch (e) {
    const err = e as { mark?: { line: number; column: number }; reason?: string };
    const where = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}` : 'parse';
    throw new ConfigError(source, [`${where}: ${err.reason ?? String(e)}`]);
  }
  return resolveConfig(doc, source);
}

/** The directory holding the example configs shipped with the project. */
export const EXAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'generators', 'config', 'examples');
export const DEFAULT_CONFIG_FILE = join(EXAMPLES_DIR, 'eks-fsx.yaml');

export interface LoadConfigOptions {
  /** Path of an openfold-argo.yaml; default: $OPENFOLD_ARGO_CONFIG_FILE, then the EKS + FSx example. */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The config a command or step uses: --config FILE, else the JSON in $OPENFOLD_ARGO_CONFIG (how the workflow
 * hands the rendered config to a step), else the default EKS + FSx example.
 */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env;
  if (opts.file) return parseConfigText(readText(opts.file), opts.file);
  if (env.OPENFOLD_ARGO_CONFIG) return parseConfigText(env.OPENFOLD_ARGO_CONFIG, '$OPENFOLD_ARGO_CONFIG');
  if (env.OPENFOLD_ARGO_CONFIG_FILE) return parseConfigText(readText(env.OPENFOLD_ARGO_CONFIG_FILE), env.OPENFOLD_ARGO_CONFIG_FILE);
  return parseConfigText(readText(DEFAULT_CONFIG_FILE), DEFAULT_CONFIG_FILE);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(file, [code === 'ENOENT' ? 'file not found' : `cannot read: ${code ?? String(e)}`]);
  }
}

/** Absolute path of a database file named in databases.paths. */
export function databasePath(c: Config, name: keyof Config['databases']['paths']): string {
  const rel = c.databases.paths[name];
  return rel === '' ? '' : `${c.databases.root}/${rel}`;
}

/** Absolute path of the OpenFold3 weights. */
export function openfold3CheckpointPath(c: Config): string {
  const ck = c.openfold3.checkpoint;
  return ck.startsWith('/') ? ck : `${c.databases.root}/${ck}`;
}

/** Absolute path of the OpenFold weights. */
export function checkpointPath(c: Config): string {
  const ck = c.inference.checkpoint;
  return ck.startsWith('/') ? ck : `${c.databases.root}/${ck}`;
}

/**
 * The same config with the shared volume mounted elsewhere: every path under volume.mountPath moves with it.
 * The local executor and the real-Argo e2e test render with the volume on a local directory this way.
 */
export function rebaseConfig(c: Config, mountPath: string): Config {
  const from = c.volume.mountPath;
  const move = (p: string) => (p === from || p.startsWith(`${from}/`) ? mountPath + p.slice(from.length) : p);
  const out = structuredClone(c);
  out.volume.mountPath = mountPath;
  out.databases.root = move(c.databases.root);
  out.input.runsRoot = move(c.input.runsRoot);
  out.input.fasta = move(c.input.fasta);
  out.alignment.cacheDir = move(c.alignment.cacheDir);
  out.cron.benchmark.fasta = move(c.cron.benchmark.fasta);
  out.cron.cameoWeekly.references = move(c.cron.cameoWeekly.references);
  return out;
}
