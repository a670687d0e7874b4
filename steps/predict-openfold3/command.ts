// The `run_openfold predict` command line of OpenFold3 0.5.0 and the runner yaml it reads. Every flag is one
// `run_openfold predict --help` lists for the pinned version (test/steps/predict-openfold3/runtime.test.ts checks
// the installed package's help). Settings without a flag go into the runner yaml, which OpenFold3 deep-merges
// over $OPENFOLD_CACHE/runner.yml (we point OPENFOLD_CACHE at a directory of the batch, so no user file leaks in).
//
// Facts of 0.5.0 this encodes: the MSA server is ON by default (ColabFold's public one), so --use_msa_server is
// always given; seeds come from experiment_settings.seeds (the query file's "seeds" is ignored); there is no
// device flag (pl_trainer_args.accelerator); on CPU the Triton triangle kernels must be off; a model_update
// block replaces the default presets list, so `predict` is always repeated in it.

export interface Openfold3CommandOptions {
  /** The run_openfold program. */
  readonly runOpenfold: string;
  readonly queryJson: string;
  readonly checkpoint: string;
  readonly runnerYaml: string;
  readonly outputDir: string;
  readonly diffusionSamples: number;
  readonly useTemplates: boolean;
}

/** Flags of `run_openfold predict` this step passes (as 0.5.0 spells them). */
export const PREDICT_FLAGS = [
  '--query_json',
  '--inference_ckpt_path',
  '--runner_yaml',
  '--use_msa_server',
  '--use_templates',
  '--num_diffusion_samples',
  '--output_dir',
] as const;

/** argv of one OpenFold3 run (program first). Pure. */
export function buildOpenfold3Command(o: Openfold3CommandOptions): string[] {
  return [
    o.runOpenfold,
    'predict',
    '--query_json',
    o.queryJson,
    '--inference_ckpt_path',
    o.checkpoint,
    '--runner_yaml',
    o.runnerYaml,
    // Precomputed MSAs only: the ColabFold server mode of this project runs in the align step (semaphore, retries).
    '--use_msa_server',
    'false',
    '--use_templates',
    String(o.useTemplates),
    '--num_diffusion_samples',
    String(o.diffusionSamples),
    '--output_dir',
    o.outputDir,
  ];
}

export interface RunnerYamlOptions {
  readonly seeds: readonly number[];
  readonly device: 'gpu' | 'cpu';
  readonly structureFormat: 'cif' | 'pdb';
  readonly useTemplates: boolean;
  /** OpenFold3's low_mem preset (the first answer to CUDA out of memory). */
  readonly lowMemory: boolean;
  /** Template structures (mmCIF files named <pdb id>.cif); OpenFold3 must not fetch them from the internet. */
  readonly templateStructures?: string;
  /** Newest template release date, YYYY-MM-DD. */
  readonly maxTemplateDate?: string;
  /** openfold3.runnerSettings: merged over everything below except the settings this step owns. */
  readonly extra?: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Recursive merge of plain objects (arrays and scalars of `over` replace). */
export function deepMerge(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObj(v) && isObj(out[k]) ? deepMerge(out[k] as Obj, v) : v;
  return out;
}

/** The runner yaml (as an object: JSON is valid YAML) of one run. */
export function runnerYaml(o: RunnerYamlOptions): Obj {
  const cpu = o.device === 'cpu';
  const base: Obj = {
    experiment_settings: { seeds: [...o.seeds], use_msa_server: false, use_templates: o.useTemplates },
    pl_trainer_args: { accelerator: o.device, devices: 1 },
    // Worker processes of the data loader: none on CPU (they compete with the model for the cores).
    ...(cpu ? { data_module_args: { num_workers: 0 } } : {}),
    output_writer_settings: { structure_format: o.structureFormat },
    model_update: {
      presets: o.lowMemory ? ['predict', 'low_mem'] : ['predict'],
      custom: cpu ? { settings: { memory: { eval: { use_triton_triangle_kernels: false } } } } : {},
    },
    template_preprocessor_settings: {
      fetch_missing_structures: false,
      ...(o.templateStructures ? { structure_directory: o.templateStructures } : {}),
      ...(o.maxTemplateDate ? { max_release_date: o.maxTemplateDate } : {}),
    },
  };
  const merged = deepMerge(base, o.extra ?? {});
  // Owned here whatever the extra settings say: seeds, the MSA server, the presets the OOM ladder chooses.
  const settings = merged.experiment_settings as Obj;
  settings.seeds = [...o.seeds];
  settings.use_msa_server = false;
  (merged.model_update as Obj).presets = o.lowMemory ? ['predict', 'low_mem'] : ['predict'];
  return merged;
}
