// Builds, tags and pushes the openfold-argo images (images/<name>/Dockerfile, context: the repository root),
// then prints the digests to pin in openfold-argo.yaml (images.<name>.digest).
//
//   npm run -s build && node dist/images/build.mjs REGISTRY [--only tools,msa] [--dry-run] [--allow-dirty]
//   e.g. REGISTRY = ghcr.io/openfold-argo or 111122223333.dkr.ecr.us-east-1.amazonaws.com/openfold-argo
//
// Each image gets two tags: the package version (0.1.0) and the git commit (sha-<12 hex>). A tree with
// uncommitted changes is refused (its sha tag would lie) unless --allow-dirty, which marks the tag -dirty.
// --dry-run prints the docker commands and runs none of them (no Docker engine needed).
// Commands are argument arrays run through zx, which quotes every ${...}; nothing is built as a shell string.
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { $ } from 'zx';

export const IMAGES = ['tools', 'msa', 'openfold'] as const;

export interface BuildInputs {
  registry: string;
  version: string;
  /** Full git commit of HEAD. */
  commit: string;
  dirty: boolean;
  /** Where the sources are published (org.opencontainers.image.source). */
  source: string;
}

export interface ImagePlan {
  name: string;
  repository: string;
  tags: string[];
  build: string[];
  push: string[][];
  inspect: string[];
}

const REGISTRY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/;

/** The registry as given, checked: host[:port][/path], lowercase, no tag, no scheme. */
export function checkRegistry(registry: string): string {
  const r = registry.replace(/\/+$/, '');
  if (!REGISTRY.test(r))
    throw new Error(
      `registry ${JSON.stringify(registry)}: expected host[:port][/path] such as ghcr.io/openfold-argo (lowercase, no scheme, no tag)`,
    );
  return r;
}

/** The two tags of an image: the version and the commit (sha-<12 hex>, -dirty for an uncommitted tree). */
export function imageTags(inputs: Pick<BuildInputs, 'version' | 'commit' | 'dirty'>): string[] {
  if (!/^[0-9a-f]{40}$/.test(inputs.commit)) throw new Error(`commit ${JSON.stringify(inputs.commit)}: expected 40 hex digits`);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(inputs.version))
    throw new Error(`version ${JSON.stringify(inputs.version)} is not a valid tag`);
  return [inputs.version, `sha-${inputs.commit.slice(0, 12)}${inputs.dirty ? '-dirty' : ''}`];
}

export function planImage(name: string, inputs: BuildInputs): ImagePlan {
  const repository = `${checkRegistry(inputs.registry)}/${name}`;
  const tags = imageTags(inputs);
  const refs = tags.map((t) => `${repository}:${t}`);
  const build = [
    'docker',
    'build',
    '--file',
    `images/${name}/Dockerfile`,
    '--platform',
    'linux/amd64',
    '--build-arg',
    `VERSION=${inputs.version}`,
    '--build-arg',
    `REVISION=${inputs.commit}`,
    '--build-arg',
    `SOURCE=${inputs.source}`,
    ...refs.flatMap((r) => ['--tag', r]),
    '.',
  ];
  return {
    name,
    repository,
    tags,
    build,
    push: refs.map((r) => ['docker', 'push', r]),
    inspect: ['docker', 'image', 'inspect', '--format', '{{json .RepoDigests}}', refs[0]],
  };
}

/** The digest of repository among `docker image inspect`'s RepoDigests (["repo@sha256:…", …]). */
export function digestFor(repository: string, repoDigestsJson: string): string {
  const digests = JSON.parse(repoDigestsJson) as string[] | null;
  const match = (digests ?? []).find((d) => d.startsWith(`${repository}@sha256:`));
  if (!match) throw new Error(`no digest of ${repository} after the push (RepoDigests: ${repoDigestsJson.trim()})`);
  return match.slice(repository.length + 1);
}

/** The config snippet that pins the pushed images. */
export function configSnippet(pinned: { name: string; repository: string; tag: string; digest: string }[]): string {
  return ['images:', ...pinned.map((p) => `  ${p.name}: { repository: ${p.repository}, tag: "${p.tag}", digest: "${p.digest}" }`)].join(
    '\n',
  );
}

const HELP = `usage: node dist/images/build.mjs REGISTRY [--only NAME,...] [--dry-run] [--allow-dirty]
Builds images/{${IMAGES.join(',')}}/Dockerfile, tags each REGISTRY/NAME:VERSION and REGISTRY/NAME:sha-<commit>,
pushes them and prints the digests for openfold-argo.yaml (images.*.digest).`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      only: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'allow-dirty': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length !== 1) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
  $.cwd = root;
  $.verbose = false;
  const names = values.only ? values.only.split(',').map((s) => s.trim()) : [...IMAGES];
  for (const n of names) {
    if (!(IMAGES as readonly string[]).includes(n)) throw new Error(`--only ${n}: not one of ${IMAGES.join(', ')}`);
    if (!existsSync(join(root, 'images', n, 'Dockerfile'))) throw new Error(`images/${n}/Dockerfile not found`);
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; repository?: { url?: string } | string };
  const commit = (await $`git rev-parse HEAD`).stdout.trim();
  const dirty = (await $`git status --porcelain --untracked-files=no`).stdout.trim() !== '';
  if (dirty && !values['allow-dirty'] && !values['dry-run'])
    throw new Error('the work tree has uncommitted changes: commit them, or pass --allow-dirty (tags get -dirty)');
  const source =
    typeof pkg.repository === 'string' ? pkg.repository : (pkg.repository?.url ?? 'https://github.com/openfold-argo/openfold-argo');
  const inputs: BuildInputs = { registry: positionals[0], version: pkg.version, commit, dirty, source };
  const plans = names.map((n) => planImage(n, inputs));
  const pinned: { name: string; repository: string; tag: string; digest: string }[] = [];
  for (const p of plans) {
    if (values['dry-run']) {
      for (const cmd of [p.build, ...p.push, p.inspect]) console.log(cmd.map((a) => (/^[\w./:=@-]+$/.test(a) ? a : `'${a}'`)).join(' '));
      continue;
    }
    console.error(`building ${p.repository} (${p.tags.join(', ')})`);
    await $({ verbose: true })`${p.build}`;
    for (const cmd of p.push) await $({ verbose: true })`${cmd}`;
    const digest = digestFor(p.repository, (await $`${p.inspect}`).stdout);
    pinned.push({ name: p.name, repository: p.repository, tag: p.tags[0], digest });
  }
  if (!values['dry-run']) console.log(`\n# pin these in openfold-argo.yaml, then re-render:\n${configSnippet(pinned)}`);
  return 0;
}

// Run only as a program, not when a test imports the pure functions.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: Error) => {
      console.error(`images/build: ${e.message}`);
      process.exitCode = 1;
    },
  );
}
