// The align step: for each target, reuse a matching finished directory, else the cache, else run the
// searches (concurrently within the --cpu budget; hhsearch after the MSA it reads) into a staging folder and
// rename the assembled directory into place with its done-manifest. Each finished search is staged
// atomically with a record, so a killed run resumes with the searches it had not finished; the final name
// only ever holds a complete directory.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlignMode, Config } from '../../generators/config/types.js';
import { searchesFor, type SearchName, type SearchSpec } from './contract.js';
import {
  databaseIdentity,
  identityKey,
  MANIFEST_FILE,
  MANIFEST_VERSION,
  mismatch,
  readManifest,
  sha256,
  comparableFlags,
  type AlignIdentity,
  type AlignManifest,
  type DatabaseIdentity,
  type SearchRecord,
} from './manifest.js';
import {
  batchOutputs,
  isExpandableMmseqsDb,
  outputDepth,
  PROFILE_DIR,
  recipe,
  recipeFlags,
  runCalls,
  runRecipe,
  searchDatabases,
  type Recipe,
} from './searches.js';
import { toolVersion } from './tools.js';
import { linkOrCopy, publish, rand } from './files.js';

export interface AlignTarget {
  tag: string;
  /** Upper-case residues, no whitespace. */
  sequence: string;
}

export interface AlignOptions {
  config: Config;
  /** The alignments directory: each target ends up in OUT/<tag>/. */
  out: string;
  mode: AlignMode;
  /** CPU budget shared by the concurrent searches of a target. */
  cpu: number;
  /** Use and fill alignment.cacheDir. @default true */
  cache?: boolean;
  /** Progress lines. @default console.log */
  log?: (line: string) => void;
}

export type Outcome = 'aligned' | 'up-to-date' | 'cached' | 'staged';

export interface TargetResult {
  tag: string;
  outcome: Outcome;
  dir: string;
  manifest?: AlignManifest;
}

/** Database problems the user can fix (a missing database): the CLI maps it to a message. */
export class AlignInputError extends Error {
  override name = 'AlignInputError';
}

const STAGING = '.staging';
const RECORD = '.search.json';

interface Plan {
  target: AlignTarget;
  specs: SearchSpec[];
  recipes: Map<SearchName, Recipe>;
  identity: AlignIdentity;
  /** Identities per search, recorded with each staged output. */
  searchDatabases: Map<SearchName, DatabaseIdentity[]>;
  staging: string;
  final: string;
}

function plan(target: AlignTarget, opts: AlignOptions): Plan {
  const specs = searchesFor(opts.mode, opts.config.databases.paths);
  const recipes = new Map<SearchName, Recipe>();
  const perSearch = new Map<SearchName, DatabaseIdentity[]>();
  const all: DatabaseIdentity[] = [];
  const share = cpuShare(opts.cpu, specs);
  for (const spec of specs) {
    const ids = Object.entries(searchDatabases(spec, opts.config)).map(([name, path]) => {
      const id = databaseIdentity(name, path);
      if (!id)
        throw new AlignInputError(`database ${name} not found at ${path} (databases.paths.${name}); run \`openfold-argo databases\` first`);
      return id;
    });
    perSearch.set(spec.name, ids);
    for (const id of ids) if (!all.some((a) => a.name === id.name)) all.push(id);
    const expandable = spec.tool === 'mmseqs' && isExpandableMmseqsDb(ids[0].path);
    recipes.set(spec.name, recipe(spec, share, expandable));
  }
  const flags = Object.fromEntries(specs.map((s) => [s.name, recipeFlags(recipes.get(s.name)!)]));
  return {
    target,
    specs,
    recipes,
    identity: { sequenceSha256: sha256(target.sequence), mode: opts.mode, databases: all, flags },
    searchDatabases: perSearch,
    staging: join(opts.out, STAGING, target.tag),
    final: join(opts.out, target.tag),
  };
}

/** CPUs per search: the budget split over the most searches that can run at once (the widest dependency level). */
function cpuShare(cpu: number, specs: SearchSpec[]): number {
  const level = new Map<SearchName, number>();
  for (const s of specs) level.set(s.name, Math.max(0, ...s.after.map((a) => (level.get(a) ?? 0) + 1)));
  const widths = [...level.values()].reduce((w, l) => w.set(l, (w.get(l) ?? 0) + 1), new Map<number, number>());
  return Math.max(1, Math.floor(cpu / Math.max(1, ...widths.values())));
}

/** The record staged next to a finished search's output. */
interface StagedRecord extends SearchRecord {
  version: number;
  sequenceSha256: string;
  databases: DatabaseIdentity[];
  tool: string;
  toolVersion: string;
  startedAt: string;
  finishedAt: string;
}

/** Database name -> path, for a search's placeholders. */
const databasePaths = (p: Plan, name: SearchName) => Object.fromEntries(p.searchDatabases.get(name)!.map((d) => [d.name, d.path]));

/** The staged query profile a later search starts from. */
const profileDir = (p: Plan, name: SearchName) => join(p.staging, `${name}.profile`);

/** Whether a later search of the plan starts from this search's query profile (ColabFold's environmental one). */
const needsProfile = (p: Plan, name: SearchName) =>
  p.specs.some((s) => s.after.includes(name) && p.recipes.get(s.name)?.prepare === 'query-profile');

function readStaged(p: Plan, spec: SearchSpec): StagedRecord | null {
  let rec: StagedRecord;
  try {
    rec = JSON.parse(readFileSync(join(p.staging, `${spec.name}${RECORD}`), 'utf8')) as StagedRecord;
  } catch {
    return null;
  }
  const ok =
    rec.version === MANIFEST_VERSION &&
    rec.sequenceSha256 === p.identity.sequenceSha256 &&
    rec.output === spec.output &&
    JSON.stringify(rec.databases) === JSON.stringify(p.searchDatabases.get(spec.name)) &&
    JSON.stringify(comparableFlags(rec.flags)) === JSON.stringify(comparableFlags(p.identity.flags[spec.name])) &&
    existsSync(join(p.staging, spec.output)) &&
    (!needsProfile(p, spec.name) || existsSync(profileDir(p, spec.name)));
  return ok ? rec : null;
}

function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}-${rand()}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

/** Runs one search into the staging folder (output, then its record, each renamed into place). */
async function stageSearch(p: Plan, spec: SearchSpec, opts: AlignOptions, signal?: AbortSignal): Promise<StagedRecord> {
  const log = opts.log ?? console.log;
  mkdirSync(p.staging, { recursive: true });
  // Leftovers of an earlier, killed attempt at this same search.
  for (const f of readdirSync(p.staging))
    if (f.startsWith(`work-${spec.name}-`)) rmSync(join(p.staging, f), { recursive: true, force: true });
  const work = join(p.staging, `work-${spec.name}-${process.pid}-${rand()}`);
  mkdirSync(work);
  const query = join(p.staging, 'query.fasta');
  // Rewritten every time: the tag's sequence may have changed since an earlier attempt.
  writeFileAtomic(query, `>${p.target.tag}\n${p.target.sequence}\n`);
  const r = p.recipes.get(spec.name)!;
  const dependency = spec.after[0] ? p.specs.find((s) => s.name === spec.after[0]) : undefined;
  const startedAt = new Date();
  log(`align ${p.target.tag}: ${spec.name} (${spec.tool}) started`);
  const produced = await runRecipe(
    spec,
    r,
    {
      query,
      work,
      input: dependency && (r.prepare === 'query-profile' ? profileDir(p, dependency.name) : join(p.staging, dependency.output)),
      databases: databasePaths(p, spec.name),
    },
    signal,
  );
  const finishedAt = new Date();
  if (r.keepProfile) {
    rmSync(profileDir(p, spec.name), { recursive: true, force: true });
    renameSync(join(work, PROFILE_DIR), profileDir(p, spec.name));
  }
  const record = await recordStaged(p, spec, produced, startedAt, finishedAt);
  rmSync(work, { recursive: true, force: true });
  log(
    `align ${p.target.tag}: ${spec.name} done in ${record.seconds}s (${record.depth} ${spec.output.endsWith('.hhr') ? 'hits' : 'sequences'})`,
  );
  return record;
}

/** Moves a search's output into the staging folder, then writes its record (renamed into place: the record means done). */
async function recordStaged(
  p: Plan,
  spec: SearchSpec,
  produced: string,
  startedAt: Date,
  finishedAt: Date,
  batch?: number,
): Promise<StagedRecord> {
  const r = p.recipes.get(spec.name)!;
  mkdirSync(p.staging, { recursive: true });
  renameSync(produced, join(p.staging, spec.output));
  const depth = await outputDepth(join(p.staging, spec.output));
  const record: StagedRecord = {
    version: MANIFEST_VERSION,
    name: spec.name,
    output: spec.output,
    flags: recipeFlags(r),
    seconds: round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    depth,
    exitCode: 0,
    sequenceSha256: p.identity.sequenceSha256,
    databases: p.searchDatabases.get(spec.name)!,
    tool: spec.tool,
    toolVersion: await toolVersion(spec.tool),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    ...(batch ? { batch } : {}),
  };
  writeJsonAtomic(join(p.staging, `${spec.name}${RECORD}`), record);
  return record;
}

/**
 * The first MMseqs2 search of several targets run as one search: MMseqs2 loads its index once per run, so an
 * align group searched together costs little more than one target (measured: 1 query 18.0 s, 10 queries 23.2 s
 * on the benchmark's 4 M-sequence database). ColabFold searches a whole input this way. Each target's A3M is
 * staged as if searched alone; the per-target path then skips it. Not used when the environmental search
 * needs each target's query profile.
 */
async function stageBatch(plans: Plan[], spec: SearchSpec, opts: AlignOptions): Promise<void> {
  const log = opts.log ?? console.log;
  const staging = join(opts.out, STAGING);
  mkdirSync(staging, { recursive: true });
  // Named after the group's tags: a retried pod clears its own leftovers, never another group's running search.
  const group = sha256(plans.map((p) => p.target.tag).join('\n')).slice(0, 12);
  for (const f of readdirSync(staging)) if (f.startsWith(`batch-${group}-`)) rmSync(join(staging, f), { recursive: true, force: true });
  const work = join(staging, `batch-${group}-${process.pid}-${rand()}`);
  mkdirSync(work);
  const query = join(work, 'queries.fasta');
  writeFileSync(query, plans.map((p) => `>${p.target.tag}\n${p.target.sequence}\n`).join(''));
  const databases = databasePaths(plans[0], spec.name);
  log(`align: ${spec.name} (${spec.tool}) of ${plans.length} targets as one search started`);
  const startedAt = new Date();
  await runCalls(spec, plans[0].recipes.get(spec.name)!, { query, work, databases });
  const finishedAt = new Date();
  const outputs = batchOutputs(work);
  for (const p of plans) {
    const produced = outputs.get(p.target.tag);
    if (!produced || !existsSync(produced))
      throw new Error(`${spec.name}: the search of ${plans.length} targets wrote no MSA for ${p.target.tag}`);
    await recordStaged(p, spec, produced, startedAt, finishedAt, plans.length);
  }
  rmSync(work, { recursive: true, force: true });
  log(`align: ${spec.name} of ${plans.length} targets done in ${round((finishedAt.getTime() - startedAt.getTime()) / 1000)}s`);
}

/** Runs the group's first MMseqs2 search once for every target that still needs it (see stageBatch). */
async function batchFirstSearch(plans: Plan[], opts: AlignOptions, step: TargetStepOptions): Promise<void> {
  if (opts.mode !== 'mmseqs' || step.finalize || plans.length < 2) return;
  if (new Set(plans.map((p) => p.target.tag)).size !== plans.length) return;
  const spec = plans[0].specs.find((s) => s.tool === 'mmseqs' && s.after.length === 0);
  if (!spec || (step.search && step.search !== spec.name) || needsProfile(plans[0], spec.name)) return;
  const pending = plans.filter((p) => !upToDate(p) && !cachedManifest(p, opts) && !readStaged(p, spec));
  if (pending.length >= 2) await stageBatch(pending, spec, opts);
}

const round = (s: number) => Math.round(s * 100) / 100;

function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}-${rand()}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Runs the searches not already staged, each as soon as what it reads exists; the first failure stops the rest. */
async function stageAll(p: Plan, opts: AlignOptions, only?: SearchName): Promise<void> {
  const controller = new AbortController();
  let firstFailure: unknown;
  const started = new Map<SearchName, Promise<StagedRecord>>();
  const run = (spec: SearchSpec): Promise<StagedRecord> => {
    let promise = started.get(spec.name);
    if (!promise) {
      promise = (async () => {
        const staged = readStaged(p, spec);
        if (staged) return staged;
        if (only && spec.name !== only) {
          throw new AlignInputError(`search ${only} of ${p.target.tag} needs ${spec.name} first (run \`--search ${spec.name}\`)`);
        }
        await Promise.all(spec.after.map((a) => run(p.specs.find((s) => s.name === a)!)));
        controller.signal.throwIfAborted();
        return stageSearch(p, spec, opts, controller.signal);
      })();
      // The first failure stops the others; it is the one reported, not the searches it cancelled.
      promise.catch((e: unknown) => {
        if (controller.signal.aborted) return;
        firstFailure = e;
        controller.abort();
      });
      started.set(spec.name, promise);
    }
    return promise;
  };
  const wanted = only ? p.specs.filter((s) => s.name === only) : p.specs;
  wanted.forEach(run);
  // Wait for everything started: a cancelled search must be gone before its work folder is reused.
  await Promise.allSettled(started.values());
  if (firstFailure !== undefined) throw firstFailure;
}

function assemble(p: Plan, opts: AlignOptions, files: (name: string) => string, manifest: AlignManifest): void {
  const tmp = join(opts.out, `.tmp-${p.target.tag}-${process.pid}-${rand()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    for (const s of manifest.searches) linkOrCopy(files(s.output), join(tmp, s.output));
    writeFileSync(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    publish(tmp, p.final);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Builds the final directory from the staged searches. */
async function finalize(p: Plan, opts: AlignOptions, startedAt: number): Promise<AlignManifest> {
  const records = p.specs.map((s) => {
    const r = readStaged(p, s);
    if (!r) throw new AlignInputError(`${p.target.tag}: search ${s.name} has not run yet (run \`--search ${s.name}\` before --finalize)`);
    return r;
  });
  const tools: Record<string, string> = {};
  for (const r of records) tools[r.tool] = r.toolVersion;
  const msaDepth: Record<string, number> = {};
  for (const r of records) if (!r.output.endsWith('.hhr')) msaDepth[r.output] = r.depth;
  // The span from the first search's start covers searches staged by earlier attempts or other pods.
  const firstStart = Math.min(startedAt, ...records.map((r) => Date.parse(r.startedAt)));
  const manifest: AlignManifest = {
    version: MANIFEST_VERSION,
    tag: p.target.tag,
    sequenceSha256: p.identity.sequenceSha256,
    mode: p.identity.mode,
    tools,
    databases: p.identity.databases,
    searches: records.map(({ name, output, flags, seconds, depth, exitCode, batch }) => ({
      name,
      output,
      flags,
      seconds,
      depth,
      exitCode,
      ...(batch ? { batch } : {}),
    })),
    msaDepth,
    wallSeconds: round((Date.now() - firstStart) / 1000),
    cached: false,
    completedAt: new Date().toISOString(),
  };
  assemble(p, opts, (f) => join(p.staging, f), manifest);
  rmSync(p.staging, { recursive: true, force: true });
  try {
    rmdirSync(join(opts.out, STAGING)); // the last target of the folder leaves nothing behind
  } catch {
    // other targets are still staged there
  }
  return manifest;
}

function cacheEntry(p: Plan, opts: AlignOptions): string {
  return join(opts.config.alignment.cacheDir, identityKey(p.identity));
}

/** A valid, matching cache entry materialised as the target's directory; false when there is none. */
/** The cache entry's manifest when the cache is on and the entry is valid and matches the target. */
function cachedManifest(p: Plan, opts: AlignOptions): AlignManifest | null {
  if (opts.cache === false) return null;
  const cached = readManifest(cacheEntry(p, opts));
  return cached && !mismatch(cached, p.identity) ? cached : null;
}

function fromCache(p: Plan, opts: AlignOptions, startedAt: number): AlignManifest | null {
  const cached = cachedManifest(p, opts);
  if (!cached) return null;
  const entry = cacheEntry(p, opts);
  const manifest: AlignManifest = {
    ...cached,
    tag: p.target.tag,
    cached: true,
    wallSeconds: round((Date.now() - startedAt) / 1000),
    completedAt: new Date().toISOString(),
  };
  try {
    assemble(p, opts, (f) => join(entry, f), manifest);
  } catch (e) {
    // Another process replacing the entry meanwhile: search instead of failing.
    (opts.log ?? console.log)(`align ${p.target.tag}: cache entry ${entry} unusable (${(e as Error).message}); searching`);
    return null;
  }
  return manifest;
}

/** Stores a finished directory in the cache; a cache that cannot be written only costs a warning. */
function toCache(p: Plan, opts: AlignOptions, manifest: AlignManifest): void {
  if (opts.cache === false) return;
  const entry = cacheEntry(p, opts);
  if (readManifest(entry)) return;
  const tmp = `${entry}.tmp-${process.pid}-${rand()}`;
  try {
    mkdirSync(tmp, { recursive: true });
    for (const s of manifest.searches) linkOrCopy(join(p.final, s.output), join(tmp, s.output));
    writeFileSync(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    if (existsSync(entry)) rmSync(entry, { recursive: true, force: true });
    renameSync(tmp, entry);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    (opts.log ?? console.log)(`align ${p.target.tag}: warning: cannot write the cache at ${entry}: ${(e as Error).message}`);
  }
}

function upToDate(p: Plan): AlignManifest | null {
  const m = readManifest(p.final);
  return m && m.tag === p.target.tag && !mismatch(m, p.identity) ? m : null;
}

export interface TargetStepOptions {
  /** Run only this search into the staging folder (per-database fan-out). */
  search?: SearchName;
  /** Only assemble the staged searches into the final directory. */
  finalize?: boolean;
}

/** Aligns one target: up to date, from the cache, or searched (all, one with `search`, or only `finalize`). */
async function alignTarget(p: Plan, opts: AlignOptions, step: TargetStepOptions): Promise<TargetResult> {
  const startedAt = Date.now();
  const log = opts.log ?? console.log;
  const target = p.target;
  if (step.search && !p.specs.some((s) => s.name === step.search)) {
    throw new AlignInputError(`unknown search "${step.search}" for mode ${opts.mode} (expected ${p.specs.map((s) => s.name).join(', ')})`);
  }
  const current = upToDate(p);
  if (current) {
    log(`align ${target.tag}: up to date (${p.final})`);
    return { tag: target.tag, outcome: 'up-to-date', dir: p.final, manifest: current };
  }
  if (!existsSync(p.final)) mkdirSync(opts.out, { recursive: true });
  else log(`align ${target.tag}: ${p.final} has no valid matching manifest: aligning again`);
  const cached = fromCache(p, opts, startedAt);
  if (cached) {
    log(`align ${target.tag}: from the cache (${cacheEntry(p, opts)})`);
    return { tag: target.tag, outcome: 'cached', dir: p.final, manifest: cached };
  }
  if (step.search) {
    await stageAll(p, opts, step.search);
    return { tag: target.tag, outcome: 'staged', dir: p.staging };
  }
  if (!step.finalize) await stageAll(p, opts);
  const manifest = await finalize(p, opts, startedAt);
  toCache(p, opts, manifest);
  log(`align ${target.tag}: done in ${manifest.wallSeconds}s -> ${p.final}`);
  return { tag: target.tag, outcome: 'aligned', dir: p.final, manifest };
}

/** Aligns targets one after another (an align group, or the records of FASTA files). */
export async function alignTargets(targets: AlignTarget[], opts: AlignOptions, step: TargetStepOptions = {}): Promise<TargetResult[]> {
  const plans = targets.map((t) => plan(t, opts));
  await batchFirstSearch(plans, opts, step);
  const results: TargetResult[] = [];
  for (const p of plans) results.push(await alignTarget(p, opts, step));
  return results;
}
