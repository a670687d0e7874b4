// Reads OpenFold3 0.5.0's output as it streams, for per-query failure reasons. OpenFold3 catches a failing
// query and goes on (exit 0): the data pipeline logs "Failed to process <q> with preferred" + "Exception type:
// <T>" and the traceback between two lines of dashes (single_datasets/inference.py); the model step logs
// "OOM for query_id(s) <q>." for torch.OutOfMemoryError and "Failed for query_id(s) <q>: <message>." for
// anything else (projects/of3_all_atom/runner.py).

const DATA_FAILURE = /Failed to process (\S+) with preferred(?:Exception type: (\w+))?/;
const OOM = /OOM for query_id\(s\) (.+?)\.(?: See |$)/;
const MODEL_FAILURE = /Failed for query_id\(s\) ([^:]+): (.*?)(?:\. See .*)?$/;
const EXCEPTION_LINE = /^([A-Za-z_][\w.]*(?:Error|Exception))(?::\s*(.*))?$/;
const DASHES = /-{40}/;
/** A CUDA allocator failure outside OpenFold3's per-query handler (model load, a data worker). */
const CUDA_OOM = /CUDA out of memory|torch\.(?:cuda\.)?OutOfMemoryError|CUDA error: out of memory/;
const TAIL = 40;

export interface Openfold3Log {
  /** Query -> one-line reason, for queries OpenFold3 reported as failed. */
  failures: Map<string, string>;
  /** Queries that ran out of GPU memory (OpenFold3 skipped them). */
  oom: Set<string>;
  /** CUDA out of memory anywhere in the output. */
  cudaOom: boolean;
  /** The last exception line, for a run that crashed as a whole. */
  lastException?: string;
  tail: string[];
}

export class Openfold3LogWatcher {
  private readonly failures = new Map<string, string>();
  private readonly oom = new Set<string>();
  private cudaOom = false;
  private lastException: string | undefined;
  private readonly tail: string[] = [];
  /** The query whose data-pipeline traceback is being read, and its exception type. */
  private open: { query: string; type: string; last?: string } | undefined;

  line(text: string): void {
    const trimmed = text.trim();
    if (trimmed) {
      this.tail.push(trimmed);
      if (this.tail.length > TAIL) this.tail.shift();
    }
    if (CUDA_OOM.test(text)) this.cudaOom = true;
    const data = DATA_FAILURE.exec(text);
    if (data) {
      this.open = { query: data[1], type: data[2] ?? 'Exception' };
      return;
    }
    if (this.open) {
      if (DASHES.test(text)) {
        const { query, type, last } = this.open;
        this.failures.set(query, `OpenFold3 could not prepare the query: ${last ?? type}`);
        this.open = undefined;
      } else if (EXCEPTION_LINE.test(trimmed) && !text.startsWith(' ')) this.open.last = trimmed;
      return;
    }
    const oom = OOM.exec(text);
    if (oom) {
      for (const q of oom[1].split(',').map((s) => s.trim())) {
        this.oom.add(q);
        this.failures.set(q, 'CUDA out of memory');
      }
      this.cudaOom = true;
      return;
    }
    const model = MODEL_FAILURE.exec(trimmed);
    if (model) {
      for (const q of model[1].split(',').map((s) => s.trim())) this.failures.set(q, `OpenFold3 failed on the query: ${model[2]}`);
      return;
    }
    if (EXCEPTION_LINE.test(trimmed) && !text.startsWith(' ')) this.lastException = trimmed;
  }

  summary(): Openfold3Log {
    return {
      failures: new Map(this.failures),
      oom: new Set(this.oom),
      cudaOom: this.cudaOom,
      ...(this.lastException ? { lastException: this.lastException } : {}),
      tail: [...this.tail],
    };
  }
}

export function summariseOpenfold3Log(text: string): Openfold3Log {
  const w = new Openfold3LogWatcher();
  for (const l of text.split(/\r?\n/)) w.line(l);
  return w.summary();
}
