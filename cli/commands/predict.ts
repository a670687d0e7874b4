// `openfold-argo predict`: OpenFold inference for one chunk of a run's plan, or for a directory of FASTA files.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { loadConfig } from '../../generators/config/load.js';
import type { GpuClassName } from '../../steps/predict/command.js';
import { predict } from '../../steps/predict/predict.js';
import { chunkTargetsFromPlan, targetsFromFastaDir, type Target } from '../../steps/predict/targets.js';
import { runDirOfPlan, startStepUsage, withUsage } from '../../estimate/usage.js';
import type { Config, ModelName } from '../../generators/config/types.js';
import { predictOpenfold3 } from '../../steps/predict-openfold3/predict.js';
import { queriesFromJson, queryChunkFromPlan } from '../../steps/predict-openfold3/targets.js';

const USAGE = `usage:
  openfold-argo predict --plan RUN/split/plan.json --chunk ID --alignments RUN/alignments
                        --output RUN/predictions/ID --results RUN/results [--gpu-class standard|long]
  openfold-argo predict --fasta-dir DIR --alignments DIR --output DIR [--results DIR]          (openfold)
  openfold-argo predict --query-json FILE [--alignments DIR] --output DIR [--results DIR]      (openfold3)

options:
  --model MODEL             openfold or openfold3 (default: the config's model; a plan says which it is for)
  --config FILE             openfold-argo.yaml (default: $OPENFOLD_ARGO_CONFIG, then the EKS + FSx example)
  --gpu-class CLASS         standard or long (--long_sequence_inference); default: the chunk's class
  --max-template-date DATE  YYYY-MM-DD or today, overrides inference.maxTemplateDate
  --openfold-dir DIR        overrides inference.runtime.openfoldDir
  --python PATH             overrides inference.runtime.python
  --model-device DEVICE     OpenFold --model_device (default cuda:0)
  --run-openfold PATH       OpenFold3's run_openfold (overrides openfold3.runtime.runOpenfold)
  --print-command           print each batch's OpenFold (or OpenFold3) command as a JSON array; run nothing

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
  model: { type: 'string' },
  'query-json': { type: 'string' },
  'run-openfold': { type: 'string' },
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

type Values = ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: false }>>['values'];

function summarize(chunk: string, outcome: { results: { status: string }[]; exitCode: number }): void {
  const count = (s: string) => outcome.results.filter((r) => r.status === s).length;
  console.error(
    `predict: chunk ${chunk}: ${count('predicted')} predicted, ${count('failed')} failed, ${count('not_run')} not run (exit ${outcome.exitCode})`,
  );
}

/** The model a run uses: --model, else what the plan was split for, else the config's. */
function modelOf(v: Values, config: Config): ModelName {
  if (v.model !== undefined) {
    if (v.model !== 'openfold' && v.model !== 'openfold3')
      throw new UserError(`--model: must be openfold or openfold3, got ${JSON.stringify(v.model)}`);
    return v.model;
  }
  if (v['query-json']) return 'openfold3';
  if (v['fasta-dir']) return 'openfold';
  if (v.plan) {
    try {
      return (JSON.parse(readFileSync(resolve(v.plan), 'utf8')) as { model?: string }).model === 'openfold3' ? 'openfold3' : 'openfold';
    } catch {
      // unreadable: the model's own reader names the problem
    }
  }
  return config.model;
}

async function runOpenfold3(v: Values, config: Config, requestedClass: GpuClassName | undefined): Promise<number> {
  if (v['fasta-dir']) throw new UserError('--fasta-dir is for the openfold model; OpenFold3 reads --query-json or a plan');
  if (!v.plan === !v['query-json']) throw new UserError(`give either --plan (with --chunk) or --query-json\n${USAGE}`);
  const outputDir = resolve(required(v.output, '--output'));
  let chunk = v.chunk ?? 'local';
  let batches;
  let alignedKeys: Set<string>;
  let gpu: GpuClassName = 'standard';
  let alignmentsDir: string;
  let resultsDir: string;
  if (v.plan) {
    alignmentsDir = resolve(required(v.alignments, '--alignments'));
    const planned = asUserError(() => queryChunkFromPlan(resolve(v.plan as string), required(v.chunk, '--chunk')));
    chunk = planned.chunk;
    batches = planned.batches;
    alignedKeys = planned.alignedKeys;
    gpu = planned.gpu;
    resultsDir = resolve(required(v.results, '--results'));
  } else {
    alignmentsDir = resolve(v.alignments ?? join(outputDir, 'alignments'));
    const read = asUserError(() => queriesFromJson(v['query-json'] as string, v.alignments ? alignmentsDir : undefined));
    batches = [read.targets];
    alignedKeys = read.alignedKeys;
    resultsDir = resolve(v.results ?? join(outputDir, 'results'));
  }
  const gpuClass = requestedClass ?? gpu;
  // Pod run time for the report's cost (RUN/usage), on the class this attempt runs on.
  const usage = v.plan
    ? startStepUsage(runDirOfPlan(v.plan), 'predict', chunk, config, gpuClass === 'long' ? 'long' : 'predict')
    : undefined;
  return withUsage(usage, async () => {
    const outcome = await predictOpenfold3({
      config,
      chunk,
      batches,
      alignedKeys,
      alignmentsDir,
      outputDir,
      resultsDir,
      gpuClass,
      maxTemplateDate: v['max-template-date'],
      runOpenfold: v['run-openfold'],
      printCommand: v['print-command'],
    });
    if (!v['print-command']) summarize(chunk, outcome);
    return outcome.exitCode;
  });
}

export const command: Command = {
  summary: 'run OpenFold or OpenFold3 on one chunk of a plan (or a FASTA directory / query JSON) and write per-target results',
  async run(args) {
    const { values: v } = parseArgs({ args, options: OPTIONS, allowPositionals: false });
    if (v.help) {
      console.log(USAGE);
      return 0;
    }
    const config = loadConfig({ file: v.config });
    // The workflow sets OPENFOLD_ARGO_GPU_CLASS; its retry podSpecPatch moves a CUDA-OOM chunk to 'long'.
    const requestedClass = gpuClassOf(v['gpu-class'] ?? (process.env.OPENFOLD_ARGO_GPU_CLASS || undefined));
    if (modelOf(v, config) === 'openfold3') return runOpenfold3(v, config, requestedClass);
    if (v['query-json']) throw new UserError('--query-json is for the openfold3 model');
    if (v.plan && v['fasta-dir']) throw new UserError('give either --plan (with --chunk) or --fasta-dir, not both');
    if (!v.plan && !v['fasta-dir']) throw new UserError(`give --plan with --chunk, or --fasta-dir\n${USAGE}`);
    const alignmentsDir = resolve(required(v.alignments, '--alignments'));
    const outputDir = resolve(required(v.output, '--output'));

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
      if (!v['print-command']) summarize(chunk, outcome);
      return outcome.exitCode;
    });
  },
};
