// The align step's contract: what it reads and writes, its image and resource class, the tools it pins, and
// the searches each mode runs with their dependencies (the generator fans out over these when
// alignment.perDatabaseFanOut is set: one pod per search, then one `--finalize` pod).
import type { AlignMode, DatabasePaths } from '../../generators/config/types.js';

export type SearchName = 'uniref90' | 'mgnify' | 'bfd_uniref' | 'pdb70' | 'uniref30_mmseqs' | 'colabfold_env';
export type SearchTool = 'jackhmmer' | 'hhblits' | 'hhsearch' | 'mmseqs';

export interface SearchSpec {
  name: SearchName;
  tool: SearchTool;
  /** File written into the target's alignment directory (OpenFold reads every *.sto, *.a3m and *.hhr there). */
  output: string;
  /** Databases searched (keys of databases.paths). */
  databases: Array<keyof DatabasePaths>;
  /** Searches whose output this one reads (hhsearch takes the UniRef MSA as its query). */
  after: SearchName[];
  /** Rows kept of a Stockholm output (OpenFold's uniref_max_hits / mgnify_max_hits). */
  maxSequences?: number;
  /** Only run when this database path is configured (non-empty). */
  optional?: boolean;
}

// File names are those OpenFold's own pipelines write: data_pipeline.AlignmentRunner (uniref90_hits.sto,
// mgnify_hits.sto, bfd_uniref_hits.a3m) and scripts/precompute_alignments_mmseqs.py (uniref.a3m,
// bfd.mgnify30.metaeuk30.smag30.a3m, pdb70_hits.hhr). The loader (_parse_msa_data/_parse_template_hit_files)
// takes any *.a3m / *.sto as an MSA and any *.hhr as template hits, so no other such file may be left there.
const FULL_DBS: SearchSpec[] = [
  { name: 'uniref90', tool: 'jackhmmer', output: 'uniref90_hits.sto', databases: ['uniref90'], after: [], maxSequences: 10_000 },
  { name: 'mgnify', tool: 'jackhmmer', output: 'mgnify_hits.sto', databases: ['mgnify'], after: [], maxSequences: 5_000 },
  { name: 'bfd_uniref', tool: 'hhblits', output: 'bfd_uniref_hits.a3m', databases: ['bfd', 'uniref30'], after: [] },
  { name: 'pdb70', tool: 'hhsearch', output: 'pdb70_hits.hhr', databases: ['pdb70'], after: ['uniref90'] },
];

const MMSEQS: SearchSpec[] = [
  { name: 'uniref30_mmseqs', tool: 'mmseqs', output: 'uniref.a3m', databases: ['uniref30Mmseqs'], after: [] },
  {
    name: 'colabfold_env',
    tool: 'mmseqs',
    output: 'bfd.mgnify30.metaeuk30.smag30.a3m',
    databases: ['colabfoldEnv'],
    // As in ColabFold: the environmental search starts from the query profile of the UniRef30 search.
    after: ['uniref30_mmseqs'],
    optional: true,
  },
  { name: 'pdb70', tool: 'hhsearch', output: 'pdb70_hits.hhr', databases: ['pdb70'], after: ['uniref30_mmseqs'] },
];

// colabfold_server runs no local search: steps/align/server.ts asks the configured ColabFold MSA server.
export const SEARCHES: Readonly<Record<AlignMode, readonly SearchSpec[]>> = { full_dbs: FULL_DBS, mmseqs: MMSEQS, colabfold_server: [] };

/** The searches a mode runs for a config's database paths (optional ones only when configured). */
export function searchesFor(mode: AlignMode, paths: DatabasePaths): SearchSpec[] {
  return SEARCHES[mode].filter((s) => !s.optional || s.databases.every((d) => paths[d] !== ''));
}

export const alignContract = {
  name: 'align',
  summary: 'MSA and template searches of one align group (or of FASTA files), with a done-manifest per target.',
  image: 'msa',
  /** Resource class in the config: alignment.resources (its cpu is also the --cpu of the searches). */
  resourceClass: 'alignment',
  inputs: {
    plan: 'RUN/split/plan.json (align groups); the FASTA of a tag is RUN/split/fasta/<tag>.fasta',
    group: 'align group id in the plan',
    databases: 'databases.root with OpenFold file names (databases.paths)',
    cache: 'alignment.cacheDir (read and written)',
  },
  outputs: {
    alignments: 'RUN/alignments/<tag>/: *.sto, *.a3m, *.hhr and manifest.json, renamed into place when complete',
  },
  /** The Debian bookworm packages the msa image pins (images/msa/Dockerfile; a test checks they agree). */
  packages: { hmmer: '3.3.2+dfsg-1', hhsuite: '3.3.0+ds-7+b2', mmseqs2: '14-7e284+ds-1+b2' },
  /**
   * The versions those tools report, as the manifest records them (`mmseqs version` prints the Debian package
   * version of MMseqs2 release 14-7e284). The in-image test checks the image reports exactly these.
   */
  tools: { jackhmmer: '3.3.2', hhblits: '3.3.0', hhsearch: '3.3.0', mmseqs: '14-7e284+ds-1+b2' },
  /** Exit codes (common/errors.ts): 137 when a tool was OOM-killed or signalled (retried with more memory). */
  exitCodes: [0, 1, 2, 127, 137],
} as const;
