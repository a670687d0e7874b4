// Layer 1: Argo's own JSON schema (api/jsonschema/schema.json of the chosen version), patched so valid
// documents pass and misspelled fields fail. As shipped it types IntOrString, Quantity and AnyString fields as
// strings only (so `limit: 3` or `cpu: 1` fail) and allows unknown fields everywhere (so typos pass).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { ArgoModuleError, argoModuleDir } from './argo-module.js';
import { isObject, joinPath, LintSetupError, type JsonObject, type LintedKind, type LintOptions } from './types.js';

// ajv-formats is CommonJS: under NodeNext its default export arrives as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv2020,
) => Ajv2020;

export const DEFAULT_ARGO_VERSION = 'v4.1.2';
export const ARGO_DEFINITION_PREFIX = 'io.argoproj.workflow.v1alpha1.';

/** Where the schema is downloaded from: OPENFOLD_ARGO_SCHEMA_BASE_URL (a mirror of Argo's repository) or GitHub. */
export function schemaUrl(version: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = (env.OPENFOLD_ARGO_SCHEMA_BASE_URL || 'https://raw.githubusercontent.com/argoproj/argo-workflows').replace(/\/+$/, '');
  return `${base}/${version}/api/jsonschema/schema.json`;
}

/** The lookup order of loadRawSchema, for --help and error messages. */
export const SCHEMA_LOOKUP = [
  '--schema FILE',
  '$OPENFOLD_ARGO_SCHEMA_DIR/schema-<version>.json',
  'the cache ($XDG_CACHE_HOME or ~/.cache)/openfold-argo/schemas/schema-<version>.json',
  "Argo's Go module of that version (`go mod download`, through your GOPROXY), when go is on PATH",
  'a download from raw.githubusercontent.com (or $OPENFOLD_ARGO_SCHEMA_BASE_URL)',
];

export function schemaCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'openfold-argo', 'schemas');
}

function parseSchema(text: string): JsonObject {
  const parsed: unknown = JSON.parse(text);
  if (!isObject(parsed) || !isObject(parsed.definitions)) throw new Error('not an Argo JSON schema (no "definitions")');
  return parsed;
}

function tryRead(file: string): JsonObject | undefined {
  try {
    return parseSchema(readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LintSetupError(`${file}: ${(e as Error).message}`);
  }
}

function writeCache(cacheFile: string, text: string): void {
  mkdirSync(join(cacheFile, '..'), { recursive: true });
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, cacheFile);
}

/** The schema from Argo's Go module; undefined (with why) when Go or the module cannot be had. */
async function fromGoModule(version: string, env: NodeJS.ProcessEnv): Promise<{ text: string; file: string } | { why: string }> {
  let dir: string;
  try {
    dir = await argoModuleDir(version, env);
  } catch (e) {
    if (e instanceof ArgoModuleError) return { why: e.message };
    throw e;
  }
  const file = join(dir, 'api', 'jsonschema', 'schema.json');
  try {
    const text = readFileSync(file, 'utf8');
    parseSchema(text);
    return { text, file };
  } catch (e) {
    return { why: `${file}: ${(e as Error).message}` };
  }
}

async function download(version: string, cacheFile: string, env: NodeJS.ProcessEnv, goWhy: string): Promise<JsonObject> {
  const url = schemaUrl(version, env);
  const hint = `pass --schema FILE (a copy of ${url}) or set OPENFOLD_ARGO_SCHEMA_DIR to a folder holding schema-${version}.json`;
  const tried = `Go module: ${goWhy}`;
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    text = await response.text();
  } catch (e) {
    const cause = (e as Error & { cause?: Error }).cause?.message ?? (e as Error).message;
    throw new LintSetupError(`cannot download the Argo ${version} JSON schema (${cause}; ${tried}); ${hint}`);
  }
  let schema: JsonObject;
  try {
    schema = parseSchema(text);
  } catch {
    throw new LintSetupError(`${url} is not an Argo JSON schema; ${hint}`);
  }
  writeCache(cacheFile, text);
  return schema;
}

/** Finds the schema in the order of SCHEMA_LOOKUP; what the Go module or the download gives is cached. */
export async function loadRawSchema(opts: LintOptions = {}): Promise<{ schema: JsonObject; source: string }> {
  const env = opts.env ?? process.env;
  const version = opts.argoVersion ?? DEFAULT_ARGO_VERSION;
  if (opts.schemaFile) {
    const schema = tryRead(opts.schemaFile);
    if (!schema) throw new LintSetupError(`${opts.schemaFile}: no such schema file`);
    return { schema, source: opts.schemaFile };
  }
  const dir = opts.schemaDir ?? env.OPENFOLD_ARGO_SCHEMA_DIR;
  if (dir) {
    const file = join(dir, `schema-${version}.json`);
    const schema = tryRead(file);
    if (schema) return { schema, source: file };
  }
  const cacheFile = join(opts.cacheDir ?? schemaCacheDir(env), `schema-${version}.json`);
  const cached = tryRead(cacheFile);
  if (cached) return { schema: cached, source: cacheFile };
  const module = await fromGoModule(version, env);
  if ('text' in module) {
    writeCache(cacheFile, module.text);
    return { schema: parseSchema(module.text), source: module.file };
  }
  return { schema: await download(version, cacheFile, env, module.why), source: cacheFile };
}

const ANY_STRING: JsonObject = { type: ['string', 'number', 'boolean'] };

/**
 * The strict, corrected schema: IntOrString = string|integer, Quantity = string|number, AnyString (parameter
 * value, default, enum, description and valueFrom.default) = string|number|boolean, and no unknown fields on
 * any object that lists its properties.
 */
export function patchSchema(raw: JsonObject): JsonObject {
  const schema = structuredClone(raw);
  const defs = schema.definitions as Record<string, JsonObject>;
  const retype = (name: string, type: string[]) => {
    if (defs[name]) defs[name] = { ...defs[name], type };
  };
  retype('io.k8s.apimachinery.pkg.util.intstr.IntOrString', ['string', 'integer']);
  retype('io.k8s.apimachinery.pkg.api.resource.Quantity', ['string', 'number']);
  const parameter = defs[`${ARGO_DEFINITION_PREFIX}Parameter`]?.properties as Record<string, JsonObject> | undefined;
  if (parameter) {
    for (const field of ['value', 'default', 'description'])
      if (parameter[field]) parameter[field] = { ...parameter[field], ...ANY_STRING };
    if (parameter.enum) parameter.enum = { ...parameter.enum, items: ANY_STRING };
  }
  const valueFrom = defs[`${ARGO_DEFINITION_PREFIX}ValueFrom`]?.properties as Record<string, JsonObject> | undefined;
  if (valueFrom?.default) valueFrom.default = { ...valueFrom.default, ...ANY_STRING };
  const closeObjects = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(closeObjects);
    if (!isObject(node)) return;
    if (isObject(node.properties) && node.additionalProperties === undefined) node.additionalProperties = false;
    for (const value of Object.values(node)) closeObjects(value);
  };
  closeObjects(defs);
  return schema;
}

export interface ArgoSchema {
  version: string;
  source: string;
  /** Definitions of the patched schema, by full name (io.argoproj.workflow.v1alpha1.Workflow...). */
  definitions: Record<string, JsonObject>;
  validate(kind: LintedKind, doc: unknown): SchemaProblem[];
}

export interface SchemaProblem {
  path: string;
  message: string;
}

const SCHEMA_KEY = 'openfold-argo:argo-schema';

function compile(raw: JsonObject, version: string, source: string): ArgoSchema {
  const patched = patchSchema(raw);
  delete patched.$id;
  // inlineRefs: false compiles each definition once instead of inlining it everywhere: about 40% faster.
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true, inlineRefs: false });
  addFormats(ajv);
  // Kubernetes uses uint64 for a few counters; ajv-formats does not know it.
  ajv.addFormat('uint64', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
  ajv.addSchema(patched, SCHEMA_KEY);
  const validators = new Map<LintedKind, ValidateFunction>();
  const validatorFor = (kind: LintedKind): ValidateFunction => {
    let v = validators.get(kind);
    if (!v) {
      v = ajv.getSchema(`${SCHEMA_KEY}#/definitions/${ARGO_DEFINITION_PREFIX}${kind}`);
      if (!v) throw new LintSetupError(`${source}: the schema has no definition for ${kind}`);
      validators.set(kind, v);
    }
    return v;
  };
  return {
    version,
    source,
    definitions: patched.definitions as Record<string, JsonObject>,
    validate(kind, doc) {
      const validate = validatorFor(kind);
      if (validate(doc)) return [];
      return describeErrors(validate.errors ?? [], doc);
    },
  };
}

const compiled = new Map<string, Promise<ArgoSchema>>();

/** The patched schema compiled once per process (per source file and version): compiling it takes a while. */
export function loadArgoSchema(opts: LintOptions = {}): Promise<ArgoSchema> {
  const env = opts.env ?? process.env;
  const version = opts.argoVersion ?? DEFAULT_ARGO_VERSION;
  const key = JSON.stringify([version, opts.schemaFile, opts.schemaDir ?? env.OPENFOLD_ARGO_SCHEMA_DIR, opts.cacheDir]);
  let entry = compiled.get(key);
  if (!entry) {
    entry = loadRawSchema(opts).then(({ schema, source }) => compile(schema, version, source));
    // A failed download must not stick: the next call may have a network or a --schema.
    entry.catch(() => compiled.delete(key));
    compiled.set(key, entry);
  }
  return entry;
}

function pointerToPath(pointer: string): string {
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path = joinPath(path, /^\d+$/.test(part) ? Number(part) : part);
  }
  return path;
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur = root;
  for (const raw of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function describeError(err: ErrorObject, doc: unknown): SchemaProblem {
  const path = pointerToPath(err.instancePath);
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties':
      return { path: joinPath(path, String(p.additionalProperty)), message: `unknown field "${String(p.additionalProperty)}"` };
    case 'required':
      return { path, message: `missing required field "${String(p.missingProperty)}"` };
    case 'type': {
      const expected = Array.isArray(p.type) ? p.type.join(' or ') : String(p.type);
      return { path, message: `must be ${expected}, got ${typeOf(valueAt(doc, err.instancePath))}` };
    }
    case 'const':
      return { path, message: `must be ${JSON.stringify(p.allowedValue)}` };
    case 'enum':
      return { path, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      return { path, message: err.message ?? err.keyword };
  }
}

/** One message per problem; an unknown field is reported once even when several branches complain. */
export function describeErrors(errors: ErrorObject[], doc: unknown): SchemaProblem[] {
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const err of errors) {
    const problem = describeError(err, doc);
    const key = `${problem.path}\n${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(problem);
    }
  }
  return out;
}
