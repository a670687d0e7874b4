// What `run --local` and `demo` share: progress on the terminal, Ctrl-C handling, the summary, exit codes.
import { UserError } from '../common/errors.js';
import { WorkflowParameterError, type Engine } from './engine.js';
import { LocalRunError, localConfig, pipelineUnits, runLocal, summary, type LocalRunOptions } from './local.js';
import { join } from 'node:path';
import { Progress } from './progress.js';
import { UnsupportedWorkflowError } from './validate.js';
import { WorkflowLoadError } from './workflow.js';
import { WorkdirBusyError } from './lock.js';
import { StateFileError } from './state.js';

/** `-p name=value` flags into a map; throws a UserError naming a malformed one. */
export function parseParameters(flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new UserError(`-p ${f}: expected name=value`);
    out[f.slice(0, eq)] = f.slice(eq + 1);
  }
  return out;
}

export interface ExecuteOptions extends Omit<LocalRunOptions, 'signal' | 'onEvent' | 'onEngine'> {
  /** Printed in the summary when the run did not fully succeed. */
  resumeCommand: string;
  /** Last lines of the summary (the demo's notes). */
  epilogue?: (runDir: string) => string[];
}

/** Runs the pipeline locally with progress and Ctrl-C handling; returns the exit code. */
export async function executeLocally(o: ExecuteOptions): Promise<number> {
  let runDir = '';
  const progress = new Progress(
    process.stderr,
    o.resume ? 'resuming the local run' : 'local run',
    pipelineUnits(() => runDir),
  );
  const abort = new AbortController();
  let engine: Engine | undefined;
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      progress.say(`${signal}: stopping the running steps (again to exit at once); the state is kept for --resume`);
      engine?.stop('interrupted');
      abort.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await runLocal({
      ...o,
      signal: abort.signal,
      onEngine: (e) => {
        engine = e;
        runDir = join(localConfig(o.config, o.workdir).input.runsRoot, e.state.workflow);
        progress.start();
      },
      onEvent: (e) => progress.onEvent(e),
    });
    progress.stop();
    console.log(summary(result, o.resumeCommand));
    for (const line of o.epilogue?.(result.runDir) ?? []) console.log(line);
    if (interrupts > 0) return 130;
    return result.state.phase === 'Succeeded' ? 0 : 1;
  } catch (e) {
    progress.stop();
    if (
      e instanceof UnsupportedWorkflowError ||
      e instanceof LocalRunError ||
      e instanceof WorkflowLoadError ||
      e instanceof WorkflowParameterError ||
      e instanceof WorkdirBusyError ||
      e instanceof StateFileError
    )
      throw new UserError(e.message);
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
