// The command lines of each search (OpenFold's flags, checked against openfold/data/tools/{jackhmmer,hhblits,
// hhsearch}.py and scripts/colabfold_search.sh) and their execution into a scratch folder. A recipe is data:
// its arguments hold placeholders ({query}, {work}, {output}, {input}, {db:NAME}) that are recorded as the
// manifest's flags and replaced by real paths only when run, each path one argv element (no shell).
import {
  copyFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Config } from '../../generators/config/types.js';
import { databasePath } from '../../generators/config/load.js';
import type { SearchSpec } from './contract.js';
import {
  convertStockholmToA3m,
  deduplicateStockholm,
  firstStockholmNames,
  keepStockholmLine,
  parseHhr,
  removeEmptyStockholmColumns,
} from './formats.js';
import { runTool } from './tools.js';

export interface ToolCall {
  binary: string;
  args: string[];
}

export interface Recipe {
  /**
   * Readies {work} from the search it runs after: {work}/input.a3m from its MSA (hhsearch's query), or its
   * query and query profile databases (ColabFold's environmental search starts from the UniRef30 profile).
   */
  prepare?: 'stockholm-to-a3m' | 'copy-a3m' | 'query-profile';
  calls: ToolCall[];
  /** Leaves the MMseqs2 query (qdb) and query profile (prof_res) databases in {work}/profile for a later search. */
  keepProfile?: boolean;
  /** Turns the last call's result into {output}. */
  finish: { kind: 'truncate-stockholm'; from: string; max: number } | { kind: 'rename'; from: string } | { kind: 'none' };
}

/** The tool's output before post-processing, then the search's result, inside {work}. */
const OUT = '{work}/output';

// Python's str() of OpenFold's float defaults, so the argv is the same as under OpenFold.
const JACKHMMER_DEFAULTS = ['--F1', '0.0005', '--F2', '5e-05', '--F3', '5e-07', '--incE', '0.0001', '-E', '0.0001'];
const MMSEQS_SEARCH = ['--num-iterations', '3', '-a', '-s', '8', '-e', '0.1', '--max-seqs', '10000'];
// colabfold_search.sh with FILTER=1: EXPAND_PARAM, the realignment and the filterresult step.
const EXPAND = ['--expansion-mode', '0', '-e', 'inf', '--expand-filter-clusters', '1', '--max-seq-id', '0.95'];
const REALIGN = ['-e', '10', '--max-accept', '100000', '--alt-ali', '10', '-a'];
const FILTER_RESULT = ['--qid', '0', '--qsc', '0.8', '--diff', '0', '--max-seq-id', '1.0', '--filter-min-enable', '100'];
const MMSEQS_FILTER = [
  '--filter-msa',
  '1',
  '--filter-min-enable',
  '1000',
  '--diff',
  '3000',
  '--qid',
  '0.0,0.2,0.4,0.6,0.8,1.0',
  '--qsc',
  '0',
  '--max-seq-id',
  '0.95',
];

/** Whether an MMseqs2 database is ColabFold's expandable build (cluster profiles + _seq + _aln). */
export function isExpandableMmseqsDb(path: string): boolean {
  return existsSync(`${path}_seq.dbtype`) && existsSync(`${path}_aln.dbtype`);
}

export function recipe(spec: SearchSpec, cpu: number, expandable = false): Recipe {
  const db = (i = 0) => `{db:${spec.databases[i]}}`;
  switch (spec.tool) {
    case 'jackhmmer':
      return {
        calls: [
          {
            binary: 'jackhmmer',
            args: [
              '-o',
              '/dev/null',
              '-A',
              '{work}/raw.sto',
              '--noali',
              ...JACKHMMER_DEFAULTS,
              '--cpu',
              `${cpu}`,
              '-N',
              '1',
              '{query}',
              db(),
            ],
          },
        ],
        finish: { kind: 'truncate-stockholm', from: '{work}/raw.sto', max: spec.maxSequences ?? 10_000 },
      };
    case 'hhblits':
      return {
        calls: [
          {
            binary: 'hhblits',
            args: [
              ...['-i', '{query}', '-cpu', `${cpu}`, '-oa3m', OUT, '-o', '/dev/null', '-n', '3', '-e', '0.001'],
              ...['-maxseq', '1000000', '-realign_max', '100000', '-maxfilt', '100000', '-min_prefilter_hits', '1000'],
              ...spec.databases.flatMap((_, i) => ['-d', db(i)]),
            ],
          },
        ],
        finish: { kind: 'none' },
      };
    case 'hhsearch':
      return {
        prepare: spec.after[0] === 'uniref90' ? 'stockholm-to-a3m' : 'copy-a3m',
        calls: [{ binary: 'hhsearch', args: ['-i', '{work}/input.a3m', '-o', OUT, '-maxseq', '1000000', '-cpu', `${cpu}`, '-d', db()] }],
        finish: { kind: 'none' },
      };
    case 'mmseqs':
      if (spec.after.length)
        return { prepare: 'query-profile', calls: profileSearchCalls(db(), cpu, expandable), finish: { kind: 'rename', from: UNPACKED } };
      return {
        calls: expandable ? colabfoldCalls(db(), cpu) : mmseqsCalls(db(), cpu),
        keepProfile: true,
        finish: { kind: 'rename', from: UNPACKED },
      };
  }
}

/** result2msa's one-entry database unpacked: the query's A3M. */
const UNPACKED = '{work}/unpacked/0';

/** One MMseqs2 call, quiet but for errors (every call of the recipes ends with -v 1). */
const mmseqs = (...args: string[]): ToolCall => ({ binary: 'mmseqs', args: [...args, '-v', '1'] });
const threads = (cpu: number) => ['--threads', `${cpu}`];

/** A result database of {work}/qdb written as one A3M per query, unpacked under the query's key. */
const toA3m = (db: string, result: string, cpu: number): ToolCall[] => [
  mmseqs('result2msa', '{work}/qdb', db, result, '{work}/msa', '--msa-format-mode', '6', ...MMSEQS_FILTER, ...threads(cpu)),
  mmseqs('unpackdb', '{work}/msa', '{work}/unpacked', '--unpack-name-mode', '0'),
];
const CREATE_QUERY = mmseqs('createdb', '{query}', '{work}/qdb');
const searchQuery = (db: string, cpu: number) =>
  mmseqs('search', '{work}/qdb', db, '{work}/res', '{work}/tmp', ...MMSEQS_SEARCH, ...threads(cpu));
/** The query profile after the iterations of the search run with {work}/tmp, kept as {work}/prof_res. */
const KEEP_PROFILE = mmseqs('mvdb', '{work}/tmp/latest/profile_1', '{work}/prof_res');
/** prof_res named like the query (a link to its headers). */
const PROFILE_HEADERS = mmseqs('lndb', '{work}/qdb_h', '{work}/prof_res_h');

/** A plain MMseqs2 sequence database: iterative search, then the hits as one A3M (query first). */
function mmseqsCalls(db: string, cpu: number): ToolCall[] {
  return [CREATE_QUERY, searchQuery(db, cpu), KEEP_PROFILE, ...toA3m(db, '{work}/res', cpu)];
}

/**
 * ColabFold's expandable database (uniref30_2103_db with _seq and _aln): search the cluster representatives,
 * expand the clusters to their members, realign and filter, as scripts/colabfold_search.sh does (without an
 * index).
 */
function colabfoldCalls(db: string, cpu: number): ToolCall[] {
  const t = threads(cpu);
  return [
    CREATE_QUERY,
    searchQuery(db, cpu),
    mmseqs('expandaln', '{work}/qdb', `${db}_seq`, '{work}/res', `${db}_aln`, '{work}/res_exp', ...EXPAND, ...t),
    KEEP_PROFILE,
    PROFILE_HEADERS,
    mmseqs('align', '{work}/prof_res', `${db}_seq`, '{work}/res_exp', '{work}/res_exp_realign', ...REALIGN, ...t),
    mmseqs('filterresult', '{work}/qdb', `${db}_seq`, '{work}/res_exp_realign', '{work}/res_filter', ...FILTER_RESULT, ...t),
    ...toA3m(`${db}_seq`, '{work}/res_filter', cpu),
  ];
}

/**
 * ColabFold's environmental search (colabfold_search.sh, USE_ENV=1): the UniRef30 search's query profile
 * searched against the database, its clusters expanded without filtering, realigned with the profile of
 * this search's last iteration, filtered and written as an A3M of the original query. A database without
 * _seq/_aln gets the search and the A3M only.
 */
function profileSearchCalls(db: string, cpu: number, expandable: boolean): ToolCall[] {
  const t = threads(cpu);
  const search = [PROFILE_HEADERS, mmseqs('search', '{work}/prof_res', db, '{work}/res_env', '{work}/tmp', ...MMSEQS_SEARCH, ...t)];
  if (!expandable) return [...search, ...toA3m(db, '{work}/res_env', cpu)];
  return [
    ...search,
    mmseqs(
      'expandaln',
      '{work}/prof_res',
      `${db}_seq`,
      '{work}/res_env',
      `${db}_aln`,
      '{work}/res_env_exp',
      '-e',
      'inf',
      '--expansion-mode',
      '0',
      ...t,
    ),
    mmseqs('align', '{work}/tmp/latest/profile_1', `${db}_seq`, '{work}/res_env_exp', '{work}/res_env_exp_realign', ...REALIGN, ...t),
    mmseqs('filterresult', '{work}/qdb', `${db}_seq`, '{work}/res_env_exp_realign', '{work}/res_env_filter', ...FILTER_RESULT, ...t),
    ...toA3m(`${db}_seq`, '{work}/res_env_filter', cpu),
  ];
}

/** The manifest's flags: each call as one command line with placeholders. */
export function recipeFlags(r: Recipe): string[] {
  return r.calls.map((c) => [c.binary, ...c.args].join(' '));
}

export interface SearchPaths {
  query: string;
  work: string;
  /** Output file of the dependency (hhsearch's input MSA). */
  input?: string;
  databases: Record<string, string>;
}

function fill(arg: string, p: SearchPaths): string {
  return arg.replace(/\{(query|work|input|db:[A-Za-z0-9]+)\}/g, (_, key: string) => {
    if (key === 'query') return p.query;
    if (key === 'work') return p.work;
    if (key === 'input') return p.input ?? '';
    return p.databases[key.slice(3)];
  });
}

/** MMseqs2 database files of the query and its profile; links (prof_res_h, which lndb remakes) stay behind. */
const profileFiles = (dir: string) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isFile() && /^(qdb|qdb_h|prof_res)(\.(\d+|index|dbtype|lookup|source))?$/.test(d.name))
    .map((d) => d.name);

/** {work}/profile: the query databases a later search starts from, moved out of the scratch files. */
export const PROFILE_DIR = 'profile';

function prepareInput(spec: SearchSpec, r: Recipe, p: SearchPaths): void {
  if (!r.prepare) return;
  if (!p.input || !existsSync(p.input)) throw new Error(`${spec.name}: no input from ${spec.after.join(', ')} at ${p.input ?? '(none)'}`);
  if (r.prepare === 'query-profile') {
    for (const f of profileFiles(p.input)) copyFileSync(join(p.input, f), join(p.work, f));
    return;
  }
  const text = readFileSync(p.input, 'utf8');
  // OpenFold: deduplicate, drop empty columns, convert (data_pipeline.AlignmentRunner.run).
  const a3m =
    r.prepare === 'stockholm-to-a3m'
      ? convertStockholmToA3m(removeEmptyStockholmColumns(deduplicateStockholm(text)))
      : text.replace(/\0/g, '');
  writeFileSync(join(p.work, 'input.a3m'), a3m);
}

/** Runs a recipe's tool calls only. Throws ToolError on a tool failure. */
export async function runCalls(spec: SearchSpec, r: Recipe, p: SearchPaths, signal?: AbortSignal): Promise<void> {
  for (const call of r.calls) {
    await runTool(
      call.binary,
      call.args.map((a) => fill(a, p)),
      { label: `${call.binary} (${spec.name})`, cwd: p.work, signal },
    );
  }
}

/**
 * The A3M of each query of an MMseqs2 recipe run on a multi-query FASTA: result2msa's entries, unpacked under
 * their database keys, named through the query database's lookup (key -> the header's first word, the tag).
 */
export function batchOutputs(work: string): Map<string, string> {
  const byTag = new Map<string, string>();
  for (const line of readFileSync(join(work, 'qdb.lookup'), 'utf8').split('\n')) {
    const [key, name] = line.split('\t');
    if (name) byTag.set(name, join(work, 'unpacked', key));
  }
  return byTag;
}

/** Runs a recipe; the result is left at {work}/output (and the query profile at {work}/profile). Throws ToolError on a tool failure. */
export async function runRecipe(spec: SearchSpec, r: Recipe, p: SearchPaths, signal?: AbortSignal): Promise<string> {
  prepareInput(spec, r, p);
  await runCalls(spec, r, p, signal);
  const output = fill(OUT, p);
  if (r.finish.kind === 'truncate-stockholm') await truncateStockholmFile(fill(r.finish.from, p), output, r.finish.max);
  if (r.finish.kind === 'rename') renameSync(fill(r.finish.from, p), output);
  if (r.keepProfile) {
    const dir = join(p.work, PROFILE_DIR);
    mkdirSync(dir);
    for (const f of profileFiles(p.work)) renameSync(join(p.work, f), join(dir, f));
  }
  return output;
}

async function* lines(file: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

/** truncate_stockholm_msa, streaming: two passes over the file, so a large jackhmmer output is never held whole. */
export async function truncateStockholmFile(src: string, dst: string, max: number): Promise<void> {
  const names = new Set<string>();
  for await (const line of lines(src)) {
    for (const n of firstStockholmNames([line], 1)) names.add(n);
    if (names.size >= max) break;
  }
  const out = createWriteStream(dst);
  for await (const line of lines(src)) {
    if (keepStockholmLine(line, names) && !out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Sequences in an .sto/.a3m (the query included) or hits in an .hhr, read as a stream. */
export async function outputDepth(file: string): Promise<number> {
  if (file.endsWith('.hhr')) return parseHhr(readFileSync(file, 'utf8')).hits.length;
  if (file.endsWith('.a3m')) {
    let n = 0;
    for await (const line of lines(file)) if (line.startsWith('>')) n++;
    return n;
  }
  const names = new Set<string>();
  for await (const line of lines(file)) {
    if (line.trim() && !line.startsWith('#') && !line.startsWith('//')) names.add(line.split(/\s+/, 1)[0]);
  }
  return names.size;
}

/** Absolute database paths of a search. */
export function searchDatabases(spec: SearchSpec, config: Config): Record<string, string> {
  return Object.fromEntries(spec.databases.map((d) => [d, databasePath(config, d)]));
}
