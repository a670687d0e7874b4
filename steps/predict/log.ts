// Reads OpenFold's log as it streams: which target it is on, whether CUDA ran out of memory, and the error
// that ended it. Phrases come from run_pretrained_openfold.py and utils/script_utils.py (logger.info lines).

/** Lines that start work on a target: precompute_alignments and run_model log them with the tag. */
const TARGET_STARTED = /(?:Using precomputed alignments for|Generating alignments for|Running inference for) (\w+)/;

/** CUDA allocator failures: torch.cuda.OutOfMemoryError / torch.OutOfMemoryError ("CUDA out of memory. Tried
 * to allocate ...") and kernels failing to allocate ("CUDA error: out of memory"). */
const CUDA_OOM = /CUDA out of memory|torch\.(?:cuda\.)?OutOfMemoryError|CUDA error: out of memory/;

/** The closing line of a Python traceback: `SomeError: message` (possibly dotted, e.g. torch.cuda.OutOfMemoryError). */
const EXCEPTION_LINE = /^([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit))(?::\s*(.*))?$/;

const TAIL_LINES = 60;

export interface LogSummary {
  /** Tags in the order OpenFold started them. */
  readonly started: string[];
  /** The target OpenFold was working on last, if any. */
  readonly currentTag: string | undefined;
  readonly cudaOom: boolean;
  /** The last exception line (`ValueError: ...`), if any. */
  readonly lastException: string | undefined;
  /** The last lines of the log, for a failure reason when no exception line was printed. */
  readonly tail: string[];
}

export class OpenfoldLogWatcher {
  private readonly startedTags: string[] = [];
  private oom = false;
  private exception: string | undefined;
  private readonly tailLines: string[] = [];

  /** Feeds one line (without its newline). */
  line(text: string): void {
    const started = TARGET_STARTED.exec(text);
    if (started && this.startedTags[this.startedTags.length - 1] !== started[1]) this.startedTags.push(started[1]);
    if (CUDA_OOM.test(text)) this.oom = true;
    const trimmed = text.trim();
    if (EXCEPTION_LINE.test(trimmed) && !text.startsWith(' ')) this.exception = trimmed;
    if (trimmed !== '') {
      this.tailLines.push(trimmed);
      if (this.tailLines.length > TAIL_LINES) this.tailLines.shift();
    }
  }

  summary(): LogSummary {
    return {
      started: [...this.startedTags],
      currentTag: this.startedTags[this.startedTags.length - 1],
      cudaOom: this.oom,
      lastException: this.exception,
      tail: [...this.tailLines],
    };
  }
}

/** Feeds a whole log text (tests, or a saved log). */
export function summariseLog(text: string): LogSummary {
  const w = new OpenfoldLogWatcher();
  for (const l of text.split(/\r?\n/)) w.line(l);
  return w.summary();
}

/** A one-line reason for a failed run, from its log. */
export function failureReason(s: LogSummary, exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  if (s.cudaOom) return 'CUDA out of memory';
  if (exit.signal) return `OpenFold was killed by ${exit.signal}`;
  const detail = s.lastException ?? s.tail[s.tail.length - 1];
  const clipped = detail && detail.length > 500 ? `${detail.slice(0, 500)}...` : detail;
  return clipped ? `OpenFold exited with code ${exit.code}: ${clipped}` : `OpenFold exited with code ${exit.code}`;
}
