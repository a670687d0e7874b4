// Argo's JSON schema, full CRDs and upstream examples for the tests, from Argo's Go module of the version under
// test: ARGO_VERSION of test/go/argo-e2e/versions.env, the version the e2e controller and argo-validate are
// built from. (The project targets v4.1.2, but the Go module proxy serves v4.0.5 as the newest v4 release here,
// so the tests read v4.0.5.) Copied once into .cache/argo/<version>/; without Go the tests that need them skip.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { argoModuleDirSync, ArgoModuleError } from '../../lint/argo-module.js';
import { hasCommand, ROOT } from './env.js';
import { ARGO_FEATURES, versionAtLeast } from '../../generators/argo/version.js';
import { withoutKeys } from './json.js';

function versionsEnv(): Record<string, string> {
  const text = readFileSync(join(ROOT, 'test', 'go', 'argo-e2e', 'versions.env'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('=') && !l.trimStart().startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]),
  );
}

/** The Argo version the tests read Argo's own files of. */
export const ARGO_VERSION = versionsEnv().ARGO_VERSION;

/** The four kinds lint checks, as Argo's full CRD files name them. */
export const CRD_FILES = [
  'argoproj.io_workflows.yaml',
  'argoproj.io_workflowtemplates.yaml',
  'argoproj.io_clusterworkflowtemplates.yaml',
  'argoproj.io_cronworkflows.yaml',
];

export interface ArgoMaterial {
  version: string;
  /** Holds schema-<version>.json: lint's schemaDir / OPENFOLD_ARGO_SCHEMA_DIR. */
  schemaDir: string;
  schemaFile: string;
  /** manifests/base/crds/full of the four linted kinds. */
  crdDir: string;
  /** examples/, the whole tree. */
  examplesDir: string;
}

function materialAt(dir: string, version: string): ArgoMaterial {
  return {
    version,
    schemaDir: dir,
    schemaFile: join(dir, `schema-${version}.json`),
    crdDir: join(dir, 'crds'),
    examplesDir: join(dir, 'examples'),
  };
}

/** Copies a tree as plain writable files (the module cache's are read-only, which would block removing .cache). */
function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    if (statSync(src).isDirectory()) copyTree(src, join(to, name));
    else copyFileSync(src, join(to, name));
  }
}

/** Where the tests find Argo's files of ARGO_VERSION (present once missingArgoMaterial() returned null). */
export const ARGO: ArgoMaterial = materialAt(join(ROOT, '.cache', 'argo', ARGO_VERSION), ARGO_VERSION);

let missing: string | null | undefined;

/** Copies what the tests read out of the module folder into `dir` (via a temporary folder and a rename). */
function copyMaterial(module: string, dir: string): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'crds'), { recursive: true });
  copyFileSync(join(module, 'api', 'jsonschema', 'schema.json'), join(tmp, `schema-${ARGO_VERSION}.json`));
  for (const f of CRD_FILES) copyFileSync(join(module, 'manifests', 'base', 'crds', 'full', f), join(tmp, 'crds', f));
  copyTree(join(module, 'examples'), join(tmp, 'examples'));
  writeFileSync(join(tmp, '.complete'), `${module}\n`);
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another test process finished first
  }
}

/**
 * Null when Argo's files of ARGO_VERSION are under .cache/argo/<version>/, copying them from the Go module on
 * first use; otherwise the reason, for requires(). The runner calls it with fetchModule before the tests start:
 * then the module is also made sure to be in Go's module cache, where `lint` under GOPROXY=off finds it.
 */
export function missingArgoMaterial(o: { fetchModule?: boolean } = {}): string | null {
  if (missing !== undefined) return missing;
  const dir = ARGO.schemaDir;
  const complete = () => existsSync(join(dir, '.complete'));
  if (complete() && !(o.fetchModule && hasCommand('go'))) return (missing = null);
  try {
    const module = argoModuleDirSync(ARGO_VERSION);
    if (!complete()) copyMaterial(module, dir);
    return (missing = null);
  } catch (e) {
    if (!(e instanceof ArgoModuleError)) throw e;
    if (complete()) return (missing = null);
    return (missing = `Argo's ${ARGO_VERSION} schema, CRDs and examples come from its Go module: ${e.message}`);
  }
}

/**
 * A rendered document as the Argo version under test knows it: the fields of a newer Argo that `render` emits for
 * the default argoVersion (v4.1.2) removed. test/generators/lint-rendered.test.ts checks that they are the only
 * difference between the two renderings, so linting this against the older schema covers the rest.
 */
const NEWER_FIELDS = new Set(['pendingTimeout']);

export function withoutNewerArgoFields(doc: unknown): unknown {
  if (versionAtLeast(ARGO_VERSION, ARGO_FEATURES.pendingTimeout)) return doc;
  return withoutKeys(doc, NEWER_FIELDS);
}
