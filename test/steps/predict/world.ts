// A throw-away run directory for the predict tests: a plan with chunks of real-looking tags, their FASTA files,
// alignment folders, the config pointing at them, and (optionally) the OpenFold TEST DOUBLE installed as the
// runtime's run_pretrained_openfold.py. The weights file is an empty placeholder: the double never reads it.
import { copyFileSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../../generators/config/load.js';
import type { Config } from '../../../generators/config/types.js';
import { ROOT, tempDir } from '../../helpers/env.js';
import { OPENFOLD_MONOMER as MONOMER } from '../../helpers/fixtures.js';

export const UNRELAXED_PDB = join(MONOMER, 'sample_predictions', '6KWC_1_model_1_ptm_unrelaxed.pdb');
export const RELAXED_PDB = join(MONOMER, 'sample_predictions', '6KWC_1_model_1_ptm_relaxed.pdb');
export const DOUBLE = join(ROOT, 'test', 'doubles', 'run_pretrained_openfold_double.py');
/** 6KWC_1 from OpenFold's example FASTA. */
export const SEQUENCE =
  'GSTIQPGTGYNNGYFYSYWNDGHGGVTYTNGPGGQFSVNWSNSGEFVGGKGWQPGTKNKVINFSGSYNPNGNSYLSVYGWSRNPLIEYYIVENFGTYNPSTGATKLGEVTSDGSVYDIYRTQRVNQPSIIGTATFYQYWSVRRNHRSSGSVNTANHFNAWAQQGLTLGTMDYQIVAVQGYFSSGSASITVS';

export interface World {
  root: string;
  run: string;
  plan: string;
  alignments: string;
  results: string;
  openfoldDir: string;
  config: Config;
  configFile: string;
  /** Environment for the double: fixture models, plus what a test adds. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
}

export interface WorldOptions {
  /** Tags per batch of chunk c0000. */
  batches: string[][];
  /** Install the double as the OpenFold runtime. @default true */
  runtime?: boolean;
  /** inference.checkpoint. @default an absolute .pt under databases */
  checkpoint?: string;
  inference?: Record<string, unknown>;
  gpu?: 'standard' | 'long';
}

export function makeWorld(o: WorldOptions): World {
  const root = tempDir('ofa-predict-');
  const volume = join(root, 'vol');
  const run = join(volume, 'runs', 'r1');
  const openfoldDir = join(root, 'openfold');
  mkdirSync(openfoldDir, { recursive: true });
  if (o.runtime ?? true) symlinkSync(DOUBLE, join(openfoldDir, 'run_pretrained_openfold.py'));
  const databases = join(volume, 'databases');
  mkdirSync(join(databases, 'pdb_mmcif', 'mmcif_files'), { recursive: true });
  mkdirSync(join(databases, 'openfold_params'), { recursive: true });
  const checkpoint = o.checkpoint ?? join(databases, 'openfold_params', 'finetuning_ptm_2.pt');
  writeFileSync(checkpoint.startsWith('/') ? checkpoint : join(databases, checkpoint), '');

  const fastaDir = join(run, 'split', 'fasta');
  mkdirSync(fastaDir, { recursive: true });
  const alignments = join(run, 'alignments');
  o.batches.flat().forEach((tag, i) => {
    // Different lengths, so OpenFold's length order is not the plan's order.
    writeFileSync(join(fastaDir, `${tag}.fasta`), `>${tag}\n${SEQUENCE.slice(0, 191 - 10 * i)}\n`);
    mkdirSync(join(alignments, tag), { recursive: true });
    for (const f of readdirSync(join(MONOMER, 'alignments', '6KWC_1')))
      copyFileSync(join(MONOMER, 'alignments', '6KWC_1', f), join(alignments, tag, f));
  });
  const plan = join(run, 'split', 'plan.json');
  const chunk = { id: 'c0000', gpu: o.gpu ?? 'standard', first: 0, last: 0, batches: o.batches.map((tags) => ({ tags, residues: 0 })) };
  writeFileSync(plan, JSON.stringify({ version: 1, alignGroups: [], chunks: [chunk] }));

  const doc = {
    volume: { claimName: 'test', mountPath: volume },
    inference: { checkpoint, runtime: { openfoldDir, python: 'python3' }, ...o.inference },
  };
  const config = resolveConfig(doc, 'test config');
  const configFile = join(root, 'openfold-argo.yaml');
  writeFileSync(configFile, JSON.stringify(doc));
  return {
    root,
    run,
    plan,
    alignments,
    results: join(run, 'results'),
    openfoldDir,
    config,
    configFile,
    env: (extra = {}) => ({ ...process.env, OPENFOLD_DOUBLE_UNRELAXED: UNRELAXED_PDB, OPENFOLD_DOUBLE_RELAXED: RELAXED_PDB, ...extra }),
  };
}
