// The predict step's contract: what the generator and the local executor need to run it.
import type { GpuClassName } from './command.js';

/** OpenFold commit the openfold image is built from (images/openfold/Dockerfile ARG OPENFOLD_COMMIT). */
export const OPENFOLD_COMMIT = 'ce0029e1199b65fd834fe822be50d936cfe57fd4';

export interface PredictCommandParams {
  /** RUN/split/plan.json */
  readonly plan: string;
  /** Chunk id, e.g. c0000 (an item of split/chunks.json). */
  readonly chunk: string;
  /** RUN/alignments */
  readonly alignments: string;
  /** RUN/predictions/<chunk> */
  readonly output: string;
  /** RUN/results */
  readonly results: string;
  /** Overrides the chunk's GPU class (a retry after CUDA out of memory passes 'long'). @default the plan's */
  readonly gpuClass?: GpuClassName | string;
}

export const predictContract = {
  name: 'predict',
  image: 'openfold',
  resourceClass: 'gpu',
  inputs: {
    plan: "RUN/split/plan.json: the chunk's batches of tags; the FASTA of a tag is RUN/split/fasta/<tag>.fasta",
    alignments: 'RUN/alignments/<tag>/: *.sto, *.a3m, *.hhr per target (OpenFold --use_precomputed_alignments)',
    weights: 'inference.checkpoint on the shared volume (.pt or params_<version>.npz), mounted, never in the image',
    templates: 'databases.paths.pdbMmcif (template_mmcif_dir) and databases.paths.obsoletePdbs',
  },
  outputs: {
    predictions: 'RUN/predictions/<chunk>/b<NNN>/: OpenFold --output_dir of each batch (predictions/, timings.json, openfold.log)',
    results: 'RUN/results/<tag>/result.json: status predicted | failed | not_run, pLDDT, inference time, model files',
  },
  exitCodes: { ok: 0, failedBeforeAnyTarget: 1, badInput: 2, cudaOom: 86, toolMissing: 127, signal: 137 },
  toolVersions: { openfold: OPENFOLD_COMMIT },
  /** Container argv of the step. Values may be Argo expressions ({{inputs.parameters.chunk}}): they stay one argument each. */
  command(p: PredictCommandParams): string[] {
    const argv = [
      'openfold-argo',
      'predict',
      '--plan',
      p.plan,
      '--chunk',
      p.chunk,
      '--alignments',
      p.alignments,
      '--output',
      p.output,
      '--results',
      p.results,
    ];
    if (p.gpuClass) argv.push('--gpu-class', p.gpuClass);
    return argv;
  },
} as const;
