// The OpenFold3 predict step's contract: what the generator and the local executor need to run it.
import type { PredictCommandParams } from '../predict/contract.js';

/** The OpenFold3 release the openfold3 image and the CI venv install (requirements.txt pins it and its deps). */
export const OPENFOLD3_VERSION = '0.5.0';
/** The default weights of 0.5.0 (setup_openfold's default, OPENFOLD_MODEL_CHECKPOINT_REGISTRY). */
export const OPENFOLD3_DEFAULT_CHECKPOINT = 'of3-ob-2025-06-30-174k.pt';

export const predictOpenfold3Contract = {
  name: 'predict',
  model: 'openfold3',
  image: 'openfold3',
  resourceClass: 'gpu',
  inputs: {
    plan: "RUN/split/plan.json (model: openfold3): the chunk's batches of query tags; RUN/split/queries/<tag>.json the queries",
    alignments: 'RUN/alignments/<chain key>/ per unique chain (and <pair key>/ for paired MSAs), from the align step',
    weights: 'openfold3.checkpoint on the shared volume, fetched by the databases step (openfold3_params), never in the image',
    templates: 'databases.paths.pdbMmcif: template structures (OpenFold3 never fetches them from the internet here)',
  },
  outputs: {
    predictions:
      "RUN/predictions/<chunk>/b<NNN>/: msas/ (the MSAs staged under OpenFold3's names), attempt/ (query.json, runner.yml, output/, openfold3.log), attempt-low-memory/ after a CUDA OOM",
    results:
      "RUN/results/<tag>/result.json: status, the ranked sample's model file, pLDDT, pTM, ipTM, per-chain pTM, chain-pair ipTM, clash, timings",
  },
  exitCodes: { ok: 0, failedBeforeAnyTarget: 1, badInput: 2, cudaOom: 86, toolMissing: 127, signal: 137 },
  toolVersions: { openfold3: OPENFOLD3_VERSION },
  /** Container argv of the step (values may be Argo expressions: one argument each). */
  command(p: PredictCommandParams): string[] {
    const argv = ['openfold-argo', 'predict', '--model', 'openfold3', '--plan', p.plan, '--chunk', p.chunk, '--alignments', p.alignments];
    argv.push('--output', p.output, '--results', p.results);
    if (p.gpuClass) argv.push('--gpu-class', p.gpuClass);
    return argv;
  },
} as const;
