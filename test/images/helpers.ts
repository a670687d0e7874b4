// Running the built images in tests: podman, the local dev tags `npm run images` makes, each command run as
// the pods run it (the image's non-root user, read-only root, /tmp the only writable path).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { localRef, type ImageName } from '../../images/catalog.mjs';
import { runCommand, type RunRequest } from '../../images/engine.mjs';
import { missingTools } from '../helpers/env.js';

export const ENGINE = 'podman';
const exec = promisify(execFile);

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Null when podman and every image are here; else the reason to skip with (requires() in helpers/gate.ts). */
export async function missingImages(names: readonly ImageName[]): Promise<string | null> {
  const tool = missingTools([ENGINE], 'bash .ci/setup.d/15-podman.sh');
  if (tool) return tool;
  const absent: string[] = [];
  for (const n of names) {
    try {
      await exec(ENGINE, ['image', 'exists', localRef(n)]);
    } catch {
      absent.push(localRef(n));
    }
  }
  return absent.length ? `missing images ${absent.join(', ')} (build them: npm run images)` : null;
}

/** Runs `entrypoint args` in the image; never throws on a non-zero exit. */
export async function inImage(name: ImageName, entrypoint: string, args: string[], r: RunRequest = {}): Promise<RunResult> {
  const [cmd, ...rest] = runCommand(ENGINE, localRef(name), entrypoint, args, r);
  try {
    const { stdout, stderr } = await exec(cmd, rest, { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

/** Image inspection as JSON. */
export async function inspectImage<T>(name: ImageName, format = '{{json .}}'): Promise<T> {
  const { stdout } = await exec(ENGINE, ['image', 'inspect', '--format', format, localRef(name)], { maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as T;
}
