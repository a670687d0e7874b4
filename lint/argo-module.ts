// Argo's own files out of its Go module: `go mod download -json github.com/argoproj/argo-workflows/vN@VERSION`
// names the module's folder in Go's module cache (fetched through GOPROXY when not there yet), which holds
// api/jsonschema/schema.json, manifests/base/crds/full/ and examples/ of that version. A user with Go behind
// a module proxy gets Argo's schema this way without raw GitHub access; the tests take all three from here.
import { execFile, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';

const MODULE = 'github.com/argoproj/argo-workflows';

/** The module path of an Argo version: v4.x lives at github.com/argoproj/argo-workflows/v4 (Go's major suffix). */
export function argoModulePath(version: string): string {
  const major = Number(/^v(\d+)\./.exec(version)?.[1]);
  return major >= 2 ? `${MODULE}/v${major}` : MODULE;
}

/** Why the module could not be had, in one line (no Go, the proxy refused the version, offline...). */
export class ArgoModuleError extends Error {}

function goArgs(version: string): { spec: string; args: string[] } {
  const spec = `${argoModulePath(version)}@${version}`;
  return { spec, args: ['mod', 'download', '-json', spec] };
}

/** The module folder from go's output, or the error naming why not. */
function moduleDir(spec: string, r: { error?: Error | null; stdout: string; stderr: string; timedOutAfter?: number }): string {
  if ((r.error as NodeJS.ErrnoException | null | undefined)?.code === 'ENOENT') throw new ArgoModuleError('go is not on PATH');
  let module: { Dir?: string; Error?: string } = {};
  try {
    module = JSON.parse(r.stdout);
  } catch {
    // go printed no JSON (killed, or failed before the lookup): its stderr says why.
  }
  if (module.Dir && !module.Error) return module.Dir;
  const why =
    module.Error?.replace(`${spec}: `, '') ??
    (r.stderr.trim() || (r.timedOutAfter ? `timed out after ${r.timedOutAfter / 1000} s` : String(r.error?.message)));
  throw new ArgoModuleError(`go mod download ${spec}: ${why.split('\n')[0]}`);
}

// Go runs in the temp folder, outside any Go module, so a go.mod nearby cannot change what is resolved.

/** The folder of Argo's Go module at `version` (read-only, in Go's module cache); downloads it when needed. */
export function argoModuleDir(version: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 300_000): Promise<string> {
  const { spec, args } = goArgs(version);
  return new Promise((resolve, reject) => {
    execFile('go', args, { env, cwd: tmpdir(), timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      try {
        resolve(moduleDir(spec, { error, stdout, stderr, timedOutAfter: error?.killed ? timeoutMs : undefined }));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** argoModuleDir for callers that cannot wait asynchronously (the tests' set-up, at module load). */
export function argoModuleDirSync(version: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 300_000): string {
  const { spec, args } = goArgs(version);
  const r = spawnSync('go', args, { env, cwd: tmpdir(), timeout: timeoutMs, encoding: 'utf8' });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  return moduleDir(spec, {
    error: r.error,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    timedOutAfter: timedOut ? timeoutMs : undefined,
  });
}
