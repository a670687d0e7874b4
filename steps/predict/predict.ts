// The predict step: runs OpenFold once per batch of a chunk (one model load per batch) and records each
// target's outcome in RESULTS/<tag>/result.json. Exit codes follow common/errors.ts EXIT: 0 when every target has
// an outcome, 86 when CUDA ran out of memory (the retry moves to the long GPU class), 137 when OpenFold was
// killed by a signal, 1 when OpenFold failed before reaching any target, 127 when the Python interpreter is missing.
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Writable } from 'node:stream';
import { UserError, EXIT } from '../../common/errors.js';
import { checkpointPath, databasePath } from '../../generators/config/load.js';
import { resolveTemplateDate } from './template-date.js';
import type { Config } from '../../generators/config/types.js';
import {
  buildOpenfoldCommand,
  commandProblems,
  jaxParamsVersion,
  OPENFOLD_SCRIPT,
  weightsKind,
  type GpuClassName,
  type OpenfoldCommandOptions,
} from './command.js';
import { formatFasta } from './fasta.js';
import { failureReason } from './log.js';
import { readInferenceTimes, targetOutputs, type OutputNaming } from './outputs.js';
import { meanPlddt, parsePlddt } from '../collect/plddt.js';
import { alignmentDirProblem } from '../align/manifest.js';
import { alreadyPredicted, NO_RUNTIME_REASON, relativeToBase, writeResult, type PredictResult } from './result.js';
import { runOpenfold, type RunOutcome } from './runner.js';
import type { Target } from './targets.js';

export interface PredictOptions extends PredictIo {
  readonly config: Config;
  /** Chunk id recorded in each result ('local' outside the pipeline). */
  readonly chunk: string;
  readonly batches: readonly (readonly Target[])[];
  /** Directory holding one <tag>/ folder of alignments per target. */
  readonly alignmentsDir: string;
  /** The chunk's output directory; batch i runs in <output>/b<iii>/. */
  readonly outputDir: string;
  readonly resultsDir: string;
  readonly gpuClass: GpuClassName;
  /** Overrides inference.maxTemplateDate. */
  readonly maxTemplateDate?: string;
  /** Override inference.runtime.openfoldDir / python. */
  readonly openfoldDir?: string;
  readonly python?: string;
  /** @default 'cuda:0' */
  readonly modelDevice?: string;
  /** kalign for template realignment. @default the first kalign on $PATH, if any */
  readonly kalignBinaryPath?: string;
}

/** How a predict step (OpenFold or OpenFold3) reports and runs its program; defaults for a pod. */
export interface PredictIo {
  /** Print each batch's command as a JSON array and run nothing. */
  readonly printCommand?: boolean;
  /** Environment of the OpenFold process. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Receives OpenFold's stdout and stderr. @default this process's stdout and stderr (the pod log) */
  readonly openfoldOutput?: Writable;
  /** Where printed commands and progress lines go. @default console.log / console.error */
  readonly print?: (line: string) => void;
  readonly note?: (line: string) => void;
  readonly now?: () => Date;
}

export interface PredictOutcome {
  readonly exitCode: number;
  readonly commands: string[][];
  readonly results: PredictResult[];
}

export function batchDir(outputDir: string, index: number): string {
  return join(outputDir, `b${String(index).padStart(3, '0')}`);
}

/** The first executable named `name` on $PATH. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

function commandOptions(o: PredictOptions, index: number): OpenfoldCommandOptions {
  const inf = o.config.inference;
  const dir = batchDir(o.outputDir, index);
  return {
    python: o.python ?? inf.runtime.python,
    openfoldDir: o.openfoldDir ?? inf.runtime.openfoldDir,
    fastaDir: join(dir, 'fasta'),
    templateMmcifDir: databasePath(o.config, 'pdbMmcif'),
    alignmentsDir: o.alignmentsDir,
    outputDir: dir,
    configPreset: inf.configPreset,
    weights: checkpointPath(o.config),
    modelDevice: o.modelDevice,
    maxTemplateDate: o.maxTemplateDate ?? inf.maxTemplateDate,
    randomSeed: inf.randomSeed,
    relax: inf.relax,
    gpuClass: o.gpuClass,
    cifOutput: inf.cifOutput,
    saveOutputs: inf.saveOutputs,
    traceModel: inf.traceModel,
    obsoletePdbsPath: databasePath(o.config, 'obsoletePdbs'),
    kalignBinaryPath: o.kalignBinaryPath ?? findOnPath('kalign', o.env?.PATH ?? process.env.PATH),
  };
}

/** The OpenFold runtime is present when its directory holds run_pretrained_openfold.py. */
export function hasOpenfoldRuntime(openfoldDir: string): boolean {
  return openfoldDir !== '' && existsSync(join(openfoldDir, OPENFOLD_SCRIPT));
}

/** Problems that would make every batch fail: checked once, before any work, as bad input (exit 2). */
function inputProblems(opts: OpenfoldCommandOptions): string[] {
  const problems = commandProblems(opts);
  if (!existsSync(opts.weights)) problems.push(`inference.checkpoint: weights not found at ${opts.weights}`);
  if (!existsSync(opts.templateMmcifDir))
    problems.push(`databases.paths.pdbMmcif: template mmCIF directory not found at ${opts.templateMmcifDir}`);
  return problems;
}

class ResultWriter {
  readonly written: PredictResult[] = [];
  constructor(
    private readonly o: PredictOptions,
    private readonly now: () => Date,
  ) {}

  write(tag: string, fields: Pick<PredictResult, 'status'> & Partial<PredictResult>): PredictResult {
    const result: PredictResult = {
      version: 1,
      tag,
      chunk: this.o.chunk,
      files: {},
      configPreset: this.o.config.inference.configPreset,
      checkpoint: this.o.config.inference.checkpoint,
      maxTemplateDate: this.o.maxTemplateDate ?? this.o.config.inference.maxTemplateDate,
      gpuClass: this.o.gpuClass,
      ...fields,
      completedAt: this.now().toISOString(),
    };
    writeResult(this.o.resultsDir, result);
    this.written.push(result);
    return result;
  }
}

interface Collected {
  /** Every requested model file exists and its pLDDT was read. */
  readonly complete: boolean;
  readonly fields: Partial<PredictResult>;
}

/** What one target left in the batch directory: model files, pLDDT and OpenFold's inference time. */
function collectTarget(tag: string, naming: OutputNaming, relax: boolean, resultsDir: string): Collected {
  const outputs = targetOutputs(tag, naming);
  if (!existsSync(outputs.unrelaxed)) return { complete: false, fields: {} };
  const files: PredictResult['files'] = { unrelaxed: relativeToBase(resultsDir, outputs.unrelaxed) };
  const relaxedExists = existsSync(outputs.relaxed);
  if (relaxedExists) files.relaxed = relativeToBase(resultsDir, outputs.relaxed);
  let perResidue: number[];
  try {
    perResidue = parsePlddt(outputs.unrelaxed, readFileSync(outputs.unrelaxed, 'utf8'));
  } catch (e) {
    return { complete: false, fields: { files, reason: `cannot read pLDDT from ${outputs.unrelaxed}: ${(e as Error).message}` } };
  }
  const mean = meanPlddt(perResidue);
  // OpenFold writes pLDDT (0-100) into the B-factors; anything else is not a score to report.
  if (mean === null || !perResidue.every((v) => Number.isFinite(v) && v >= 0 && v <= 100))
    return { complete: false, fields: { files, reason: `no pLDDT (0-100) in the B-factors of ${outputs.unrelaxed}` } };
  const fields: Partial<PredictResult> = { files, meanPlddt: Math.round(mean * 1e4) / 1e4, plddt: perResidue };
  const seconds = readInferenceTimes(naming.outputDir).get(tag);
  if (seconds !== undefined) fields.predictSeconds = seconds;
  if (relax && !relaxedExists) return { complete: false, fields: { ...fields, reason: `no relaxed model at ${outputs.relaxed}` } };
  return { complete: true, fields };
}

/** Makes <batch>/fasta hold exactly the pending targets and removes their outputs from an earlier attempt. */
function prepareBatch(dir: string, fastaDir: string, targets: readonly Target[], naming: OutputNaming): void {
  mkdirSync(fastaDir, { recursive: true });
  for (const name of readdirSync(fastaDir)) rmSync(join(fastaDir, name), { force: true, recursive: true });
  for (const t of targets) {
    writeFileSync(join(fastaDir, `${t.tag}.fasta`), formatFasta(t.tag, t.sequence));
    const out = targetOutputs(t.tag, naming);
    for (const f of [out.unrelaxed, out.relaxed, out.outputDict]) rmSync(f, { force: true });
  }
  mkdirSync(dir, { recursive: true });
}

function sameFailure(a: string, aTag: string, b: string, bTag: string): boolean {
  return a.split(aTag).join('<tag>') === b.split(bTag).join('<tag>');
}

type BatchEnd = 'done' | 'cudaOom' | 'signal' | 'failed' | 'missingTool';

/** Runs one batch until every target has an outcome; a target that crashes OpenFold does not sink the others. */
async function runBatch(
  o: PredictOptions,
  index: number,
  targets: readonly Target[],
  results: ResultWriter,
  note: (l: string) => void,
): Promise<BatchEnd> {
  const cmdOpts = commandOptions(o, index);
  const naming: OutputNaming = { outputDir: cmdOpts.outputDir, configPreset: cmdOpts.configPreset, cifOutput: cmdOpts.cifOutput };
  const relax = cmdOpts.relax;
  let pending: Target[] = [];
  for (const t of targets) {
    if (alreadyPredicted(o.resultsDir, t.tag)) note(`predict: ${t.tag}: already predicted, skipped`);
    else if (!existsSync(join(o.alignmentsDir, t.tag)))
      results.write(t.tag, { status: 'failed', reason: `no alignments at ${join(o.alignmentsDir, t.tag)}` });
    else {
      const changed = await alignmentDirProblem(join(o.alignmentsDir, t.tag));
      if (changed) {
        const reason = `alignments at ${join(o.alignmentsDir, t.tag)} changed since they were aligned (${changed}); align the target again`;
        results.write(t.tag, { status: 'failed', reason });
      } else pending.push(t);
    }
  }
  let previousFailure: { reason: string; tag: string } | undefined;
  let attempt = 0;
  while (pending.length > 0) {
    attempt++;
    prepareBatch(cmdOpts.outputDir, cmdOpts.fastaDir, pending, naming);
    const argv = buildOpenfoldCommand(cmdOpts);
    note(`predict: batch ${index} (attempt ${attempt}): ${pending.length} target(s): ${pending.map((t) => t.tag).join(' ')}`);
    note(`predict: ${JSON.stringify(argv)}`);
    const run: RunOutcome = await runOpenfold(argv, {
      logFile: join(cmdOpts.outputDir, 'openfold.log'),
      env: o.env,
      stdout: o.openfoldOutput,
      stderr: o.openfoldOutput,
    });
    const failed = run.code !== 0 || run.signal !== null || run.spawnError !== undefined;
    const crashTag = failed ? run.log.currentTag : undefined;
    const reason = run.spawnError ?? failureReason(run.log, run);
    const remaining: Target[] = [];
    for (const t of pending) {
      const got = collectTarget(t.tag, naming, relax, o.resultsDir);
      const crashed = t.tag === crashTag;
      if (got.complete && !crashed) results.write(t.tag, { ...got.fields, status: 'predicted' });
      else if (crashed) results.write(t.tag, { ...got.fields, status: 'failed', reason });
      else if (!failed)
        results.write(t.tag, {
          ...got.fields,
          status: 'failed',
          reason: got.fields.reason ?? `OpenFold exited 0 but wrote no model for ${t.tag}`,
        });
      else remaining.push(t);
    }
    if (!failed) return 'done';
    const stop = (status: 'failed' | 'not_run', why: string) => remaining.forEach((t) => results.write(t.tag, { status, reason: why }));
    if (run.spawnError) {
      stop('failed', run.spawnError);
      return 'missingTool';
    }
    if (run.log.cudaOom) {
      stop('not_run', `not run: CUDA out of memory on ${crashTag ?? 'model load'} stopped batch ${index}`);
      return 'cudaOom';
    }
    if (run.signal) {
      stop('not_run', `not run: OpenFold was killed by ${run.signal} during ${crashTag ?? 'model load'}`);
      return 'signal';
    }
    if (!crashTag) {
      stop('failed', `${reason} (before any target of batch ${index})`);
      return 'failed';
    }
    // The same error on the first target of two runs in a row is not about the target: stop reloading the model.
    if (run.log.started.length === 1 && previousFailure && sameFailure(reason, crashTag, previousFailure.reason, previousFailure.tag)) {
      stop('not_run', `not run: the targets before it in batch ${index} failed the same way: ${reason}`);
      return 'failed';
    }
    previousFailure = run.log.started.length === 1 ? { reason, tag: crashTag } : undefined;
    pending = remaining;
  }
  return 'done';
}

/** Runs (or prints) the prediction of every batch. Input problems throw UserError (exit 2). */
export async function predict(options: PredictOptions): Promise<PredictOutcome> {
  const print = options.print ?? ((l: string) => console.log(l));
  const note = options.note ?? ((l: string) => console.error(l));
  const now = options.now ?? (() => new Date());
  // "today" is resolved once, so every batch of the chunk (and its results) uses the same date.
  const o: PredictOptions = {
    ...options,
    maxTemplateDate: resolveTemplateDate(options.maxTemplateDate ?? options.config.inference.maxTemplateDate, now()),
  };
  const commands = o.batches.map((_, i) => buildOpenfoldCommand(commandOptions(o, i)));
  const first = commandOptions(o, 0);
  const problems = commandProblems(first);
  if (problems.length) throw new UserError(problems.join('; '));
  if (weightsKind(first.weights) === 'jax' && jaxParamsVersion(first.weights) !== first.configPreset)
    note(
      `predict: warning: ${first.weights} holds version ${jaxParamsVersion(first.weights)} but the config preset is ${first.configPreset}`,
    );
  if (o.printCommand) {
    commands.forEach((c) => print(JSON.stringify(c)));
    return { exitCode: EXIT.ok, commands, results: [] };
  }

  const results = new ResultWriter(o, now);
  if (!hasOpenfoldRuntime(first.openfoldDir)) {
    note(
      `predict: no OpenFold runtime (${join(first.openfoldDir || '(empty inference.runtime.openfoldDir)', OPENFOLD_SCRIPT)} not found): targets recorded as not run`,
    );
    for (const t of o.batches.flat())
      if (!alreadyPredicted(o.resultsDir, t.tag)) results.write(t.tag, { status: 'not_run', reason: NO_RUNTIME_REASON });
    return { exitCode: EXIT.ok, commands, results: results.written };
  }
  const missing = inputProblems(first);
  if (missing.length) throw new UserError(missing.join('; '));

  let sawCudaOom = false;
  for (let i = 0; i < o.batches.length; i++) {
    const end = await runBatch(o, i, o.batches[i], results, note);
    if (end === 'signal' || end === 'failed' || end === 'missingTool') {
      for (const t of o.batches.slice(i + 1).flat())
        if (!alreadyPredicted(o.resultsDir, t.tag))
          results.write(t.tag, { status: 'not_run', reason: `not run: batch ${i} stopped the chunk` });
      const exitCode = { signal: EXIT.oomOrSignal, failed: EXIT.failed, missingTool: EXIT.missingTool }[end];
      return { exitCode, commands, results: results.written };
    }
    // Other batches may still fit this GPU: predict them now, the retry on the long class resumes the rest.
    if (end === 'cudaOom') sawCudaOom = true;
  }
  return { exitCode: sawCudaOom ? EXIT.cudaOom : EXIT.ok, commands, results: results.written };
}
