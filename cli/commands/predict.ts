// `openfold-argo predict`: OpenFold inference for one chunk of a run's plan, or for a directory of FASTA files.
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { loadConfig } from '../../generators/config/load.js';
import type { GpuClassName } from '../../steps/predict/command.js';
import { predict } from '../../steps/predict/predict.js';
import { chunkTargetsFromPlan, targetsFromFastaDir, type Target } from '../../steps/predict/targets.js';
import { runDirOfPlan, startStepUsage, withUsage } from '../../estimate/usage.js';

const USAGE = `usage:
  openfold-argo predict --plan RUN/split/plan.json --chunk ID --alignments RUN/alignments
                        --output RUN/predictions/ID --results RUN/results [--gpu-class standard|long]
  openfold-argo predict --fasta-dir DIR --alignments DIR --output DIR [--results DIR]

options:
  --config FILE             openfold-argo.yaml (default: $OPENFOLD_ARGO_CONFIG, then the EKS + FSx example)
  --gpu-class CLASS         standard or long (--long_sequence_inference); default: the chunk's class
  --max-template-date DATE  YYYY-MM-DD or today, overrides inference.maxTemplateDate
  --openfold-dir DIR        overrides inference.runtime.openfoldDir
  --python PATH             overrides inference.runtime.python
  --model-device DEVICE     OpenFold --model_device (default cuda:0)
  --print-command           print each batch's OpenFold command as a JSON array; run nothing

Writes RESULTS/<tag>/result.json per target (default RESULTS: OUTPUT/results with --fasta-dir).
Exit codes: 0 every target has an outcome, 1 OpenFold failed before any target, 2 bad input,
86 CUDA out of memory (retry on the long GPU class), 127 Python missing, 137 OpenFold killed by a signal.`;

const OPTIONS = {
  plan: { type: 'string' },
  chunk: { type: 'string' },
  'fasta-dir': { type: 'string' },
  alignments: { type: 'string' },
  output: { type: 'string' },
  results: { type: 'string' },
  'gpu-class': { type: 'string' },
  config: { type: 'string' },
  'max-template-date': { type: 'string' },
  'openfold-dir': { type: 'string' },
  python: { type: 'string' },
  'model-device': { type: 'string' },
  'print-command': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UserError(`${flag} is required\n${USAGE}`);
  return value;
}

function gpuClassOf(value: string | undefined): GpuClassName | undefined {
  if (value === undefined || value === 'standard' || value === 'long') return value;
  throw new UserError(`--gpu-class: must be "standard" or "long", got ${JSON.stringify(value)}`);
}

/** Reading inputs can fail on a file or record: that is bad input (exit 2), named in the message. */
function asUserError<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError((e as Error).message);
  }
}

export const command: Command = {
  summary: 'run OpenFold on one chunk of a plan (or a FASTA directory) and write per-target results',
  async run(args) {
    const { values: v } = parseArgs({ args, options: OPTIONS, allowPositionals: false });
    if (v.help) {
      console.log(USAGE);
      return 0;
    }
    if (v.plan && v['fasta-dir']) throw new UserError('give either --plan (with --chunk) or --fasta-dir, not both');
    if (!v.plan && !v['fasta-dir']) throw new UserError(`give --plan with --chunk, or --fasta-dir\n${USAGE}`);
    const alignmentsDir = resolve(required(v.alignments, '--alignments'));
    const outputDir = resolve(required(v.output, '--output'));
    // The workflow sets OPENFOLD_ARGO_GPU_CLASS; its retry podSpecPatch moves a CUDA-OOM chunk to 'long'.
    const requestedClass = gpuClassOf(v['gpu-class'] ?? (process.env.OPENFOLD_ARGO_GPU_CLASS || undefined));
    const config = loadConfig({ file: v.config });

    let chunk: string;
    let batches: Target[][];
    let gpuClass: GpuClassName;
    let resultsDir: string;
    if (v.plan) {
      const planned = asUserError(() => chunkTargetsFromPlan(resolve(v.plan as string), required(v.chunk, '--chunk')));
      chunk = planned.chunk;
      batches = planned.batches;
      gpuClass = requestedClass ?? planned.gpu;
      resultsDir = resolve(required(v.results, '--results'));
    } else {
      chunk = v.chunk ?? 'local';
      batches = [asUserError(() => targetsFromFastaDir(resolve(v['fasta-dir'] as string)))];
      gpuClass = requestedClass ?? 'standard';
      resultsDir = resolve(v.results ?? join(outputDir, 'results'));
    }

    // Pod run time for the report's cost (RUN/usage), on the class this attempt runs on.
    const usage = v.plan
      ? startStepUsage(runDirOfPlan(v.plan), 'predict', chunk, config, gpuClass === 'long' ? 'long' : 'predict')
      : undefined;
    return withUsage(usage, async () => {
      const outcome = await predict({
        config,
        chunk,
        batches,
        alignmentsDir,
        outputDir,
        resultsDir,
        gpuClass,
        maxTemplateDate: v['max-template-date'],
        openfoldDir: v['openfold-dir'],
        python: v.python,
        modelDevice: v['model-device'],
        printCommand: v['print-command'],
      });
      if (!v['print-command']) {
        const count = (s: string) => outcome.results.filter((r) => r.status === s).length;
        console.error(
          `predict: chunk ${chunk}: ${count('predicted')} predicted, ${count('failed')} failed, ${count('not_run')} not run (exit ${outcome.exitCode})`,
        );
      }
      return outcome.exitCode;
    });
  },
};
