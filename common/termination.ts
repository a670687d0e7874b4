// A failed step's one-line reason, where its runtime shows it: Kubernetes mounts a file at
// /dev/termination-log in every container and reports its content as the container's termination message,
// which Argo puts into the node's message (`Error (exit code 2): <reason>`); the local executor creates the
// same file per attempt and names it in OPENFOLD_ARGO_TERMINATION_LOG. Written only when the file already
// exists (its runtime made it), so a command run by hand writes nothing.
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';

export const TERMINATION_LOG_ENV = 'OPENFOLD_ARGO_TERMINATION_LOG';
const KUBERNETES_PATH = '/dev/termination-log';
/** What Kubernetes keeps of a termination message. */
export const TERMINATION_MESSAGE_MAX = 4096;

/** The message as one line: its lines joined with "; ", cut to what Kubernetes keeps. */
export function oneLine(message: string): string {
  const line = message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ');
  return Buffer.byteLength(line) <= TERMINATION_MESSAGE_MAX
    ? line
    : `${Buffer.from(line)
        .subarray(0, TERMINATION_MESSAGE_MAX - 3)
        .toString()}...`;
}

/** Writes the step's reason to its termination log, if its runtime made one; never throws. */
export function writeTerminationMessage(message: string, env: NodeJS.ProcessEnv = process.env): void {
  const path = env[TERMINATION_LOG_ENV] || KUBERNETES_PATH;
  let fd: number;
  try {
    fd = openSync(path, 'r+'); // the file must exist already
  } catch {
    return;
  }
  try {
    ftruncateSync(fd);
    writeSync(fd, oneLine(message));
  } catch {
    // a read-only or full file system: the log still has the message
  } finally {
    closeSync(fd);
  }
}
