// `openfold-argo demo`: the whole pipeline on a small bundled data set. The project generates tiny
// deterministic stand-ins of the databases (demo/data, never downloaded), packs them as a `file://`
// mirror that the databases step fetches from like from S3, writes a few real protein sequences as the input,
// and runs the rendered pipeline with the local executor and the real alignment tools.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveConfig } from '../generators/config/load.js';
import type { Config } from '../generators/config/types.js';
import { buildDemoMirror, demoFasta, type DemoDatabase } from './data/index.js';
import { DEMO_PROTEINS } from './data/sequences.js';
import { writeAtomic } from '../executor/state.js';

/** Databases the demo's full_dbs alignment searches (MMseqs2's is not needed). */
export const DEMO_MIRROR_DATABASES: DemoDatabase[] = ['uniref90', 'mgnify', 'bfd', 'uniref30', 'pdb70'];
export const DEMO_QUERIES = 4;
const BUCKET = 'demo-databases';

/** Tools the demo needs: the searches (hmmer, hhsuite) and building the HH-suite stand-ins. */
export const DEMO_TOOLS = ['jackhmmer', 'hhblits', 'hhsearch', 'hhmake', 'ffindex_build', 'ffindex_apply', 'tar', 'gzip'];
export const INSTALL_HINT = 'Debian/Ubuntu: sudo apt-get install hmmer hhsuite kalign mmseqs2';

export interface DemoRuntime {
  /** OpenFold checkout (holds run_pretrained_openfold.py); empty: predictions are recorded as not run. */
  openfoldDir?: string;
  python?: string;
  /** Absolute path of the OpenFold weights (.pt) when OpenFold runs. */
  checkpoint?: string;
  /** OpenFold3 instead of OpenFold: the demo input is an OpenFold3 query JSON (demoQueries). */
  model?: 'openfold' | 'openfold3';
  /** OpenFold3's run_openfold; empty: predictions are recorded as not run. */
  runOpenfold?: string;
  /** Absolute path of the OpenFold3 weights (.pt). */
  openfold3Checkpoint?: string;
  /** openfold3 settings beyond the defaults (device, seeds, diffusion samples, runner settings). */
  openfold3?: Record<string, unknown>;
}

/**
 * The OpenFold3 demo input: the demo proteins as a heterodimer, with ligands (a CCD code and a SMILES) and
 * alone. Ubiquitin is in three queries: one alignment serves them all.
 */
export function demoQueries(): string {
  const [ubq, gb1, villin, trp] = DEMO_PROTEINS.slice(0, 4).map((p) => p.sequence);
  const protein = (id: string, sequence: string) => ({ molecule_type: 'protein', chain_ids: [id], sequence });
  return `${JSON.stringify(
    {
      queries: {
        ubq_gb1: { chains: [protein('A', ubq), protein('B', gb1)] },
        ubq_atp: { chains: [protein('A', ubq), { molecule_type: 'ligand', chain_ids: ['L'], ccd_codes: ['ATP'] }] },
        villin_aspirin: { chains: [protein('A', villin), { molecule_type: 'ligand', chain_ids: ['L'], smiles: 'CC(=O)Oc1ccccc1C(=O)O' }] },
        ubq_trp_cage: { chains: [protein('A', ubq), protein('B', trp)] },
      },
    },
    null,
    2,
  )}\n`;
}

/** Builds (or reuses, when built with the same options) the file mirror of the demo databases under `root`. */
export async function prepareDemoMirror(root: string): Promise<{ endpoint: string; manifestFile: string }> {
  const dir = join(root, BUCKET);
  const stampFile = join(dir, '.demo-options.json');
  const options = { queries: DEMO_QUERIES, only: DEMO_MIRROR_DATABASES, version: 'demo' };
  const stamp = JSON.stringify(options);
  const manifestFile = join(dir, 'manifest.json');
  const current = existsSync(stampFile) && existsSync(manifestFile) && readFileSync(stampFile, 'utf8') === stamp;
  if (!current) {
    mkdirSync(dir, { recursive: true });
    await buildDemoMirror(dir, options);
    writeAtomic(stampFile, stamp);
  }
  return { endpoint: pathToFileURL(root).href, manifestFile };
}

/** The demo's config: default example values, the mirror as the database source, the demo FASTA as input. */
export function demoConfig(mirror: { endpoint: string; manifestFile: string }, runtime: DemoRuntime = {}): Config {
  const cpu = Math.max(1, Math.min(4, availableParallelism()));
  return resolveConfig(
    {
      databases: {
        manifest: mirror.manifestFile,
        version: 'demo',
        source: { endpoint: mirror.endpoint, bucket: BUCKET, prefix: '' },
      },
      ...(runtime.model === 'openfold3' ? { model: 'openfold3' } : {}),
      input: { fasta: runtime.model === 'openfold3' ? '/fsx/input/demo-queries.json' : '/fsx/input/demo.fasta' },
      alignment: { mode: 'full_dbs', resources: { cpu, memory: '4Gi' } },
      inference: {
        runtime: { openfoldDir: runtime.openfoldDir ?? '', python: runtime.python ?? 'python3' },
        ...(runtime.checkpoint ? { checkpoint: runtime.checkpoint } : {}),
      },
      openfold3: {
        runtime: { runOpenfold: runtime.runOpenfold ?? '' },
        ...(runtime.openfold3Checkpoint ? { checkpoint: runtime.openfold3Checkpoint } : {}),
        ...runtime.openfold3,
      },
      // A demo should say quickly what failed: one retry, short backoff.
      retries: { limit: 1, backoff: { duration: '2s', factor: 2, maxDelay: '1m' } },
    },
    'demo config',
  );
}

/** Writes the demo input (FASTA, or OpenFold3 query JSON) where the (rebased) config expects it. */
export function writeDemoInput(localConfig: Config): string {
  const file = localConfig.input.fasta;
  writeAtomic(file, localConfig.model === 'openfold3' ? demoQueries() : demoFasta(DEMO_QUERIES));
  return file;
}
