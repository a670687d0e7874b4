// The run_pretrained_openfold.py command line for one prediction batch. Every flag name below was checked
// against OpenFold's argparse definitions (run_pretrained_openfold.py and scripts/utils.add_data_args at the
// pinned commit, see contract.ts): positional fasta_dir and template_mmcif_dir, then options.
import { basename } from 'node:path';

export type GpuClassName = 'standard' | 'long';

export interface OpenfoldCommandOptions {
  /** Python interpreter with OpenFold installed (config.inference.runtime.python). */
  readonly python: string;
  /** OpenFold checkout holding run_pretrained_openfold.py (config.inference.runtime.openfoldDir). */
  readonly openfoldDir: string;
  /** Directory of one-record FASTA files, one per target of the batch (positional fasta_dir). */
  readonly fastaDir: string;
  /** Template mmCIF directory (positional template_mmcif_dir; databases.paths.pdbMmcif). */
  readonly templateMmcifDir: string;
  /** Directory holding <tag>/ alignment folders (--use_precomputed_alignments). */
  readonly alignmentsDir: string;
  /** OpenFold's --output_dir: unique per batch, OpenFold writes tmp_<pid>.fasta and timings.json there. */
  readonly outputDir: string;
  /** --config_preset, e.g. model_1_ptm. */
  readonly configPreset: string;
  /** Weights: a .pt OpenFold checkpoint (--openfold_checkpoint_path) or params_<version>.npz (--jax_param_path). */
  readonly weights: string;
  /** --model_device. @default 'cuda:0' */
  readonly modelDevice?: string;
  /** --max_template_date, YYYY-MM-DD. */
  readonly maxTemplateDate: string;
  /** --data_random_seed. */
  readonly randomSeed: number;
  /** Run Amber relaxation; false adds --skip_relaxation. */
  readonly relax: boolean;
  /** 'long' adds --long_sequence_inference. */
  readonly gpuClass: GpuClassName;
  /** --cif_output. */
  readonly cifOutput: boolean;
  /** --save_outputs. */
  readonly saveOutputs: boolean;
  /** --trace_model. */
  readonly traceModel: boolean;
  /** --obsolete_pdbs_path; omitted when empty. */
  readonly obsoletePdbsPath?: string;
  /** --kalign_binary_path; omitted when empty (OpenFold then uses $CONDA_PREFIX/bin/kalign or /bin/kalign). */
  readonly kalignBinaryPath?: string;
}

export const OPENFOLD_SCRIPT = 'run_pretrained_openfold.py';

export type WeightsKind = 'openfold' | 'jax';

/**
 * Which flag the weights go to. OpenFold reads the JAX parameter version from the file name
 * (`params_<version>.npz` -> `<version>`), so a .npz must keep that name; a comma would make OpenFold load
 * several models and write to predictions/<model>/ instead.
 */
export function weightsKind(weights: string): WeightsKind {
  if (weights.includes(',')) throw new Error(`inference.checkpoint: one weights file expected, got a comma in ${JSON.stringify(weights)}`);
  if (weights.endsWith('.pt')) return 'openfold';
  if (weights.endsWith('.npz')) {
    if (!/^params_.+\.npz$/.test(basename(weights)))
      throw new Error(
        `inference.checkpoint: OpenFold reads the JAX parameter version from a file named params_<version>.npz, got ${JSON.stringify(basename(weights))}`,
      );
    return 'jax';
  }
  throw new Error(`inference.checkpoint: must end in .pt (OpenFold checkpoint) or .npz (JAX params), got ${JSON.stringify(weights)}`);
}

/** The version OpenFold derives from a params_<version>.npz name (load_models_from_command_line). */
export function jaxParamsVersion(weights: string): string {
  return basename(weights, '.npz').split('_').slice(1).join('_');
}

/** Problems OpenFold would only report after loading (or that silently change its outputs). */
export function commandProblems(o: OpenfoldCommandOptions): string[] {
  const problems: string[] = [];
  const kind = weightsKind(o.weights);
  if (kind === 'openfold' && o.configPreset.includes('multimer'))
    problems.push(
      `inference.checkpoint: OpenFold has no .pt checkpoints for multimer presets (${o.configPreset}); use params_<version>.npz`,
    );
  if (!/^\d{4}-\d{2}-\d{2}$/.test(o.maxTemplateDate))
    problems.push(`max template date: must be YYYY-MM-DD, got ${JSON.stringify(o.maxTemplateDate)}`);
  if (!Number.isInteger(o.randomSeed) || o.randomSeed < 0)
    problems.push(`inference.randomSeed: must be a non-negative integer, got ${o.randomSeed}`);
  return problems;
}

/** argv of one OpenFold run (program first). Pure: the same options give the same array. */
export function buildOpenfoldCommand(o: OpenfoldCommandOptions): string[] {
  const weightsFlag = weightsKind(o.weights) === 'openfold' ? '--openfold_checkpoint_path' : '--jax_param_path';
  const argv = [
    o.python,
    `${o.openfoldDir.replace(/\/+$/, '')}/${OPENFOLD_SCRIPT}`,
    o.fastaDir,
    o.templateMmcifDir,
    '--use_precomputed_alignments',
    o.alignmentsDir,
    '--output_dir',
    o.outputDir,
    '--model_device',
    o.modelDevice ?? 'cuda:0',
    '--config_preset',
    o.configPreset,
    weightsFlag,
    o.weights,
    '--max_template_date',
    o.maxTemplateDate,
    '--data_random_seed',
    String(o.randomSeed),
  ];
  if (o.obsoletePdbsPath) argv.push('--obsolete_pdbs_path', o.obsoletePdbsPath);
  if (o.kalignBinaryPath) argv.push('--kalign_binary_path', o.kalignBinaryPath);
  if (!o.relax) argv.push('--skip_relaxation');
  if (o.gpuClass === 'long') argv.push('--long_sequence_inference');
  if (o.cifOutput) argv.push('--cif_output');
  if (o.saveOutputs) argv.push('--save_outputs');
  if (o.traceModel) argv.push('--trace_model');
  return argv;
}
