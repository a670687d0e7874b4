// The server's side of the warm OpenFold3 worker (worker/openfold3_worker.py): starts it with an argument array,
// speaks its JSON-lines protocol, and passes its stderr on only through redact() (OpenFold3 prints what it reads).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { projectRoot } from '../../common/paths.js';

export const WORKER_SCRIPT = join(projectRoot(), 'steps', 'serve', 'worker', 'openfold3_worker.py');

export interface WorkerOptions {
  /** The Python of OpenFold3's environment. */
  readonly python: string;
  readonly checkpoint: string;
  /** The runner settings file (JSON). */
  readonly runnerYaml: string;
  readonly workDir: string;
  /** Each stderr line of the worker, already redacted. */
  readonly onLog?: (line: string) => void;
  /** Strings to redact besides capital-letter runs (the server's requests in flight). */
  readonly secrets?: () => Iterable<string>;
  readonly env?: NodeJS.ProcessEnv;
}

export interface WorkerJob {
  readonly queryJson: string;
  readonly outputDir: string;
  readonly seeds: readonly number[];
  readonly diffusionSamples: number;
  readonly structureFormat: 'cif' | 'pdb';
}

export interface WorkerReply {
  readonly seconds: number;
  readonly loads: number;
  readonly gpuMemoryBytes: number | null;
}

export interface WorkerReady {
  readonly loadSeconds: number;
  readonly device: string;
  readonly loads: number;
}

/**
 * What a log line may not show: runs of 8+ capital letters (sequences, alignment rows) and the given strings (the
 * SMILES and sequences of requests in flight), each replaced by its length. Pure.
 */
export function redact(line: string, secrets: Iterable<string> = []): string {
  let out = line;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(`<redacted ${s.length}>`);
  return out.replace(/[A-Z]{8,}/g, (s) => `<redacted ${s.length}>`);
}

type Pending = { resolve: (r: WorkerReply) => void; reject: (e: Error) => void };

export class Worker {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exitError?: Error;
  readonly ready: Promise<WorkerReady>;
  readonly exited: Promise<number | null>;

  constructor(o: WorkerOptions) {
    const args = [WORKER_SCRIPT, '--checkpoint', o.checkpoint, '--runner-yaml', o.runnerYaml, '--work-dir', o.workDir];
    this.child = spawn(o.python, args, { stdio: ['pipe', 'pipe', 'pipe'], env: o.env ?? process.env });
    const log = o.onLog ?? (() => undefined);
    createInterface({ input: this.child.stderr! }).on('line', (l) => log(redact(l, o.secrets?.() ?? [])));
    let readyResolve!: (r: WorkerReady) => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => ((readyResolve = res), (readyReject = rej)));
    this.ready.catch(() => undefined);
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const doc = JSON.parse(line) as Record<string, unknown>;
      if (doc.event === 'ready') {
        readyResolve({ loadSeconds: doc.load_seconds as number, device: doc.device as string, loads: doc.loads as number });
        return;
      }
      const p = this.pending.get(doc.id as number);
      if (!p) return;
      this.pending.delete(doc.id as number);
      if (doc.ok)
        p.resolve({
          seconds: doc.seconds as number,
          loads: doc.loads as number,
          gpuMemoryBytes: (doc.gpu_memory_bytes as number | null) ?? null,
        });
      else p.reject(new Error(String(doc.error)));
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        this.exitError = new Error(`the OpenFold3 worker ended (${signal ?? `exit ${code}`})`);
        readyReject(this.exitError);
        for (const p of this.pending.values()) p.reject(this.exitError);
        this.pending.clear();
        resolve(code);
      }),
    );
    this.child.on('error', (e) => readyReject(e));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  predict(job: WorkerJob): Promise<WorkerReply> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = this.nextId++;
    const line = JSON.stringify({
      id,
      query_json: job.queryJson,
      output_dir: job.outputDir,
      seeds: job.seeds,
      diffusion_samples: job.diffusionSamples,
      structure_format: job.structureFormat,
    });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin!.write(`${line}\n`);
    });
  }

  /** Ends the worker after its current request (stdin closed), or at once with kill. */
  stop(kill = false): Promise<number | null> {
    if (kill) this.child.kill('SIGKILL');
    else this.child.stdin!.end();
    return this.exited;
  }
}
