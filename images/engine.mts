// The container engine's command lines (podman or docker): pure functions, so the tests check exactly what
// `npm run images` runs.
export type Engine = 'podman' | 'docker';

export interface BuildRequest {
  dockerfile: string;
  ignorefile: string;
  tags: string[];
  buildArgs: Record<string, string>;
  labels?: Record<string, string>;
  /** PEM file of extra CA certificates, handed to the build as the secret `extra_ca`. */
  extraCaFile?: string;
  /** Build only up to this stage (the shared step-program stage, before the images build side by side). */
  target?: string;
  /** Never pull a base: every FROM must exist locally (the stand-ins). */
  pullNever: boolean;
  context: string;
}

/** Build-time secret id the Dockerfiles mount for their downloading RUN steps. */
export const EXTRA_CA_SECRET = 'extra_ca';

export function buildCommand(engine: Engine, r: BuildRequest): string[] {
  const argv = [engine, 'build', '--file', r.dockerfile, '--platform', 'linux/amd64'];
  if (engine === 'podman') {
    // Docker's image format: buildah ignores SHELL (our `bash -o pipefail`) when it writes an OCI image.
    // --ignorefile: buildah does not look for <Dockerfile>.dockerignore itself (BuildKit does).
    // --jobs 2: independent stages (Go, npm, apt) build side by side.
    argv.push('--format', 'docker', '--ignorefile', r.ignorefile, '--jobs', '2', `--pull=${r.pullNever ? 'never' : 'missing'}`);
  } else if (r.pullNever) {
    argv.push('--pull=false');
  }
  if (r.target) argv.push('--target', r.target);
  if (r.extraCaFile) argv.push('--secret', `id=${EXTRA_CA_SECRET},src=${r.extraCaFile}`);
  for (const [k, v] of Object.entries(r.buildArgs)) argv.push('--build-arg', `${k}=${v}`);
  for (const [k, v] of Object.entries(r.labels ?? {})) argv.push('--label', `${k}=${v}`);
  for (const t of r.tags) argv.push('--tag', t);
  argv.push(r.context);
  return argv;
}

/** `inspect` printing one JSON object: id, local manifest digest (podman only), size in bytes. */
export function inspectCommand(engine: Engine, ref: string): string[] {
  const format =
    engine === 'podman' ? '{"id":"{{.Id}}","digest":"{{.Digest}}","size":{{.Size}}}' : '{"id":"{{.Id}}","digest":"","size":{{.Size}}}';
  return [engine, 'image', 'inspect', '--format', format, ref];
}

export function labelCommand(engine: Engine, ref: string, label: string): string[] {
  return [engine, 'image', 'inspect', '--format', `{{ index .Config.Labels ${JSON.stringify(label)} }}`, ref];
}

export function tagCommand(engine: Engine, from: string, to: string): string[] {
  return [engine, 'tag', from, to];
}

/** podman writes the pushed manifest's digest to a file; docker's comes from RepoDigests afterwards. */
export function pushCommand(engine: Engine, ref: string, digestFile: string): string[] {
  return engine === 'podman' ? ['podman', 'push', '--digestfile', digestFile, ref] : ['docker', 'push', ref];
}

export function repoDigestsCommand(engine: Engine, ref: string): string[] {
  return [engine, 'image', 'inspect', '--format', '{{json .RepoDigests}}', ref];
}

/** The digest of repository among `inspect`'s RepoDigests (["repo@sha256:…", …]). */
export function digestFor(repository: string, repoDigestsJson: string): string {
  const digests = JSON.parse(repoDigestsJson) as string[] | null;
  const match = (digests ?? []).find((d) => d.startsWith(`${repository}@sha256:`));
  if (!match) throw new Error(`no digest of ${repository} after the push (RepoDigests: ${repoDigestsJson.trim()})`);
  return match.slice(repository.length + 1);
}

export interface RunRequest {
  /** Host folders mounted at the same path (`:ro` suffix for read-only). */
  mounts?: string[];
  env?: Record<string, string>;
  /** none (default), or host to reach a loopback server of the test. */
  network?: 'none' | 'host';
}

/** A command run in an image as the pods run it: the image's (non-root) user, read-only root, only /tmp writable. */
export function runCommand(engine: Engine, ref: string, entrypoint: string, args: string[], r: RunRequest = {}): string[] {
  const argv = [engine, 'run', '--rm', '--read-only', '--tmpfs', '/tmp:rw,mode=1777', '--network', r.network ?? 'none'];
  // podman would otherwise add writable tmpfs mounts on /run and /var/tmp, which pods do not have.
  if (engine === 'podman') argv.push('--read-only-tmpfs=false');
  for (const m of r.mounts ?? []) {
    const [path, mode] = m.split(/:(?=ro$)/);
    argv.push('--volume', `${path}:${path}${mode ? ':ro' : ''}`);
  }
  for (const [k, v] of Object.entries(r.env ?? {})) argv.push('--env', `${k}=${v}`);
  return [...argv, '--entrypoint', entrypoint, ref, ...args];
}
