// Builds a run directory in a temp dir from OpenFold's example outputs (test/fixtures), the way the steps would leave it:
// split output (through the real split step), one target aligned and predicted (OpenFold's example
// alignments and sample prediction; result.json pLDDT computed with the collect parser), one failed, one
// only aligned, one not started, and a duplicate of the predicted one.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../../generators/config/load.js';
import { runSplit } from '../../../steps/split/split.js';
import { meanPlddt, parsePdbPlddt } from '../../../steps/collect/plddt.js';
import type { AlignManifest, TargetResult } from '../../../steps/collect/collect.js';
import { recordFile } from '../../../steps/align/files.js';
import { tempDir } from '../../helpers/env.js';
import { OPENFOLD_MONOMER as EXAMPLE } from '../../helpers/fixtures.js';

const SEQUENCE_6KWC = readFileSync(join(EXAMPLE, 'fasta_dir', '6kwc.fasta'), 'utf8')
  .split('\n')[1]
  .trim();

/** Depth of an MSA file as the align step counts it: sequences in an A3M, distinct names in a Stockholm file. */
export function msaDepth(file: string): number {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.a3m')) return text.split('\n').filter((l) => l.startsWith('>')).length;
  const names = text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#') && !l.startsWith('//'))
    .map((l) => l.split(/\s+/)[0]);
  return new Set(names).size;
}

const writeJson = (file: string, value: unknown) => {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
};

/** A done-manifest as the align step writes it: each MSA in `dir` with its size, sha256 and mtime. */
async function alignManifest(
  dir: string,
  tag: string,
  completedAt: string,
  wallSeconds: number,
  msa: Record<string, number>,
): Promise<AlignManifest> {
  const searches = [];
  for (const [output, depth] of Object.entries(msa)) {
    const file = join(dir, output);
    if (!existsSync(file)) writeFileSync(file, `>${tag}\nMKV\n`.repeat(depth)); // stands in for the MSA's bytes
    searches.push({
      name: output.replace(/_hits\..*$/, ''),
      output,
      ...(await recordFile(file)),
      flags: [],
      seconds: 1,
      depth,
      exitCode: 0,
    });
  }
  return {
    version: 2,
    tag,
    sequenceSha256: '',
    mode: 'full_dbs',
    tools: { jackhmmer: '3.3.2', hhblits: '3.3.0' },
    databases: [],
    searches,
    msaDepth: msa,
    wallSeconds,
    cached: false,
    completedAt,
  };
}

export interface FixtureRun {
  run: string;
  plddt6kwc: number[];
}

export async function buildFixtureRun(): Promise<FixtureRun> {
  const run = join(tempDir('ofa-report-'), 'run-2024');
  const fasta = join(run, '..', 'input.fasta');
  writeFileSync(
    fasta,
    [
      '>6KWC_1',
      SEQUENCE_6KWC,
      '>7ELF_C failing',
      'MNVARIGIGQLCSSSNLKQNLEVVKSLIKKALDQDVKVLFFPEATDYLSRNAEHSKKLAS',
      '>ALIGNED_ONLY',
      'MKVLAAGIVGLLLAQ',
      '>NOT_STARTED',
      'MSTNPKPQRKTKRNTNRRPQDVKFPGG',
      '>6KWC_copy same sequence',
      SEQUENCE_6KWC.toLowerCase(),
      '',
    ].join('\n'),
  );
  await runSplit({ input: fasta, out: join(run, 'split'), config: resolveConfig({}) });

  // 6KWC_1: OpenFold's example alignments and sample prediction.
  const alignDir = join(run, 'alignments', '6KWC_1');
  mkdirSync(alignDir, { recursive: true });
  for (const f of ['bfd_uniref_hits.a3m', 'mgnify_hits.sto']) copyFileSync(join(EXAMPLE, 'alignments', '6KWC_1', f), join(alignDir, f));
  writeJson(
    join(alignDir, 'manifest.json'),
    await alignManifest(alignDir, '6KWC_1', '2024-05-01T10:00:00.000Z', 1800, {
      'bfd_uniref_hits.a3m': msaDepth(join(alignDir, 'bfd_uniref_hits.a3m')),
      'mgnify_hits.sto': msaDepth(join(alignDir, 'mgnify_hits.sto')),
    }),
  );
  const predictions = join(run, 'predictions', 'c0000');
  mkdirSync(predictions, { recursive: true });
  for (const kind of ['unrelaxed', 'relaxed']) {
    copyFileSync(
      join(EXAMPLE, 'sample_predictions', `6KWC_1_model_1_ptm_${kind}.pdb`),
      join(predictions, `6KWC_1_model_1_ptm_${kind}.pdb`),
    );
  }
  const plddt6kwc = parsePdbPlddt(readFileSync(join(predictions, '6KWC_1_model_1_ptm_unrelaxed.pdb'), 'utf8'));
  const predicted: TargetResult = {
    version: 1,
    tag: '6KWC_1',
    chunk: 'c0000',
    status: 'predicted',
    meanPlddt: meanPlddt(plddt6kwc)!,
    plddt: plddt6kwc,
    predictSeconds: 95.5,
    files: {
      unrelaxed: join(predictions, '6KWC_1_model_1_ptm_unrelaxed.pdb'),
      relaxed: 'predictions/c0000/6KWC_1_model_1_ptm_relaxed.pdb',
    },
    configPreset: 'model_1_ptm',
    gpuClass: 'standard',
    completedAt: '2024-05-01T10:05:00.000Z',
  };
  writeJson(join(run, 'results', '6KWC_1', 'result.json'), predicted);

  // 7ELF_C: aligned, prediction failed.
  mkdirSync(join(run, 'alignments', '7ELF_C'), { recursive: true });
  writeJson(
    join(run, 'alignments', '7ELF_C', 'manifest.json'),
    await alignManifest(join(run, 'alignments', '7ELF_C'), '7ELF_C', '2024-05-01T09:30:00.000Z', 600, { 'uniref90_hits.sto': 12 }),
  );
  writeJson(join(run, 'results', '7ELF_C', 'result.json'), {
    version: 1,
    tag: '7ELF_C',
    chunk: 'c0000',
    status: 'failed',
    reason: 'CUDA out of memory (exit 86)',
    files: {},
    configPreset: 'model_1_ptm',
    gpuClass: 'standard',
    completedAt: '2024-05-01T10:06:00.000Z',
  });

  // ALIGNED_ONLY: an alignment, no result yet. NOT_STARTED: nothing.
  mkdirSync(join(run, 'alignments', 'ALIGNED_ONLY'), { recursive: true });
  writeJson(join(run, 'alignments', 'ALIGNED_ONLY', 'manifest.json'), {
    ...(await alignManifest(join(run, 'alignments', 'ALIGNED_ONLY'), 'ALIGNED_ONLY', '2024-05-01T09:00:00.000Z', 30, {
      'bfd_uniref_hits.a3m': 3,
    })),
    cached: true,
  });
  return { run, plddt6kwc };
}
