// `npm run bench:align`: full_dbs (jackhmmer + hhblits + hhsearch) against mmseqs (MMseqs2 + hhsearch) for the
// same 10 queries on one generated database set, side by side in one run, then a rerun served by the cache.
// Prints figures; asserts nothing about speed. Sizes: BENCH_DECOYS (decoys of each jackhmmer FASTA: 16 M, 3.7 GB,
// so that one jackhmmer search takes tens of seconds), BENCH_MMSEQS_DECOYS (the MMseqs2 database: 4 M; its k-mer
// index needs about 12 bytes per residue, 8.5 GB, held in memory with the FASTA files; ColabFold's UniRef30
// is clustered at 30% identity, several times smaller than UniRef90), BENCH_DECOY_CLUSTERS (each HH-suite
// database: cstranslate needs about 0.2 CPU-s per cluster to build one, so they stay small here), BENCH_CPU.
// Each database is cached on its own (test/steps/align/fixture.ts): changing one size rebuilds only its databases.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { DemoDataOptions } from '../../demo/data/build.js';
import { DEMO_PROTEINS } from '../../demo/data/sequences.js';
import type { AlignManifest } from '../../steps/align/manifest.js';
import { benchmarkNeeds, missingTools } from '../helpers/env.js';
import { ALIGN_TOOLS, demoDatabases, INSTALL, runCli, workspace, writeFasta } from '../steps/align/fixture.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const OPTIONS: DemoDataOptions = {
  queries: 10,
  familySize: 100,
  decoys: env('BENCH_DECOYS', 16_000_000),
  mmseqsDecoys: env('BENCH_MMSEQS_DECOYS', 4_000_000),
  decoyClusters: env('BENCH_DECOY_CLUSTERS', 2_000),
  clusterSize: 8,
  templatesPerFamily: 2,
  // As ColabFold's databases ship: without the index each MMseqs2 search first indexes the whole target.
  mmseqsIndex: true,
};
const CPU = env('BENCH_CPU', availableParallelism());

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

interface ModeRun {
  seconds: number;
  manifests: AlignManifest[];
}

async function alignAll(mode: string, out: string, config: string, fasta: string): Promise<ModeRun> {
  const r = await runCli(['align', '--fasta', fasta, '--out', out, '--config', config, '--mode', mode, '--cpu', String(CPU)]);
  if (r.code !== 0) throw new Error(`align --mode ${mode} failed (${r.code}):\n${r.stderr}`);
  const manifests = DEMO_PROTEINS.map((p) => JSON.parse(readFileSync(join(out, p.id, 'manifest.json'), 'utf8')) as AlignManifest);
  return { seconds: r.seconds, manifests };
}

/** Bytes under each top-level folder of the databases root. */
function folderSizes(root: string): string {
  const size = (path: string): number => {
    const st = statSync(path);
    return st.isDirectory() ? readdirSync(path).reduce((sum, f) => sum + size(join(path, f)), 0) : st.size;
  };
  // The root's folders are links into the per-database cache: statSync follows them.
  return readdirSync(root)
    .filter((f) => statSync(join(root, f)).isDirectory())
    .map((f) => `${f} ${fmt(size(join(root, f)) / 1e9, 2)} GB`)
    .join(', ');
}

/** Sequences OpenFold reads for a target: the sum over its MSA files. */
const depth = (m: AlignManifest) => Object.values(m.msaDepth).reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  benchmarkNeeds(missingTools(ALIGN_TOOLS, INSTALL));
  console.log(
    `align benchmark: ${CPU} CPU(s) for --cpu, load average ${loadavg()
      .map((l) => fmt(l, 2))
      .join(' ')}`,
  );
  console.log(`databases: ${JSON.stringify(OPTIONS)}`);
  const t = Date.now();
  const dbDir = await demoDatabases(OPTIONS);
  console.log(`databases ready in ${fmt((Date.now() - t) / 1000)}s (${dbDir}; reused when already built)`);
  console.log(`database sizes: ${folderSizes(dbDir)}\n`);

  const ws = workspace(dbDir);
  const fasta = writeFasta(
    ws.mount,
    'queries.fasta',
    DEMO_PROTEINS.map((p) => [p.id, p.sequence]),
  );
  const full = await alignAll('full_dbs', join(ws.mount, 'full'), ws.config, fasta);
  const mm = await alignAll('mmseqs', join(ws.mount, 'mmseqs'), ws.config, fasta);
  const cached = await alignAll('full_dbs', join(ws.mount, 'full-again'), ws.config, fasta);
  if (!cached.manifests.every((m) => m.cached)) throw new Error('the rerun was not served by the cache');

  console.log('query          length  full_dbs depth  mmseqs depth  full_dbs s  mmseqs s');
  DEMO_PROTEINS.forEach((p, i) => {
    const [f, m] = [full.manifests[i], mm.manifests[i]];
    console.log(
      `${p.id.padEnd(14)} ${String(p.sequence.length).padStart(6)}  ${String(depth(f)).padStart(14)}  ${String(depth(m)).padStart(12)}  ${fmt(f.wallSeconds).padStart(10)}  ${fmt(m.wallSeconds).padStart(8)}`,
    );
  });
  const searchSeconds = (run: ModeRun) => {
    const names = [...new Set(run.manifests.flatMap((m) => m.searches.map((s) => s.name)))];
    return names
      .map((n) => {
        const records = run.manifests.map((m) => m.searches.find((s) => s.name === n)!);
        const batch = records[0].batch ? ` (one run for ${records[0].batch} targets)` : '';
        return `${n} ${fmt(median(records.map((s) => s.seconds)), 2)}s${batch}`;
      })
      .join(', ');
  };
  const totalDepth = (run: ModeRun) => run.manifests.reduce((a, m) => a + depth(m), 0);
  console.log(`\nmedian seconds per search: full_dbs: ${searchSeconds(full)}; mmseqs: ${searchSeconds(mm)}`);
  console.log(
    `wall time, 10 queries:  full_dbs ${fmt(full.seconds)}s  mmseqs ${fmt(mm.seconds)}s  ratio full/mmseqs ${fmt(full.seconds / mm.seconds, 2)}`,
  );
  console.log(
    `MSA depth, 10 queries:  full_dbs ${totalDepth(full)}  mmseqs ${totalDepth(mm)}  ratio full/mmseqs ${fmt(totalDepth(full) / totalDepth(mm), 2)}`,
  );
  console.log(`cached rerun (full_dbs, 10 queries): ${fmt(cached.seconds, 2)}s`);
}

await main();
