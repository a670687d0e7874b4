// The searches of a target, each run into OUT/.staging/<tag>/ and staged atomically: its output renamed into
// place, then a record (flags, identities, size and sha256 of the output) renamed next to it; the record
// means done. A killed run resumes with the searches it had not staged; a staged output that no longer holds
// what its record says is searched again.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchName, SearchSpec } from './contract.js';
import { fileProblem, rand, recordFile } from './files.js';
import { comparableFlags, MANIFEST_VERSION, sha256, type DatabaseIdentity, type SearchRecord } from './manifest.js';
import { batchOutputs, outputDepth, PROFILE_DIR, recipeFlags, runCalls, runRecipe } from './searches.js';
import {
  AlignInputError,
  databasePaths,
  manifestJson,
  needsProfile,
  profileDir,
  round,
  STAGING,
  type AlignOptions,
  type Plan,
} from './target-plan.js';
import { toolVersion } from './tools.js';

const RECORD = '.search.json';

/** The record staged next to a finished search's output. */
export interface StagedRecord extends SearchRecord {
  version: number;
  sequenceSha256: string;
  databases: DatabaseIdentity[];
  tool: string;
  toolVersion: string;
  startedAt: string;
  finishedAt: string;
}

/** The staged record of a search when it matches the plan and its output still holds what it recorded. */
export async function readStaged(p: Plan, spec: SearchSpec, opts: Pick<AlignOptions, 'verify'> = {}): Promise<StagedRecord | null> {
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
    (!needsProfile(p, spec.name) || existsSync(profileDir(p, spec.name)));
  if (!ok) return null;
  return (await fileProblem(join(p.staging, spec.output), rec, { full: opts.verify })) ? null : rec;
}

function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}-${rand()}`;
  writeFileSync(tmp, text);
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

/** Moves a search's output into the staging folder, hashes it, then writes its record (renamed into place). */
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
  const output = join(p.staging, spec.output);
  renameSync(produced, output);
  const depth = await outputDepth(output);
  const record: StagedRecord = {
    version: MANIFEST_VERSION,
    name: spec.name,
    output: spec.output,
    ...(await recordFile(output)),
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
  writeFileAtomic(join(p.staging, `${spec.name}${RECORD}`), manifestJson(record));
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

export interface TargetStepOptions {
  /** Run only this search into the staging folder (per-database fan-out). */
  search?: SearchName;
  /** Only assemble the staged searches into the final directory. */
  finalize?: boolean;
}

/**
 * Runs the group's first MMseqs2 search once for every target that still needs it (see stageBatch);
 * `needsSearching` says whether a target has neither a valid finished directory nor a cache entry.
 */
export async function batchFirstSearch(
  plans: Plan[],
  opts: AlignOptions,
  step: TargetStepOptions,
  needsSearching: (p: Plan) => Promise<boolean>,
): Promise<void> {
  if (opts.mode !== 'mmseqs' || step.finalize || plans.length < 2) return;
  if (new Set(plans.map((p) => p.target.tag)).size !== plans.length) return;
  const spec = plans[0].specs.find((s) => s.tool === 'mmseqs' && s.after.length === 0);
  if (!spec || (step.search && step.search !== spec.name) || needsProfile(plans[0], spec.name)) return;
  const pending: Plan[] = [];
  for (const p of plans) if ((await needsSearching(p)) && !(await readStaged(p, spec, opts))) pending.push(p);
  if (pending.length >= 2) await stageBatch(pending, spec, opts);
}

/** Runs the searches not already staged, each as soon as what it reads exists; the first failure stops the rest. */
export async function stageAll(p: Plan, opts: AlignOptions, only?: SearchName): Promise<void> {
  const controller = new AbortController();
  let firstFailure: unknown;
  const started = new Map<SearchName, Promise<StagedRecord>>();
  const run = (spec: SearchSpec): Promise<StagedRecord> => {
    let promise = started.get(spec.name);
    if (!promise) {
      promise = (async () => {
        const staged = await readStaged(p, spec, opts);
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
