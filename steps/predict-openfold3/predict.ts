// The predict step for OpenFold3: one `run_openfold predict` per batch of a chunk (one model load serves the
// batch), each batch in its own folder OUT/b<NNN>/ (query.json, runner.yml, msas/, attempt folders, the log).
// OpenFold3 exits 0 even when queries fail, so every query's outcome is read from summary.txt and its files.
// CUDA out of memory: the queries that ran out are run again with OpenFold3's low_mem preset (the first
// answer); if that runs out too, the step exits 86 on the standard class, so the workflow's retry moves the
// chunk to the large GPU class (the second answer), where predicted queries are not predicted again.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { EXIT, UserError } from '../../common/errors.js';
import { openfold3CheckpointPath, databasePath } from '../../generators/config/load.js';
import type { Config } from '../../generators/config/types.js';
import type { GpuClassName } from '../predict/command.js';
import { batchDir, type PredictIo } from '../predict/predict.js';
import { alreadyPredicted, relativeToBase, writeResult, type PredictResult } from '../predict/result.js';
import { runLogged, type ProcessOutcome } from '../predict/runner.js';
import { runOnServer } from './server-client.js';
import { resolveTemplateDate } from '../predict/template-date.js';
import { parsePlddt } from '../collect/plddt.js';
import { buildOpenfold3Command, runnerYaml } from './command.js';
import { Openfold3LogWatcher, type Openfold3Log } from './log.js';
import { readQueryOutputs, readSummary, type QueryOutputs } from './outputs.js';
import { stageQuery, type StagedMsa } from './stage.js';
import type { QueryTarget } from './targets.js';

export const NO_OPENFOLD3_REASON = 'not run: no OpenFold3 runtime';

export interface Predict3Options extends PredictIo {
  readonly config: Config;
  readonly chunk: string;
  readonly batches: readonly (readonly QueryTarget[])[];
  readonly alignedKeys: ReadonlySet<string>;
  readonly alignmentsDir: string;
  readonly outputDir: string;
  readonly resultsDir: string;
  readonly gpuClass: GpuClassName;
  /** Overrides inference.maxTemplateDate. */
  readonly maxTemplateDate?: string;
  /** Overrides openfold3.runtime.runOpenfold. */
  readonly runOpenfold?: string;
}

export interface Predict3Outcome {
  readonly exitCode: number;
  readonly commands: string[][];
  readonly results: PredictResult[];
}

/** The program: a path, or a name looked up on PATH; undefined when it is not there. */
export function findProgram(program: string, path = process.env.PATH ?? ''): string | undefined {
  if (program === '') return undefined;
  const candidates = program.includes('/')
    ? [program]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, program));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

interface Attempt {
  readonly dir: string;
  readonly lowMemory: boolean;
  readonly argv: string[];
}

function attemptFiles(o: Predict3Options, batch: string, lowMemory: boolean, program: string, tags: string[], queries: object): Attempt {
  const c = o.config.openfold3;
  const dir = join(batch, lowMemory ? 'attempt-low-memory' : 'attempt');
  mkdirSync(dir, { recursive: true });
  const templates = databasePath(o.config, 'pdbMmcif');
  const yaml = runnerYaml({
    seeds: c.seeds,
    device: c.device,
    structureFormat: c.outputFormat,
    useTemplates: c.useTemplates,
    lowMemory,
    templateStructures: templates || undefined,
    // OpenFold3 takes a date only: "today" is resolved here, as the AF2-class predict step does.
    maxTemplateDate: resolveTemplateDate(o.maxTemplateDate ?? o.config.inference.maxTemplateDate, new Date()),
    extra: c.runnerSettings,
  });
  writeFileSync(join(dir, 'runner.yml'), `${JSON.stringify(yaml, null, 2)}\n`);
  writeFileSync(join(dir, 'query.json'), `${JSON.stringify({ queries }, null, 2)}\n`);
  writeFileSync(join(dir, 'queries.txt'), `${tags.join('\n')}\n`);
  const argv = buildOpenfold3Command({
    runOpenfold: program,
    queryJson: join(dir, 'query.json'),
    checkpoint: openfold3CheckpointPath(o.config),
    runnerYaml: join(dir, 'runner.yml'),
    outputDir: join(dir, 'output'),
    diffusionSamples: c.diffusionSamples,
    useTemplates: c.useTemplates,
  });
  return { dir, lowMemory, argv };
}

class Results {
  readonly written: PredictResult[] = [];
  constructor(
    private readonly o: Predict3Options,
    private readonly now: () => Date,
  ) {}

  write(tag: string, fields: Pick<PredictResult, 'status'> & Partial<PredictResult>): void {
    const result: PredictResult = {
      version: 1,
      tag,
      chunk: this.o.chunk,
      model: 'openfold3',
      files: {},
      configPreset: 'predict',
      gpuClass: this.o.gpuClass,
      ...fields,
      completedAt: this.now().toISOString(),
    };
    writeResult(this.o.resultsDir, result);
    this.written.push(result);
  }
}

const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;

/** The result fields of a query OpenFold3 predicted: the ranked sample, its scores and files. */
function predictedFields(t: QueryTarget, out: QueryOutputs, resultsDir: string, lowMemory: boolean): Partial<PredictResult> {
  const r = out.ranked;
  let plddt: number[] | undefined;
  try {
    const values = parsePlddt(r.model, readFileSync(r.model, 'utf8'));
    if (values.length) plddt = values;
  } catch {
    // a structure without CA atoms (a ligand alone): the atom-averaged pLDDT below still stands
  }
  return {
    meanPlddt: round(r.avgPlddt),
    ...(plddt ? { plddt } : {}),
    ...(out.seconds === undefined ? {} : { predictSeconds: round(out.seconds, 3) }),
    files: { model: relativeToBase(resultsDir, r.model), confidences: relativeToBase(resultsDir, r.confidences) },
    configPreset: lowMemory ? 'predict+low_mem' : 'predict',
    openfold3: {
      tokens: t.tokens,
      ptm: r.ptm,
      iptm: r.iptm,
      rankingScore: r.rankingScore,
      hasClash: r.hasClash,
      chainPtm: r.chainPtm,
      chainPairIptm: r.chainPairIptm,
      ranked: { seed: r.seed, sample: r.sample },
      samples: out.samples.map((s) => ({
        seed: s.seed,
        sample: s.sample,
        rankingScore: s.rankingScore,
        ptm: s.ptm,
        iptm: s.iptm,
        avgPlddt: s.avgPlddt,
        hasClash: s.hasClash,
      })),
      chains: t.query.chains.reduce((n, c) => n + c.chain_ids.length, 0),
    },
  };
}

/**
 * inference.mode server: the attempt's query.json goes to `openfold-argo serve`, whose warm model writes the same
 * output/ folder run_openfold would (the server's runner settings: no low_mem preset there, so an out-of-memory
 * query is failed, not retried). A refusal or an unreachable server is a failed batch (exit 1), like a crash.
 */
async function runAttemptOnServer(
  o: Predict3Options,
  dir: string,
  note: (l: string) => void,
  onLine: (l: string) => void,
): Promise<ProcessOutcome> {
  const c = o.config.openfold3;
  const outcome = await runOnServer(
    o.config.inference.serverUrl,
    {
      queryJson: join(dir, 'query.json'),
      outputDir: join(dir, 'output'),
      seeds: c.seeds,
      diffusionSamples: c.diffusionSamples,
      structureFormat: c.outputFormat,
    },
    note,
  );
  if (outcome.ok) {
    note(`predict: the OpenFold3 server predicted the batch in ${outcome.seconds} s`);
    return { code: 0, signal: null };
  }
  onLine(outcome.error);
  writeFileSync(join(dir, 'openfold3.log'), `${outcome.error}\n`);
  return { code: 1, signal: null };
}

type BatchEnd = 'done' | 'cudaOom' | 'signal' | 'failed' | 'missingTool';

interface RunContext {
  readonly o: Predict3Options;
  readonly program: string;
  readonly results: Results;
  readonly note: (line: string) => void;
  readonly commands: string[][];
}

/** Runs one attempt of a batch and records each query's outcome; returns the queries that ran out of GPU memory. */
async function runAttempt(
  ctx: RunContext,
  batch: string,
  targets: QueryTarget[],
  staged: Map<string, QueryTarget['query']>,
  lowMemory: boolean,
): Promise<{ end: BatchEnd; oom: QueryTarget[] }> {
  const { o, results, note } = ctx;
  const attempt = attemptFiles(
    o,
    batch,
    lowMemory,
    ctx.program,
    targets.map((t) => t.tag),
    Object.fromEntries(targets.map((t) => [t.tag, staged.get(t.tag)])),
  );
  ctx.commands.push(attempt.argv);
  note(
    `predict: ${targets.length} quer${targets.length === 1 ? 'y' : 'ies'}${lowMemory ? ' (low_mem preset)' : ''}: ${targets.map((t) => t.tag).join(' ')}`,
  );
  note(`predict: ${JSON.stringify(attempt.argv)}`);
  const watcher = new Openfold3LogWatcher();
  // A cache folder of its own: OpenFold3 reads $OPENFOLD_CACHE/runner.yml and writes ckpt_root there.
  const cache = join(attempt.dir, 'openfold3-cache');
  mkdirSync(cache, { recursive: true });
  const run =
    o.config.inference.mode === 'server'
      ? await runAttemptOnServer(o, attempt.dir, note, (line) => watcher.line(line))
      : await runLogged(
          attempt.argv,
          {
            logFile: join(attempt.dir, 'openfold3.log'),
            cwd: attempt.dir,
            env: { ...(o.env ?? process.env), OPENFOLD_CACHE: cache },
            stdout: o.openfoldOutput,
            stderr: o.openfoldOutput,
          },
          (line) => watcher.line(line),
        );
  const log: Openfold3Log = watcher.summary();
  const output = join(attempt.dir, 'output');
  const c = o.config.openfold3;
  const summary = readSummary(output);
  const failedExit = run.code !== 0 || run.signal !== null || run.spawnError !== undefined;
  const oom: QueryTarget[] = [];
  const remaining: QueryTarget[] = [];
  for (const t of targets) {
    const out = readQueryOutputs(output, t.tag, c.seeds, c.diffusionSamples, c.outputFormat);
    const listedFailed = summary?.failedQueries.includes(t.tag) ?? false;
    if (typeof out !== 'string' && !listedFailed) {
      results.write(t.tag, { status: 'predicted', ...predictedFields(t, out, o.resultsDir, lowMemory) });
    } else if (log.oom.has(t.tag) || (failedExit && log.cudaOom && !log.failures.has(t.tag))) {
      oom.push(t);
    } else if (!failedExit || log.failures.has(t.tag)) {
      const why =
        log.failures.get(t.tag) ?? (listedFailed ? `OpenFold3 lists ${t.tag} as failed in summary.txt` : `OpenFold3 exited 0 but ${out}`);
      results.write(t.tag, { status: 'failed', reason: why, configPreset: lowMemory ? 'predict+low_mem' : 'predict' });
    } else remaining.push(t);
  }
  if (!failedExit) return { end: 'done', oom };
  const stop = (status: 'failed' | 'not_run', why: string) => remaining.forEach((t) => results.write(t.tag, { status, reason: why }));
  if (run.spawnError) {
    stop('failed', run.spawnError);
    return { end: 'missingTool', oom: [] };
  }
  if (run.signal) {
    stop('not_run', `not run: OpenFold3 was killed by ${run.signal}`);
    return { end: 'signal', oom: [] };
  }
  if (oom.length && !remaining.length) return { end: 'done', oom };
  const detail = log.lastException ?? log.tail[log.tail.length - 1];
  stop('failed', `OpenFold3 exited with code ${run.code}${detail ? `: ${detail.slice(0, 500)}` : ''}`);
  return { end: 'failed', oom };
}

async function runBatch(ctx: RunContext, index: number, targets: readonly QueryTarget[]): Promise<{ end: BatchEnd; oomLeft: boolean }> {
  const { o, results, note } = ctx;
  const batch = batchDir(o.outputDir, index);
  const pending: QueryTarget[] = [];
  const staged = new Map<string, QueryTarget['query']>();
  const shared = new Map<string, StagedMsa>();
  for (const t of targets) {
    if (alreadyPredicted(o.resultsDir, t.tag)) {
      note(`predict: ${t.tag}: already predicted, skipped`);
      continue;
    }
    const s = stageQuery(t.query, o.alignmentsDir, join(batch, 'msas'), o.alignedKeys, shared);
    if (s.missing.length) {
      results.write(t.tag, { status: 'failed', reason: `no alignments for ${s.missing.map((k) => join(o.alignmentsDir, k)).join(', ')}` });
      continue;
    }
    staged.set(t.tag, s.query);
    pending.push(t);
  }
  if (!pending.length) return { end: 'done', oomLeft: false };
  const first = await runAttempt(ctx, batch, pending, staged, false);
  if (first.end !== 'done' || !first.oom.length) {
    first.oom.forEach((t) => results.write(t.tag, { status: 'failed', reason: 'CUDA out of memory' }));
    return { end: first.end, oomLeft: first.oom.length > 0 };
  }
  note(`predict: ${first.oom.length} quer${first.oom.length === 1 ? 'y' : 'ies'} ran out of GPU memory: again with the low_mem preset`);
  const second = await runAttempt(ctx, batch, first.oom, staged, true);
  second.oom.forEach((t) =>
    results.write(t.tag, { status: 'failed', reason: 'CUDA out of memory, also with the low_mem preset', configPreset: 'predict+low_mem' }),
  );
  return { end: second.end, oomLeft: second.oom.length > 0 };
}

/** Problems that would fail every batch, as bad input (exit 2) before anything runs. */
function inputProblems(o: Predict3Options): string[] {
  const problems: string[] = [];
  const ckpt = openfold3CheckpointPath(o.config);
  if (!existsSync(ckpt))
    problems.push(`openfold3.checkpoint: weights not found at ${ckpt} (run \`openfold-argo databases --only openfold3_params\` first)`);
  if (!isAbsolute(o.alignmentsDir)) problems.push(`alignments directory must be absolute, got ${o.alignmentsDir}`);
  return problems;
}

/** Runs (or prints) the OpenFold3 prediction of every batch. */
export async function predictOpenfold3(o: Predict3Options): Promise<Predict3Outcome> {
  const print = o.print ?? ((l: string) => console.log(l));
  const note = o.note ?? ((l: string) => console.error(l));
  const now = o.now ?? (() => new Date());
  const results = new Results(o, now);
  const configured = o.runOpenfold ?? o.config.openfold3.runtime.runOpenfold;
  const server = o.config.inference.mode === 'server';
  // In server mode the model runs in the server: no run_openfold here (the argv is still written, for the record).
  const program = server ? configured || 'run_openfold' : findProgram(configured, o.env?.PATH ?? process.env.PATH);
  const ctx: RunContext = { o, program: program ?? configured, results, note, commands: [] };
  if (o.printCommand) {
    const commands = o.batches.map((b, i) =>
      buildOpenfold3Command({
        runOpenfold: program ?? configured,
        queryJson: join(batchDir(o.outputDir, i), 'attempt', 'query.json'),
        checkpoint: openfold3CheckpointPath(o.config),
        runnerYaml: join(batchDir(o.outputDir, i), 'attempt', 'runner.yml'),
        outputDir: join(batchDir(o.outputDir, i), 'attempt', 'output'),
        diffusionSamples: o.config.openfold3.diffusionSamples,
        useTemplates: o.config.openfold3.useTemplates,
      }),
    );
    commands.forEach((c) => print(JSON.stringify(c)));
    return { exitCode: EXIT.ok, commands, results: [] };
  }
  if (!program) {
    note(`predict: no OpenFold3 runtime (${configured || '(empty openfold3.runtime.runOpenfold)'} not found): queries recorded as not run`);
    for (const t of o.batches.flat())
      if (!alreadyPredicted(o.resultsDir, t.tag)) results.write(t.tag, { status: 'not_run', reason: NO_OPENFOLD3_REASON });
    return { exitCode: EXIT.ok, commands: [], results: results.written };
  }
  const problems = server ? [] : inputProblems(o);
  if (problems.length) throw new UserError(problems.join('; '));
  let oomLeft = false;
  for (let i = 0; i < o.batches.length; i++) {
    const { end, oomLeft: left } = await runBatch(ctx, i, o.batches[i]);
    oomLeft ||= left;
    if (end === 'signal' || end === 'failed' || end === 'missingTool') {
      for (const t of o.batches.slice(i + 1).flat())
        if (!alreadyPredicted(o.resultsDir, t.tag))
          results.write(t.tag, { status: 'not_run', reason: `not run: batch ${i} stopped the chunk` });
      const exitCode = { signal: EXIT.oomOrSignal, failed: EXIT.failed, missingTool: EXIT.missingTool }[end];
      return { exitCode, commands: ctx.commands, results: results.written };
    }
  }
  // Out of memory with the low_mem preset too: on the standard class, the retry moves to the large GPU class.
  const exitCode = oomLeft && o.gpuClass === 'standard' ? EXIT.cudaOom : EXIT.ok;
  return { exitCode, commands: ctx.commands, results: results.written };
}
