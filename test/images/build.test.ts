// images/build.mts and its helpers without an engine: tags, the engine's command lines, bases and their
// stand-ins, the extra-CA source, the digest and config lines of a push.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import {
  buildOrder,
  checkRegistry,
  commitTag,
  configSnippet,
  defaultImages,
  extraCaPem,
  publicArgs,
  pushTags,
  standInArgs,
  summary,
} from '../../images/build.mjs';
import { IMAGE_NAMES, localRef, publicBases, qualify, standInFor } from '../../images/catalog.mjs';
import { buildCommand, digestFor, runCommand } from '../../images/engine.mjs';
import { debianCommand, GO_TOOLCHAINS, NODE_DISTRIBUTIONS } from '../../images/bases.mjs';
import { resolveConfig } from '../../generators/config/load.js';
import { imagePinWarnings } from '../../generators/config/images.js';
import { CLI, ROOT, tempDir } from '../helpers/env.js';
import { readFileSync } from 'node:fs';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const dockerfile = (name: string) => readFileSync(join(ROOT, 'images', name, 'Dockerfile'), 'utf8');

test('tags: dev and sha-<commit> locally; the version and sha-<commit> when pushed; -dirty for an uncommitted tree', () => {
  assert.is(commitTag(COMMIT, false), 'sha-0123456789ab');
  assert.is(commitTag(COMMIT, true), 'sha-0123456789ab-dirty');
  assert.equal(pushTags('0.1.0', COMMIT, false), ['0.1.0', 'sha-0123456789ab']);
  assert.throws(() => commitTag('HEAD', false), /commit "HEAD": expected 40 hex digits/);
  assert.is(localRef('msa'), 'localhost/openfold-argo/msa:dev');
});

test('registry: host[:port][/path], lowercase, no scheme or tag', () => {
  assert.is(
    checkRegistry('111122223333.dkr.ecr.us-east-1.amazonaws.com/openfold-argo/'),
    '111122223333.dkr.ecr.us-east-1.amazonaws.com/openfold-argo',
  );
  assert.is(checkRegistry('localhost:5000'), 'localhost:5000');
  for (const bad of ['https://ghcr.io/x', 'ghcr.io/X', 'ghcr.io/x:1.0', ''])
    assert.throws(() => checkRegistry(bad), /expected host\[:port\]\[\/path\]/, bad);
});

test('podman build: docker format (keeps SHELL), the ignore file, stand-ins never pulled, the CA as a secret, never a build arg', () => {
  const argv = buildCommand('podman', {
    dockerfile: 'images/tools/Dockerfile',
    ignorefile: 'images/tools/Dockerfile.dockerignore',
    tags: ['localhost/openfold-argo/tools:dev'],
    buildArgs: { NODE_IMAGE: 'localhost/openfold-argo-base/node:20.20.2-bookworm-slim', VERSION: '0.1.0' },
    extraCaFile: '/tmp/x/extra-ca.pem',
    pullNever: true,
    context: '.',
  });
  assert.equal(argv.slice(0, 6), ['podman', 'build', '--file', 'images/tools/Dockerfile', '--platform', 'linux/amd64']);
  for (const flag of [
    '--format docker',
    '--ignorefile images/tools/Dockerfile.dockerignore',
    '--pull=never',
    '--secret id=extra_ca,src=/tmp/x/extra-ca.pem',
  ])
    assert.ok(argv.join(' ').includes(flag), flag);
  assert.ok(argv.join(' ').includes('--build-arg NODE_IMAGE=localhost/openfold-argo-base/node:20.20.2-bookworm-slim'));
  assert.not.ok(
    argv.some((a) => /extra-ca/.test(a) && a.startsWith('EXTRA')),
    'the CA is no build arg',
  );
  assert.is(argv.at(-1), '.');
  const docker = buildCommand('docker', { dockerfile: 'd', ignorefile: 'i', tags: ['t'], buildArgs: {}, pullNever: false, context: '.' });
  assert.not.ok(docker.includes('--ignorefile'), 'BuildKit finds <Dockerfile>.dockerignore itself');
  assert.not.ok(docker.includes('--secret'), 'no CA given, no secret');
});

test('side by side: the longest builds start first; the shared stage can be built alone with --target', () => {
  assert.equal(buildOrder(['tools', 'msa', 'openfold3']), ['openfold3', 'tools', 'msa']);
  const argv = buildCommand('podman', {
    dockerfile: 'd',
    ignorefile: 'i',
    tags: [],
    target: 'steps',
    buildArgs: {},
    pullNever: true,
    context: '.',
  });
  assert.ok(argv.join(' ').includes('--target steps'));
  assert.not.ok(argv.includes('--tag'));
});

test('a step run as the pods run it: read-only root, a tmpfs /tmp, no network unless asked', () => {
  const argv = runCommand('podman', 'localhost/openfold-argo/tools:dev', 'openfold-argo', ['--version'], {
    mounts: ['/tmp/w', '/tmp/db:ro'],
    env: { HOME: '/tmp' },
  });
  assert.equal(argv.slice(0, 8), ['podman', 'run', '--rm', '--read-only', '--tmpfs', '/tmp:rw,mode=1777', '--network', 'none']);
  assert.ok(argv.includes('--read-only-tmpfs=false'), 'podman adds no writable /run or /var/tmp');
  assert.equal(argv.slice(9), [
    '--volume',
    '/tmp/w:/tmp/w',
    '--volume',
    '/tmp/db:/tmp/db:ro',
    '--env',
    'HOME=/tmp',
    '--entrypoint',
    'openfold-argo',
    'localhost/openfold-argo/tools:dev',
    '--version',
  ]);
  assert.ok(runCommand('podman', 'x', 'sh', [], { network: 'host' }).includes('host'));
});

test('bases: each Dockerfile names its bases through ARG *_IMAGE; the buildable ones all have registry stand-ins', () => {
  assert.equal(publicBases(dockerfile('tools')), { NODE_IMAGE: 'node:20.20.2-bookworm-slim', GO_IMAGE: 'golang:1.26.8' });
  assert.equal(Object.keys(publicBases(dockerfile('openfold3'))), ['NODE_IMAGE', 'PYTHON_IMAGE']);
  assert.equal(defaultImages('stand-in'), ['tools', 'msa', 'openfold3']);
  assert.equal(defaultImages('public'), [...IMAGE_NAMES]);
  for (const name of defaultImages('stand-in')) {
    const { buildArgs, standIns } = standInArgs(name, dockerfile(name));
    assert.ok(
      Object.values(buildArgs).every((r) => r.startsWith('localhost/openfold-argo-base/')),
      name,
    );
    for (const s of standIns) {
      if (s.kind === 'node') assert.ok(NODE_DISTRIBUTIONS[s.version], `Node ${s.version} has pinned integrity hashes`);
      if (s.kind === 'golang') assert.ok(GO_TOOLCHAINS[s.version], `Go ${s.version} has a pinned module hash`);
    }
  }
  assert.throws(() => standInArgs('openfold', dockerfile('openfold')), /openfold: no stand-in for its base nvidia\/cuda:.*--bases public/);
  assert.is(standInFor('python:3.12-slim-bookworm'), null, 'only the Python Debian has');
});

test('public bases are named with their registry: podman would otherwise match our stand-in by the tail of its name', () => {
  assert.is(qualify('node:20.20.2-bookworm-slim'), 'docker.io/library/node:20.20.2-bookworm-slim');
  assert.is(qualify('nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04'), 'docker.io/nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04');
  assert.is(qualify('localhost/openfold-argo-base/node:20'), 'localhost/openfold-argo-base/node:20');
  assert.is(qualify('registry.example:5000/x:1'), 'registry.example:5000/x:1');
  assert.equal(publicArgs(dockerfile('msa')), { NODE_IMAGE: 'docker.io/library/node:20.20.2-bookworm-slim' });
});

test('the Debian base: minbase bookworm with updates and security, docs and locales left out as in -slim', () => {
  const argv = debianCommand(
    { mirror: 'http://deb.debian.org/debian', securityMirror: 'http://deb.debian.org/debian-security' },
    '/tmp/r.tar',
  );
  assert.equal(argv.slice(0, 2), ['mmdebstrap', '--variant=minbase']);
  assert.ok(argv.includes('--dpkgopt=path-include=/usr/share/doc/*/copyright'), 'licences stay');
  assert.equal(argv.slice(-5), [
    'bookworm',
    '/tmp/r.tar',
    'deb http://deb.debian.org/debian bookworm main',
    'deb http://deb.debian.org/debian bookworm-updates main',
    'deb http://deb.debian.org/debian-security bookworm-security main',
  ]);
});

test('extra CAs: the file given, none, or every *.crt of the local CA folder', () => {
  const dir = tempDir('ofa-ca-');
  mkdirSync(join(dir, 'corp'));
  const pem = (n: string) => `-----BEGIN CERTIFICATE-----\n${n}\n-----END CERTIFICATE-----\n`;
  writeFileSync(join(dir, 'a.crt'), pem('AAA'));
  writeFileSync(join(dir, 'corp', 'b.crt'), pem('BBB'));
  writeFileSync(join(dir, 'notes.txt'), 'not a cert');
  assert.is(extraCaPem(undefined, dir), pem('AAA') + pem('BBB'));
  assert.is(extraCaPem('none', dir), '');
  assert.is(extraCaPem(undefined, join(dir, 'missing')), '');
  assert.is(extraCaPem(join(dir, 'a.crt'), dir), pem('AAA'));
  assert.throws(() => extraCaPem(join(dir, 'notes.txt'), dir), /no PEM certificate/);
});

test('push: the digest is the registry one; the printed lines pin it in a valid config, which then renders without warnings', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  const json = JSON.stringify([`docker.io/library/other@sha256:${'b'.repeat(64)}`, `ghcr.io/o/tools@${digest}`]);
  assert.is(digestFor('ghcr.io/o/tools', json), digest);
  assert.throws(() => digestFor('ghcr.io/o/msa', json), /no digest of ghcr.io\/o\/msa/);
  const names = ['tools', 'msa', 'openfold', 'openfold3'];
  const snippet = configSnippet(names.map((name) => ({ name, repository: `ghcr.io/o/${name}`, tag: '0.1.0', digest })));
  const config = resolveConfig(yaml.load(snippet));
  assert.is(config.images.tools.digest, digest);
  assert.equal(imagePinWarnings(config), []);
});

test('the default config names the local builds, and render says that no cluster can trust a tag', () => {
  const config = resolveConfig({});
  assert.equal(config.images.msa, { repository: 'localhost/openfold-argo/msa', tag: 'dev' });
  const warnings = imagePinWarnings(config);
  assert.is(warnings.length, 4);
  assert.match(
    warnings[0],
    /^images\.tools: localhost\/openfold-argo\/tools:dev is a tag without a digest \(the local build of `npm run images`/,
  );
  assert.match(warnings[0], /npm run images -- --push REGISTRY/);
});

test('render warns on stderr for each image named by tag alone, and not for one pinned by digest', async () => {
  const dir = tempDir('ofa-render-');
  const digest = `sha256:${'a'.repeat(64)}`;
  writeFileSync(join(dir, 'pinned.yaml'), configSnippet([{ name: 'msa', repository: 'registry.example/o/msa', tag: '0.1.0', digest }]));
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [
    CLI,
    'render',
    '--config',
    join(dir, 'pinned.yaml'),
    '--out',
    join(dir, 'out'),
  ]);
  assert.match(stdout, /files rendered/);
  assert.equal(
    stderr
      .trim()
      .split('\n')
      .map((l) => l.split(':')[1]),
    [' images.tools', ' images.openfold', ' images.openfold3'],
  );
  const msa = readFileSync(join(dir, 'out', 'template-openfold-align.yaml'), 'utf8');
  assert.match(msa, `image: registry.example/o/msa@${digest}`);
});

test('summary: one line per image with id, digest, size and build time', () => {
  const text = summary({
    engine: 'podman',
    bases: 'stand-in',
    revision: COMMIT,
    dirty: false,
    seconds: 100,
    images: [
      {
        name: 'msa',
        ref: 'localhost/openfold-argo/msa:dev',
        tags: [],
        id: `sha256:${'c'.repeat(64)}`,
        digest: `sha256:${'d'.repeat(64)}`,
        size: 661_994_656,
        seconds: 83.6,
        sbom: 'dist/sbom/msa.cdx.json',
        pushed: { repository: 'r.example/o/msa', tags: ['0.1.0'], digest: `sha256:${'e'.repeat(64)}` },
      },
    ],
  });
  assert.match(text, /^msa\s+localhost\/openfold-argo\/msa:dev\s+cccccccccccc\s+sha256:d{64}\s+662 MB\s+84 s$/m);
  assert.match(text, /1 image\(s\) with podman from stand-in bases in 100 s/);
  assert.match(text, /msa: \{ repository: r\.example\/o\/msa, tag: "0\.1\.0", digest: "sha256:e{64}" \}/);
});

test('--dry-run prints the build commands of the chosen images and runs none', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'dist', 'images', 'build.mjs'), '--dry-run', '--only', 'tools,msa', '--engine', 'podman', '--bases', 'stand-in'],
    {
      env: { ...process.env, PATH: '/nonexistent-no-engine:' + process.env.PATH },
    },
  );
  const lines = stdout.trim().split('\n');
  assert.is(lines.length, 2, stdout);
  assert.match(
    lines[0],
    /^podman build --file images\/tools\/Dockerfile .*--build-arg GO_IMAGE=localhost\/openfold-argo-base\/golang:1\.26\.8 .*--tag localhost\/openfold-argo\/tools:dev/,
  );
  assert.match(lines[1], /^podman build --file images\/msa\/Dockerfile /);
});

test.run();
