// Errors a user can act on, and the exit codes. The bottom layer: every folder may import it, it imports nothing
// of the project. One top-level place (cli/main.ts) maps the errors to a message and an exit code.

export class UserError extends Error {
  constructor(
    message: string,
    /** Process exit code; 1 = the job failed, 2 = bad usage or input. */
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Exit codes shared by the step programs and the workflow's retry rules. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  /** A tool was killed by the OOM killer or a signal: retry with more memory. */
  oomOrSignal: 137,
  /** CUDA ran out of memory: retry on the larger GPU class. */
  cudaOom: 86,
  /** A required tool is missing from the image or machine. */
  missingTool: 127,
} as const;
