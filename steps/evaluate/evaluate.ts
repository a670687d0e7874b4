// The evaluate step: accuracy of predicted structures against reference structures. The scoring itself is the
// Python module in python/ (biotite, TMscore, DockQ); this wrapper picks the model and reference of each
// target, runs the module once for a whole run (one interpreter start), and writes one file per target,
// RUN/evaluation/<tag>/evaluation.json, atomically. A target that cannot be scored says why.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { UserError } from '../../common/errors.js';
import type { ManifestTarget, SplitManifest } from '../split/split.js';
import { isSafeTag } from '../split/tags.js';
import type { PredictResult } from '../predict/result.js';
import { resolveFromBase } from '../predict/result.js';
import { PYTHON_DIR, evaluatePython } from './python-env.js';
import { findReferenceFile, referenceFromHeader } from './references.js';

export interface Interface {
  reference_chains: [string, string];
  model_chains: [string, string];
  dockq: number;
  fnat: number;
  irmsd: number;
  lrmsd: number;
  native_contacts: number;
}

export interface ResidueScore {
  chain: string;
  number: number;
  insertion: string;
  name: string;
  lddt: number | null;
  lddt_ca: number | null;
}

/** What the Python module prints for one model against one reference (scores in 0..1, RMSD in Å). */
export interface Scores {
  version: 1;
  model: string;
  reference: string;
  lddt_ca: number | null;
  lddt: number | null;
  tm_score: number | null;
  gdt_ts: number | null;
  gdt_ha: number | null;
  rmsd_ca: number | null;
  reference_residues: number;
  aligned_residues: number;
  chains: { model: string; reference: string; identity: number; aligned: number; reference_residues: number; model_residues: number }[];
  dockq: Interface[];
  per_residue: ResidueScore[];
  implementations: Record<string, string>;
}

export type EvaluationStatus = 'evaluated' | 'no_reference' | 'failed';

/** RUN/evaluation/<tag>/evaluation.json */
export interface TargetEvaluation {
  version: 1;
  tag: string;
  status: EvaluationStatus;
  reason?: string;
  reference?: { pdb: string; chains: string[]; file: string; sha256: string };
  model?: { file: string; sha256: string };
  scores?: Scores;
  completedAt: string;
}

function runPython(args: string[], onLine?: (line: string) => void): Promise<{ code: number; stdout: string; stderr: string }> {
  const python = evaluatePython();
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'openfold_argo_evaluate', ...args], {
      env: { ...process.env, PYTHONPATH: PYTHON_DIR, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    if (onLine) createInterface({ input: child.stdout }).on('line', onLine);
    else child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Scores one model against one reference (`openfold-argo evaluate --model --reference`). */
export async function evaluatePair(model: string, reference: string, referenceChains: string[] = []): Promise<Scores> {
  const args = ['pair', '--model', model, '--reference', reference];
  if (referenceChains.length) args.push('--reference-chains', referenceChains.join(','));
  const { code, stdout, stderr } = await runPython(args);
  if (code === 2) throw new UserError(stderr.trim().split('\n').pop() ?? 'bad input', 2);
  if (code !== 0) throw new UserError(`the evaluate module failed (exit ${code}): ${stderr.trim().slice(-2000)}`, 1);
  return JSON.parse(stdout) as Scores;
}

/** Sequence of each protein chain of a structure file: its SEQRES (mmCIF), else the modelled residues. */
export async function chainSequences(file: string): Promise<Record<string, string>> {
  const { code, stdout, stderr } = await runPython(['seqres', file]);
  if (code !== 0) throw new UserError(stderr.trim().split('\n').pop() ?? `cannot read ${file}`, code === 2 ? 2 : 1);
  return JSON.parse(stdout) as Record<string, string>;
}

const sha256File = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

export function evaluationFile(run: string, tag: string): string {
  return join(run, 'evaluation', tag, 'evaluation.json');
}

async function writeEvaluation(run: string, e: TargetEvaluation): Promise<void> {
  const file = evaluationFile(run, e.tag);
  await mkdir(join(run, 'evaluation', e.tag), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(e)}\n`);
  await rename(tmp, file);
}

export interface EvaluateRunOptions {
  /** Folder of reference mmCIF files named by PDB id (7elf.cif[.gz]). */
  references: string;
  /** Score again even when an evaluation of the same model and reference exists. */
  force?: boolean;
  now?: () => Date;
}

export interface EvaluateRunSummary {
  evaluated: number;
  reused: number;
  noReference: number;
  failed: number;
  notPredicted: number;
}

interface Job {
  target: ManifestTarget;
  reference: { pdb: string; chains: string[]; file: string; sha256: string };
  model: { file: string; sha256: string };
}

/** The model file a result names: the relaxed model when there is one (the final model), else the unrelaxed. */
function modelOf(run: string, result: PredictResult | null): string | null {
  if (result?.status !== 'predicted') return null;
  const file = result.files?.relaxed ?? result.files?.unrelaxed;
  return file ? resolveFromBase(join(run, 'results'), file) : null;
}

/** Scores every predicted target of a run that has a reference; writes RUN/evaluation/<tag>/evaluation.json. */
export async function evaluateRun(run: string, opts: EvaluateRunOptions): Promise<EvaluateRunSummary> {
  const now = opts.now ?? (() => new Date());
  const manifestFile = join(run, 'split', 'manifest.json');
  const manifest = await readJson<SplitManifest>(manifestFile);
  if (!manifest || !Array.isArray(manifest.targets)) throw new UserError(`${manifestFile}: not found or not a split manifest`, 2);
  const summary: EvaluateRunSummary = { evaluated: 0, reused: 0, noReference: 0, failed: 0, notPredicted: 0 };
  const jobs: Job[] = [];
  for (const target of manifest.targets) {
    if (!isSafeTag(target.tag)) throw new UserError(`${manifestFile}: not a safe tag: ${JSON.stringify(target.tag)}`, 1);
    // A duplicate has no prediction of its own: its original's model is scored against its own reference.
    const modelTag = target.duplicateOf ?? target.tag;
    const model = modelOf(run, await readJson<PredictResult>(join(run, 'results', modelTag, 'result.json')));
    if (!model) {
      summary.notPredicted++;
      continue;
    }
    const id = referenceFromHeader(target.header);
    const file = id ? findReferenceFile(opts.references, id.pdb) : null;
    if (!id || !file) {
      summary.noReference++;
      const reason = id
        ? `no reference file for ${id.pdb} in ${opts.references}`
        : 'the FASTA header names no reference (expected `pdbid: XXXX | chain: Y` or `XXXX_Y`)';
      await writeEvaluation(run, { version: 1, tag: target.tag, status: 'no_reference', reason, completedAt: now().toISOString() });
      continue;
    }
    let modelSha: string;
    try {
      modelSha = await sha256File(model);
    } catch (e) {
      summary.failed++;
      await writeEvaluation(run, {
        version: 1,
        tag: target.tag,
        status: 'failed',
        reason: `cannot read the model ${model}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        completedAt: now().toISOString(),
      });
      continue;
    }
    const job: Job = {
      target,
      reference: { pdb: id.pdb, chains: id.chains, file, sha256: await sha256File(file) },
      model: { file: model, sha256: modelSha },
    };
    const earlier = await readJson<TargetEvaluation>(evaluationFile(run, target.tag));
    if (
      !opts.force &&
      earlier?.status === 'evaluated' &&
      earlier.model?.sha256 === job.model.sha256 &&
      earlier.reference?.sha256 === job.reference.sha256 &&
      earlier.reference?.chains.join(',') === job.reference.chains.join(',')
    ) {
      summary.reused++;
      continue;
    }
    jobs.push(job);
  }
  if (jobs.length) await runBatch(run, jobs, summary, now);
  return summary;
}

async function runBatch(run: string, jobs: Job[], summary: EvaluateRunSummary, now: () => Date): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'openfold-argo-evaluate-'));
  try {
    const jobsFile = join(dir, 'jobs.json');
    const byTag = new Map(jobs.map((j) => [j.target.tag, j]));
    await writeFile(
      jobsFile,
      JSON.stringify(
        jobs.map((j) => ({ id: j.target.tag, model: j.model.file, reference: j.reference.file, reference_chains: j.reference.chains })),
      ),
    );
    const writes: Promise<void>[] = [];
    const seen = new Set<string>();
    const { code, stderr } = await runPython(['batch', jobsFile], (line) => {
      const out = JSON.parse(line) as { id: string; result?: Scores; error?: string };
      const job = byTag.get(out.id);
      if (!job) return;
      seen.add(out.id);
      const base = { version: 1 as const, tag: out.id, reference: job.reference, model: job.model, completedAt: now().toISOString() };
      if (out.result) summary.evaluated++;
      else summary.failed++;
      writes.push(
        writeEvaluation(
          run,
          out.result ? { ...base, status: 'evaluated', scores: out.result } : { ...base, status: 'failed', reason: out.error },
        ),
      );
    });
    await Promise.all(writes);
    if (code !== 0 || seen.size !== jobs.length)
      throw new UserError(
        `the evaluate module stopped (exit ${code}) after ${seen.size} of ${jobs.length} targets: ${stderr.trim().slice(-2000)}`,
        1,
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
