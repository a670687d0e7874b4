// `npm run images`: builds the openfold-argo images with podman (or docker where podman is absent), tags each
// localhost/openfold-argo/<name>:dev and :sha-<commit>, prints sizes and digests, and saves a CycloneDX SBOM per
// image; with --push REGISTRY it pushes and prints the config lines that pin the images by digest.
// buildImages() is the same entry point for scripts (the e2e loads the images into containerd).
//
//   npm run images [-- --only tools,msa] [--json] [--push REGISTRY] [--bases auto|stand-in|public]
//                  [--extra-ca FILE|none] [--engine podman|docker] [--refresh-bases] [--dry-run]
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MIRRORS, ensureStandIns } from './bases.mjs';
import {
  IMAGES,
  IMAGE_NAMES,
  dockerfilePath,
  ignorefilePath,
  imageSpec,
  localRepository,
  publicBases,
  qualify,
  standInFor,
  type ImageName,
  type StandIn,
} from './catalog.mjs';
import { buildCommand, digestFor, inspectCommand, pushCommand, repoDigestsCommand, tagCommand, type Engine } from './engine.mjs';
import { displayCommand, run, succeeds } from './exec.mjs';
import { INVENTORY_SCRIPT, cycloneDx } from './sbom.mjs';

export type BasesMode = 'auto' | 'stand-in' | 'public';

export interface BuildOptions {
  /** Project root (the build context). */
  root: string;
  /** Images to build (default: every image the bases allow: tools, msa, openfold3 from stand-ins; all with public bases). */
  only?: ImageName[];
  engine?: Engine;
  bases?: BasesMode;
  /** PEM file of extra CA certificates trusted during the build only; 'none'; default: this machine's local CAs. */
  extraCa?: string;
  /** Push to REGISTRY (host[:port][/path]) and report the registry's digests. */
  push?: string;
  allowDirty?: boolean;
  /** Where the SBOMs go (default dist/sbom). */
  sbomDir?: string;
  refreshBases?: boolean;
  dryRun?: boolean;
  /** Images built side by side (default 2: one waits on pip's downloads while another compiles). */
  jobs?: number;
}

export interface BuiltImage {
  name: ImageName;
  /** localhost/openfold-argo/<name>:dev */
  ref: string;
  tags: string[];
  id: string;
  /** The local manifest digest (podman); a registry's may differ: pin the one `pushed` reports. */
  digest: string | null;
  size: number;
  seconds: number;
  sbom: string;
  pushed?: { repository: string; tags: string[]; digest: string };
}

export interface BuildResult {
  engine: Engine;
  bases: 'stand-in' | 'public';
  revision: string;
  dirty: boolean;
  seconds: number;
  images: BuiltImage[];
}

const REGISTRY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/;

/** The registry as given, checked: host[:port][/path], lowercase, no tag, no scheme. */
export function checkRegistry(registry: string): string {
  const r = registry.replace(/\/+$/, '');
  if (!REGISTRY.test(r))
    throw new Error(
      `registry ${JSON.stringify(registry)}: expected host[:port][/path] such as ghcr.io/my-org (lowercase, no scheme, no tag)`,
    );
  return r;
}

/** The commit tag: sha-<12 hex>, -dirty for an uncommitted tree. */
export function commitTag(commit: string, dirty: boolean): string {
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new Error(`commit ${JSON.stringify(commit)}: expected 40 hex digits`);
  return `sha-${commit.slice(0, 12)}${dirty ? '-dirty' : ''}`;
}

/** The tags a pushed image gets: the package version and the commit tag. */
export function pushTags(version: string, commit: string, dirty: boolean): string[] {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(version)) throw new Error(`version ${JSON.stringify(version)} is not a valid tag`);
  return [version, commitTag(commit, dirty)];
}

/** The images built when --only is not given: those the bases allow. */
export function defaultImages(bases: 'stand-in' | 'public'): ImageName[] {
  return IMAGES.filter((i) => bases === 'public' || !i.needsPublicSources).map((i) => i.name);
}

/** Build arguments replacing each public base with its stand-in, and the stand-ins needed; refuses what has none. */
export function standInArgs(name: ImageName, dockerfile: string): { buildArgs: Record<string, string>; standIns: StandIn[] } {
  const spec = imageSpec(name);
  const buildArgs: Record<string, string> = {};
  const standIns: StandIn[] = [];
  for (const [arg, ref] of Object.entries(publicBases(dockerfile))) {
    const s = standInFor(ref);
    if (!s)
      throw new Error(
        `${name}: no stand-in for its base ${ref} (${arg})${spec.needsPublicSources ? `: ${spec.needsPublicSources}` : ''}; build it where the public bases are reachable (--bases public)`,
      );
    buildArgs[arg] = s.ref;
    standIns.push(s);
  }
  return { buildArgs, standIns };
}

/** The order images start in: the longest builds first, so that the others fit beside them. */
export function buildOrder(names: ImageName[]): ImageName[] {
  const weight: Record<ImageName, number> = { openfold3: 3, openfold: 3, tools: 2, msa: 1 };
  return [...names].sort((a, b) => weight[b] - weight[a]);
}

/** Runs `work` over `items` with at most `jobs` at a time, starting them in order. */
async function pool<T>(items: T[], jobs: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
}

/** Build arguments naming each public base with its registry (see qualify). */
export function publicArgs(dockerfile: string): Record<string, string> {
  return Object.fromEntries(Object.entries(publicBases(dockerfile)).map(([arg, ref]) => [arg, qualify(ref)]));
}

/** The config lines that pin pushed images. */
export function configSnippet(pinned: { name: string; repository: string; tag: string; digest: string }[]): string {
  return ['images:', ...pinned.map((p) => `  ${p.name}: { repository: ${p.repository}, tag: "${p.tag}", digest: "${p.digest}" }`)].join(
    '\n',
  );
}

/** Debian's folder for locally added CA certificates (update-ca-certificates), where an intercepting proxy's CA lives. */
export const LOCAL_CA_DIR = '/usr/local/share/ca-certificates';

/** The PEM text of the extra CAs: the file given, none, or every *.crt under LOCAL_CA_DIR (empty if none). */
export function extraCaPem(option: string | undefined, localCaDir = LOCAL_CA_DIR): string {
  if (option === 'none') return '';
  if (option) {
    const text = readFileSync(option, 'utf8');
    if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`--extra-ca ${option}: no PEM certificate in it`);
    return text;
  }
  if (!existsSync(localCaDir)) return '';
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.crt')) files.push(p);
    }
  };
  walk(localCaDir);
  return files.map((f) => readFileSync(f, 'utf8').trim() + '\n').join('');
}

async function git(root: string): Promise<{ commit: string | null; dirty: boolean }> {
  try {
    const commit = (await run(['git', '-C', root, 'rev-parse', 'HEAD'], { capture: true, quiet: true })).trim();
    const dirty =
      (await run(['git', '-C', root, 'status', '--porcelain', '--untracked-files=no'], { capture: true, quiet: true })).trim() !== '';
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: false };
  }
}

async function detectEngine(): Promise<Engine> {
  if (await succeeds(['podman', '--version'])) return 'podman';
  if (await succeeds(['docker', '--version'])) return 'docker';
  throw new Error('neither podman nor docker found: install podman (Debian: apt-get install podman runc; see .ci/setup.d/60-images.sh)');
}

async function resolveBases(mode: BasesMode, engine: Engine, dockerfiles: string[]): Promise<'stand-in' | 'public'> {
  if (mode !== 'auto') return mode;
  const refs = [...new Set(dockerfiles.flatMap((d) => Object.values(publicBases(d)).map(qualify)))];
  const present = await Promise.all(refs.map((r) => succeeds([engine, 'image', 'inspect', '--format', '{{.Id}}', r])));
  if (present.every(Boolean)) return 'public';
  if (engine === 'podman' && (await succeeds(['mmdebstrap', '--version']))) {
    process.stderr.write('public base images are not here: building stand-ins from package registries (--bases public to pull instead)\n');
    return 'stand-in';
  }
  return 'public';
}

const readText = (root: string, path: string) => readFileSync(join(root, path), 'utf8');

async function inspect(engine: Engine, ref: string): Promise<{ id: string; digest: string; size: number }> {
  return JSON.parse(await run(inspectCommand(engine, ref), { capture: true, quiet: true })) as { id: string; digest: string; size: number };
}

/** The CycloneDX SBOM of a built image, from the inventory it records (see sbom.mts). */
export async function imageSbom(engine: Engine, ref: string, id: string, version: string): Promise<ReturnType<typeof cycloneDx>> {
  const inventory = await run([engine, 'run', '--rm', '--network', 'none', '--entrypoint', '/bin/sh', ref, '-c', INVENTORY_SCRIPT], {
    capture: true,
    quiet: true,
  });
  return cycloneDx({ ref, id }, inventory, { name: 'openfold-argo images', version }, new Date().toISOString());
}

async function writeSbom(engine: Engine, name: ImageName, ref: string, id: string, dir: string, version: string): Promise<string> {
  const bom = await imageSbom(engine, ref, id, version);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.cdx.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify(bom, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
  return file;
}

async function push(engine: Engine, from: string, repository: string, tags: string[], prefix: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ofa-push-'));
  try {
    let digest = '';
    for (const tag of tags) {
      const to = `${repository}:${tag}`;
      await run(tagCommand(engine, from, to), { prefix });
      const digestFile = join(dir, 'digest');
      await run(pushCommand(engine, to, digestFile), { prefix });
      digest =
        engine === 'podman'
          ? readFileSync(digestFile, 'utf8').trim()
          : digestFor(repository, await run(repoDigestsCommand(engine, to), { capture: true, quiet: true }));
    }
    return digest;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The local refs of a repository (`repo:tag`), as the engine lists them. */
async function localTagsOf(engine: Engine, repository: string): Promise<string[]> {
  const out = await run([engine, 'images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${repository}`], {
    capture: true,
    quiet: true,
  });
  return out.split('\n').filter((l) => l.startsWith(`${repository}:`));
}

/**
 * Removes the commit tags of earlier builds of this image, and with the last tag the image itself, so that
 * repeated builds (a warm CI machine) keep one generation on disk; their cached layers stay where a current
 * image still uses them. An image a container still uses is left alone.
 */
async function retireEarlierBuilds(engine: Engine, repository: string, keep: string[]): Promise<void> {
  for (const ref of await localTagsOf(engine, repository)) {
    if (keep.includes(ref) || !/:sha-[0-9a-f]{12}(-dirty)?$/.test(ref)) continue;
    await run([engine, 'rmi', ref], { quiet: true }).catch(() => undefined);
  }
}

/** Builds (and pushes) the images; progress goes to stderr. */
export async function buildImages(o: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const engine = o.engine ?? (await detectEngine());
  const pkg = JSON.parse(readText(o.root, 'package.json')) as { version: string; repository?: string | { url?: string } };
  const registry = o.push ? checkRegistry(o.push) : undefined;
  const { commit, dirty } = await git(o.root);
  if (registry && (!commit || (dirty && !o.allowDirty)))
    throw new Error('--push needs a committed tree (its sha tag would lie): commit, or pass --allow-dirty (tags get -dirty)');
  const requested = o.only ?? IMAGE_NAMES;
  const dockerfiles = Object.fromEntries(requested.map((n) => [n, readText(o.root, dockerfilePath(n))])) as Record<ImageName, string>;
  const bases = await resolveBases(o.bases ?? 'auto', engine, Object.values(dockerfiles));
  const names = o.only ?? defaultImages(bases);
  const plans = names.map((name) => ({
    name,
    ...(bases === 'stand-in' ? standInArgs(name, dockerfiles[name]) : { buildArgs: publicArgs(dockerfiles[name]), standIns: [] }),
  }));
  const source = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const meta: Record<string, string> = { VERSION: pkg.version, REVISION: commit ?? 'unknown', ...(source ? { SOURCE: source } : {}) };
  const localTags = (name: ImageName) => ['dev', ...(commit ? [commitTag(commit, dirty)] : [])].map((t) => `${localRepository(name)}:${t}`);

  if (o.dryRun) {
    for (const p of plans) {
      const request = {
        dockerfile: dockerfilePath(p.name),
        ignorefile: ignorefilePath(p.name),
        tags: localTags(p.name),
        pullNever: bases === 'stand-in',
        context: '.',
      };
      console.log(displayCommand(buildCommand(engine, { ...request, buildArgs: { ...p.buildArgs, ...meta } })));
    }
    return { engine, bases, revision: commit ?? 'unknown', dirty, seconds: 0, images: [] };
  }

  if (bases === 'stand-in')
    await ensureStandIns(
      plans.flatMap((p) => p.standIns),
      { engine, root: o.root, ...DEFAULT_MIRRORS, refresh: o.refreshBases ?? false },
    );

  const caDir = mkdtempSync(join(tmpdir(), 'ofa-ca-'));
  try {
    const pem = extraCaPem(o.extraCa);
    const extraCaFile = pem ? join(caDir, 'extra-ca.pem') : undefined;
    if (extraCaFile) {
      writeFileSync(extraCaFile, pem, { mode: 0o600 });
      process.stderr.write(
        `trusting ${pem.match(/BEGIN CERTIFICATE/g)!.length} extra CA certificate(s) during the build (a build secret, never in a layer)\n`,
      );
    }
    const request = (p: (typeof plans)[number]) => ({
      dockerfile: dockerfilePath(p.name),
      ignorefile: ignorefilePath(p.name),
      buildArgs: { ...p.buildArgs, ...meta },
      extraCaFile,
      pullNever: bases === 'stand-in',
      context: '.',
    });
    const jobs = o.jobs ?? 2;
    if (jobs > 1 && plans.length > 1) {
      // The step-program stage is the same in every Dockerfile: build it once before the images run side by
      // side, so that each of them finds it in the cache instead of building it again.
      process.stderr.write(`\n== the step programs (the stage every image shares)\n`);
      await run(buildCommand(engine, { ...request(plans[0]), tags: [], target: 'steps' }), { cwd: o.root });
    }
    const built = new Map<ImageName, BuiltImage>();
    await pool(buildOrder(plans.map((p) => p.name)), jobs, async (name) => {
      const p = plans.find((x) => x.name === name)!;
      const t0 = Date.now();
      const tags = localTags(p.name);
      const prefix = jobs > 1 ? `[${p.name}] ` : '';
      process.stderr.write(`\n${prefix}== building ${tags[0]} (${bases} bases)\n`);
      const previous = await inspect(engine, tags[0]).catch(() => null);
      await run(buildCommand(engine, { ...request(p), tags }), { cwd: o.root, prefix });
      const seconds = (Date.now() - t0) / 1000;
      await retireEarlierBuilds(engine, localRepository(p.name), tags);
      const info = await inspect(engine, tags[0]);
      // The image these tags named before, now untagged (refused while it has another tag or a container).
      if (previous && previous.id !== info.id) await run([engine, 'rmi', previous.id], { quiet: true }).catch(() => undefined);
      const sbom = await writeSbom(engine, p.name, tags[0], info.id, o.sbomDir ?? join(o.root, 'dist', 'sbom'), pkg.version);
      const image: BuiltImage = {
        name: p.name,
        ref: tags[0],
        tags,
        id: info.id,
        digest: info.digest || null,
        size: info.size,
        seconds,
        sbom,
      };
      if (registry && commit) {
        const repository = `${registry}/${p.name}`;
        const ptags = pushTags(pkg.version, commit, dirty);
        image.pushed = { repository, tags: ptags, digest: await push(engine, tags[0], repository, ptags, prefix) };
      }
      built.set(p.name, image);
    });
    const images = plans.map((p) => built.get(p.name)!);
    return { engine, bases, revision: commit ?? 'unknown', dirty, seconds: (Date.now() - started) / 1000, images };
  } finally {
    rmSync(caDir, { recursive: true, force: true });
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** The human summary: one line per image, then the config lines of pushed images. */
export function summary(r: BuildResult): string {
  const rows = r.images.map((i) => [
    i.name,
    i.ref,
    i.id.replace(/^sha256:/, '').slice(0, 12),
    i.digest ?? '-',
    mb(i.size),
    `${i.seconds.toFixed(0)} s`,
  ]);
  const head = ['image', 'ref', 'id', 'local digest', 'size', 'build'];
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((row) => row[k].length)));
  const fmt = (row: string[]) =>
    row
      .map((c, k) => c.padEnd(widths[k]))
      .join('  ')
      .trimEnd();
  const lines = [
    fmt(head),
    ...rows.map(fmt),
    `${r.images.length} image(s) with ${r.engine} from ${r.bases} bases in ${r.seconds.toFixed(0)} s`,
  ];
  const pushed = r.images.filter((i) => i.pushed);
  if (pushed.length)
    lines.push(
      '',
      '# pin these in openfold-argo.yaml, then re-render:',
      configSnippet(
        pushed.map((i) => ({ name: i.name, repository: i.pushed!.repository, tag: i.pushed!.tags[0], digest: i.pushed!.digest })),
      ),
    );
  return lines.join('\n');
}

const HELP = `usage: npm run images [-- OPTIONS]
Builds the images (${IMAGE_NAMES.join(', ')}) from images/<name>/Dockerfile with podman (docker where podman is
absent), tags each localhost/openfold-argo/<name>:dev and :sha-<commit>, prints sizes and digests, and writes a
CycloneDX SBOM per image to dist/sbom/<name>.cdx.json.
  --only NAME,...        build these (default: tools, msa, openfold3; openfold too with public bases)
  --push REGISTRY        push REGISTRY/<name>:<version> and :sha-<commit>; print the config lines that pin them
  --json                 print the result as JSON on stdout (progress stays on stderr)
  --bases MODE           auto (default): the public bases if present, else stand-ins built from package
                         registries (mmdebstrap, npm, the Go proxy); stand-in; public (the engine pulls them)
  --extra-ca FILE|none   CA certificates trusted during the build only (default: ${LOCAL_CA_DIR}/*.crt)
  --engine podman|docker
  --jobs N               images built side by side (default 2)
  --refresh-bases        rebuild the stand-in bases (Debian security updates)
  --allow-dirty          push from a tree with uncommitted changes (tags get -dirty)
  --dry-run              print the build commands, run nothing`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      only: { type: 'string' },
      push: { type: 'string' },
      json: { type: 'boolean' },
      bases: { type: 'string' },
      'extra-ca': { type: 'string' },
      engine: { type: 'string' },
      'refresh-bases': { type: 'boolean' },
      'allow-dirty': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      jobs: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const only = values.only?.split(',').map((s) => imageSpec(s.trim()).name);
  if (values.bases && !['auto', 'stand-in', 'public'].includes(values.bases))
    throw new Error(`--bases ${values.bases}: expected auto, stand-in or public`);
  if (values.engine && !['podman', 'docker'].includes(values.engine))
    throw new Error(`--engine ${values.engine}: expected podman or docker`);
  const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
  const result = await buildImages({
    root,
    only,
    push: values.push,
    bases: values.bases as BasesMode | undefined,
    extraCa: values['extra-ca'],
    engine: values.engine as Engine | undefined,
    refreshBases: values['refresh-bases'],
    allowDirty: values['allow-dirty'],
    dryRun: values['dry-run'],
    jobs: values.jobs === undefined ? undefined : Number(values.jobs),
  });
  if (values['dry-run']) return 0;
  console.log(values.json ? JSON.stringify(result, null, 2) : summary(result));
  return 0;
}

// Run only as a program, not when a test or script imports buildImages.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: Error) => {
      console.error(`images: ${e.message}`);
      process.exitCode = 1;
    },
  );
}
