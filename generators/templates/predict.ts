// WorkflowTemplate `openfold-predict`: OpenFold inference with precomputed alignments (steps/predict) and
// OpenFold3 inference (steps/predict-openfold3). `predict-chunk` / `predict-openfold3-chunk` run one chunk of
// the plan on the standard GPU class; after a CUDA out-of-memory (exit 86; OpenFold3 tries its low_mem preset
// first) the retry runs on the long-sequence class (Argo >= 3.7, keyed on lastRetry.exitCode; older versions
// route the leftovers to the `-long` template in the pipeline's DAG instead, pipeline.ts). Any other failure is
// retried on the same class; a failure before any target (exit 1) or bad input (exit 2) is not retried. The
// `-long` variants start on the long class; `predict-one` (a FASTA directory) and `predict-openfold3-query` (a
// query JSON) are for input submitted on its own.
import type { Config, GpuClass } from '../config/types.js';
import type { Parameter, Template, WorkflowTemplate } from '../argo/types.js';
import { resourceBlock } from '../argo/container.js';
import { patchAfter } from '../argo/expression.js';
import { metadata } from '../argo/metadata.js';
import { input, ref } from '../argo/params.js';
import { afterExitCode } from '../argo/retry.js';
import { argoHas } from '../argo/version.js';
import { predictContract } from '../../steps/predict/contract.js';
import { predictOpenfold3Contract } from '../../steps/predict-openfold3/contract.js';
import type { ImageName } from './common.js';
import {
  SEMAPHORE_CONFIGMAP,
  SEMAPHORE_KEYS,
  TEMPLATE_NAMES,
  classPlacement,
  cliStep,
  nodeClassOf,
  stepMounts,
  stepVolumes,
  workflowDefaults,
} from './common.js';

export const PREDICT_CHUNK = 'predict-chunk';
export const PREDICT_CHUNK_LONG = 'predict-chunk-long';
export const PREDICT_ONE = 'predict-one';
export const PREDICT_OPENFOLD3_CHUNK = 'predict-openfold3-chunk';
export const PREDICT_OPENFOLD3_CHUNK_LONG = 'predict-openfold3-chunk-long';
export const PREDICT_OPENFOLD3_QUERY = 'predict-openfold3-query';
export const GPU_CLASS_ENV = 'OPENFOLD_ARGO_GPU_CLASS';

type ClassName = 'standard' | 'long';

const gpuOf = (c: Config, cls: ClassName): GpuClass => (cls === 'long' ? c.inference.longSequence : c.inference.gpu);

// Both models' steps exit with the same codes (steps/predict and steps/predict-openfold3 contracts).
const EXIT = predictContract.exitCodes;

/** Exits a retry cannot help: bad input, a failure before any target (model load), and on the class a CUDA
 * out-of-memory cannot escalate from, or where the pipeline routes it (Argo < 3.7), a CUDA out-of-memory. */
export function finalExitCodes(c: Config, cls: ClassName): number[] {
  const codes: number[] = [EXIT.badInput, EXIT.failedBeforeAnyTarget];
  return cls === 'long' || !escalatesInPlace(c) ? [...codes, EXIT.cudaOom] : codes;
}

/** A standard-class retry after CUDA out-of-memory moves to the long class within the step (Argo >= 3.7). */
export function escalatesInPlace(c: Config): boolean {
  return argoHas(c.argoVersion, 'lastRetryInTemplate');
}

const maxTemplateDate = (c: Config) =>
  input('max-template-date', {
    description:
      "Newest template release date (YYYY-MM-DD), or today (recorded in each result). A benchmark pins the day before its targets' release.",
    default: c.inference.maxTemplateDate,
  });

/**
 * The pod spec of the long class over a standard-class pod (a strategic merge patch): its resources, /dev/shm,
 * node selector (keys only the standard class has are removed), tolerations, affinity and priority.
 */
export function longClassPatch(c: Config): Record<string, unknown> {
  const [std, long] = [c.inference.gpu, c.inference.longSequence];
  const [from, to] = [classPlacement(nodeClassOf(c, std.nodeClass)), classPlacement(nodeClassOf(c, long.nodeClass))];
  const both: Record<string, string | number | null> = { ...resourceBlock({ cpu: long.cpu, memory: String(long.memory) }).limits };
  both[long.resource] = long.count;
  if (std.resource !== long.resource) both[std.resource] = null;
  const resources = { requests: both, limits: both };
  const removed = Object.fromEntries(
    Object.keys(from.nodeSelector)
      .filter((k) => !(k in to.nodeSelector))
      .map((k) => [k, null]),
  );
  return {
    nodeSelector: { ...removed, ...to.nodeSelector },
    tolerations: to.tolerations,
    affinity: to.affinity ?? null,
    priorityClassName: to.priorityClassName ?? null,
    containers: [{ name: 'main', env: [{ name: GPU_CLASS_ENV, value: 'long' }], resources }],
    volumes: [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: String(long.shm) } }],
  };
}

/** The retry after a CUDA out-of-memory (exit 86) runs on the long class; any other retry stays where it was. */
export function escalateToLongClass(c: Config): string | undefined {
  return escalatesInPlace(c) ? patchAfter(afterExitCode(EXIT.cudaOom), [longClassPatch(c)]) : undefined;
}

function predictContainer(
  c: Config,
  name: string,
  cls: ClassName,
  inputs: Parameter[],
  argv: string[],
  image: ImageName = 'openfold',
): Template {
  const gpu = gpuOf(c, cls);
  return cliStep(c, {
    name,
    step: 'predict',
    image,
    args: ['predict', ...argv, '--max-template-date', ref.input('max-template-date')],
    inputs,
    env: [{ name: GPU_CLASS_ENV, value: cls }],
    resources: { cpu: gpu.cpu, memory: String(gpu.memory), gpu: { resource: gpu.resource, count: gpu.count } },
    nodeClass: gpu.nodeClass,
    long: true,
    finalExitCodes: finalExitCodes(c, cls),
    deadline: 'predict',
    volumes: stepVolumes(c, String(gpu.shm)),
    volumeMounts: stepMounts(c, 'read-only', true),
    podSpecPatch: cls === 'standard' ? escalateToLongClass(c) : undefined,
    synchronization: { semaphores: [{ configMapKeyRef: { name: SEMAPHORE_CONFIGMAP, key: SEMAPHORE_KEYS.gpu } }] },
  });
}

const chunkInputs = (c: Config): Parameter[] => [
  input('plan', { description: 'Path of the run plan (RUN/split/plan.json).' }),
  input('chunk', { description: 'Chunk id in the plan: the batches one model load serves.' }),
  input('alignments', { description: 'Alignments directory (RUN/alignments).' }),
  input('output', { description: 'OpenFold output directory of this chunk (never shared between pods).' }),
  input('results', { description: 'Per-target results directory (RUN/results).' }),
  maxTemplateDate(c),
];
// The step's own contract builds its command line; the GPU class comes from OPENFOLD_ARGO_GPU_CLASS.
const argsOf = (contract: typeof predictContract | typeof predictOpenfold3Contract): string[] =>
  contract
    .command({
      plan: ref.input('plan'),
      chunk: ref.input('chunk'),
      alignments: ref.input('alignments'),
      output: ref.input('output'),
      results: ref.input('results'),
    })
    .slice(2);
const chunkArgs = argsOf(predictContract);
const openfold3ChunkArgs = argsOf(predictOpenfold3Contract);

/** OpenFold3 on one query JSON of the shared volume (standalone), with MSAs from an alignments folder if given. */
function openfold3Query(c: Config): Template {
  const inputs = [
    input('query-json', { description: 'OpenFold3 query JSON on the shared volume.' }),
    input('alignments', { description: 'Folder of <chain key>/ alignments from the align step (chains without one run without MSAs).' }),
    input('output', { description: 'Output directory on the shared volume.' }),
    maxTemplateDate(c),
  ];
  const argv = ['--model', 'openfold3', '--query-json', ref.input('query-json'), '--alignments', ref.input('alignments')];
  return predictContainer(c, PREDICT_OPENFOLD3_QUERY, 'standard', inputs, [...argv, '--output', ref.input('output')], 'openfold3');
}

export function predictWorkflowTemplate(c: Config): WorkflowTemplate {
  const oneInputs = [
    input('fasta-dir', { description: 'Directory with the FASTA of the target (header = alignment tag).' }),
    input('alignments', { description: 'Directory holding <tag>/ with the precomputed alignments.' }),
    input('output', { description: 'Output directory on the shared volume.' }),
    maxTemplateDate(c),
  ];
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTemplate',
    metadata: metadata(
      TEMPLATE_NAMES.predict,
      c.namespace,
      'predict',
      `OpenFold inference (${c.inference.configPreset}) or OpenFold3 inference with precomputed alignments on a GPU: submit for one target, or reuse predict-chunk / predict-openfold3-chunk from the pipeline.`,
    ),
    spec: {
      entrypoint: PREDICT_ONE,
      arguments: {
        parameters: [
          { ...oneInputs[0], value: `${c.input.runsRoot}/standalone/fasta` },
          { ...oneInputs[1], value: `${c.input.runsRoot}/standalone/alignments` },
          { ...oneInputs[2], value: `${c.input.runsRoot}/standalone/predictions` },
          oneInputs[3],
        ],
      },
      ...workflowDefaults(c, 'predict'),
      templates: [
        predictContainer(c, PREDICT_ONE, 'standard', oneInputs, [
          '--fasta-dir',
          ref.input('fasta-dir'),
          '--alignments',
          ref.input('alignments'),
          '--output',
          ref.input('output'),
        ]),
        predictContainer(c, PREDICT_CHUNK, 'standard', chunkInputs(c), chunkArgs),
        predictContainer(c, PREDICT_CHUNK_LONG, 'long', chunkInputs(c), chunkArgs),
        predictContainer(c, PREDICT_OPENFOLD3_CHUNK, 'standard', chunkInputs(c), openfold3ChunkArgs, 'openfold3'),
        predictContainer(c, PREDICT_OPENFOLD3_CHUNK_LONG, 'long', chunkInputs(c), openfold3ChunkArgs, 'openfold3'),
        openfold3Query(c),
      ],
    },
  };
}
