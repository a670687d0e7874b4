// Hands OpenFold3 the run's precomputed MSAs in the form it reads. OpenFold3 0.5.0 takes a chain's
// main_msa_file_paths as files or directories, and uses a file ONLY when its stem is one of the names in its
// MSA settings (max_seq_counts: uniref90_hits, mgnify_hits, bfd_uniref_hits, colabfold_main, ...): anything
// else is skipped without a word, and a chain left without a recognised file fails its query. A chain's MSA
// identity is its directory name, so every unique chain gets its own directory. So the align step's files are
// linked (or, for ColabFold's two files, concatenated) into OUT/msas/<chain key>/ under OpenFold3's names.
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chainKey, queryPairKey } from '../split/chains.js';
import type { Query } from '../split/query.js';

/** MSA names OpenFold3 0.5.0 reads (dataset_config_components.MsaSettings.max_seq_counts), by stem. */
export const OPENFOLD3_MSA_NAMES = [
  'uniref90_hits',
  'uniprot_hits',
  'bfd_uniclust_hits',
  'bfd_uniref_hits',
  'cfdb_uniref30',
  'cfdb_hits',
  'mgnify_hits',
  'rfam_hits',
  'rnacentral_hits',
  'nt_hits',
  'nucleotide_collection_hits',
  'concat_cfdb_uniref100_filtered',
  'mmseqs_colabfold',
  'colabfold_main',
  'colabfold_paired',
] as const;

/** ColabFold's output files (local MMseqs2 mode and the MSA server), concatenated into colabfold_main.a3m. */
export const COLABFOLD_FILES = ['uniref.a3m', 'bfd.mgnify30.metaeuk30.smag30.a3m'] as const;

const MSA_EXT = /\.(a3m|sto)$/;

export interface StagedMsa {
  /** The directory given to OpenFold3 (main_msa_file_paths). */
  dir: string;
  /** OpenFold3 names staged, e.g. ["bfd_uniref_hits.a3m", "mgnify_hits.sto", "uniref90_hits.sto"]. */
  files: string[];
  /** Files of the alignment directory OpenFold3 cannot read (e.g. pdb70_hits.hhr). */
  unused: string[];
}

function linkOrCopy(src: string, dst: string): void {
  try {
    linkSync(src, dst);
  } catch {
    copyFileSync(src, dst);
  }
}

/** ColabFold A3Ms hold one block per query separated by NUL bytes; OpenFold3's client strips them the same way. */
const withoutNul = (text: string) => text.replace(/\0/g, '');

/**
 * Stages one chain's alignment directory (the align step's output) into `dir` under OpenFold3's names:
 * names it already reads are linked as they are; ColabFold's uniref.a3m and environmental A3M become one
 * colabfold_main.a3m (uniref first), as OpenFold3's own ColabFold client writes it.
 */
export function stageMainMsa(alignmentDir: string, dir: string): StagedMsa {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const present = readdirSync(alignmentDir).filter((f) => f !== 'manifest.json');
  const files: string[] = [];
  const unused: string[] = [];
  const colabfold = COLABFOLD_FILES.filter((f) => present.includes(f));
  for (const f of present) {
    if ((COLABFOLD_FILES as readonly string[]).includes(f)) continue;
    const stem = f.replace(MSA_EXT, '');
    if (MSA_EXT.test(f) && (OPENFOLD3_MSA_NAMES as readonly string[]).includes(stem)) {
      linkOrCopy(join(alignmentDir, f), join(dir, f));
      files.push(f);
    } else unused.push(f);
  }
  if (colabfold.length) {
    const text = colabfold.map((f) => {
      const t = withoutNul(readFileSync(join(alignmentDir, f), 'utf8'));
      return t.endsWith('\n') ? t : `${t}\n`;
    });
    writeFileSync(join(dir, 'colabfold_main.a3m'), text.join(''));
    files.push('colabfold_main.a3m');
  }
  return { dir, files: files.sort(), unused: unused.sort() };
}

/** Stages a chain's rows of a paired MSA (RUN/alignments/<pair key>/<chain key>.a3m) as colabfold_paired.a3m. */
export function stagePairedMsa(pairDir: string, key: string, dir: string): string | undefined {
  const src = join(pairDir, `${key}.a3m`);
  if (!existsSync(src)) return undefined;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'colabfold_paired.a3m'), withoutNul(readFileSync(src, 'utf8')));
  return dir;
}

export interface StageResult {
  /** The query as OpenFold3 receives it (MSA paths filled). */
  query: Query;
  /** Chain keys whose alignments were expected but missing. */
  missing: string[];
  /** Per chain key, what was staged. */
  staged: Record<string, string[]>;
}

/**
 * The query with MSA paths of the run: a chain the run aligned (key under `alignmentsDir`) reads
 * OUT/msas/<key>/; a complex with a paired MSA also reads OUT/msas/<pair key>/<key>/. User-given paths stay.
 */
export function stageQuery(
  q: Query,
  alignmentsDir: string,
  msasDir: string,
  alignedKeys: ReadonlySet<string>,
  /** Chains staged for earlier queries of the batch (identical chains share one directory). */
  done: Map<string, StagedMsa> = new Map(),
): StageResult {
  const query: Query = structuredClone(q);
  const missing: string[] = [];
  const staged: Record<string, string[]> = {};
  const pair = queryPairKey(q);
  const pairDir = pair && alignedKeys.has(pair) ? join(alignmentsDir, pair) : undefined;
  if (pairDir && !existsSync(join(pairDir, 'manifest.json'))) missing.push(pair!);
  for (const chain of query.chains) {
    if (!chain.sequence || (chain.molecule_type !== 'protein' && chain.molecule_type !== 'rna')) continue;
    const key = chainKey(chain.molecule_type, chain.sequence);
    if (!chain.main_msa_file_paths && alignedKeys.has(key)) {
      const src = join(alignmentsDir, key);
      if (!existsSync(join(src, 'manifest.json'))) missing.push(key);
      else {
        const s = done.get(key) ?? stageMainMsa(src, join(msasDir, key));
        done.set(key, s);
        staged[key] = s.files;
        if (s.files.length) chain.main_msa_file_paths = [s.dir];
      }
    }
    if (pairDir && chain.molecule_type === 'protein' && !chain.paired_msa_file_paths && existsSync(pairDir)) {
      const dir = stagePairedMsa(pairDir, key, join(msasDir, pair!, key));
      if (dir) chain.paired_msa_file_paths = [dir];
    }
  }
  return { query, missing: [...new Set(missing)], staged };
}
