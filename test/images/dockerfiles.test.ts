// What a reviewer would check in the Dockerfiles, without building: pins agree with the contracts and lock
// files, the step-program stage is the same everywhere (one cached build for all images), every download
// trusts extra CAs only through the build secret, every image ends non-root, and each build context holds
// exactly what the COPY lines read.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IMAGE_NAMES } from '../../images/catalog.mjs';
import { alignContract } from '../../steps/align/contract.js';
import { ROOT } from '../helpers/env.js';

const read = (...p: string[]) => readFileSync(join(ROOT, ...p), 'utf8');
const dockerfile = (name: string) => read('images', name, 'Dockerfile');
/** Instructions with their continuation lines joined, comments dropped. */
function instructions(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'));
}
const stages = (text: string) => text.split(/^(?=FROM )/m).slice(1);

test('msa: the Debian versions are the align contract packages; no kalign (nothing in the align step calls it)', () => {
  const text = dockerfile('msa');
  assert.is(/^ARG HMMER_DEB=(\S+)$/m.exec(text)?.[1], alignContract.packages.hmmer);
  assert.is(/^ARG HHSUITE_DEB=(\S+)$/m.exec(text)?.[1], alignContract.packages.hhsuite);
  assert.is(/^ARG MMSEQS2_DEB=(\S+)$/m.exec(text)?.[1], alignContract.packages.mmseqs2);
  assert.is(alignContract.tools.mmseqs, alignContract.packages.mmseqs2, '`mmseqs version` prints the package version');
  assert.not.match(instructions(text).join('\n'), /kalign/);
  for (const f of ['align.ts', 'searches.ts', 'tools.ts']) assert.not.match(read('steps', 'align', f), /kalign/, f);
});

test('tools: s5cmd is the version its wrapper module requires, with go.sum hashes', () => {
  const text = dockerfile('tools');
  const pins = [...text.matchAll(/^ARG S5CMD_VERSION=(\S+)$/gm)].map((m) => m[1]);
  const required = /^\s*github\.com\/peak\/s5cmd\/v2 (v\S+)/m.exec(read('images', 'tools', 's5cmd', 'go.mod'))?.[1];
  assert.ok(required && pins.length === 2 && pins.every((p) => p === required), `${pins} vs ${required}`);
  assert.match(read('images', 'tools', 's5cmd', 'go.sum'), `github.com/peak/s5cmd/v2 ${required} h1:`);
  assert.match(text, /GOFLAGS=-mod=readonly go build/);
});

test('openfold3: what requirements.in asks for is pinned in requirements.txt, every entry with a sha256', () => {
  const wanted = [...read('images', 'openfold3', 'requirements.in').matchAll(/^([\w.-]+)==(\S+)$/gm)].map((m) => [m[1], m[2]]);
  assert.equal(wanted, [
    ['openfold3', '0.5.0'],
    ['torch', '2.15.0'],
  ]);
  for (const name of ['requirements', 'bootstrap']) {
    const lock = read('images', 'openfold3', `${name}.txt`);
    const entries = [...lock.matchAll(/^([\w.-]+)==(\S+) \\\n {4}--hash=sha256:([0-9a-f]{64})$/gm)];
    assert.is(entries.length, (lock.match(/==/g) ?? []).length, `${name}.txt: every entry hashed`);
    if (name === 'requirements')
      for (const [n, v] of wanted)
        assert.ok(
          entries.some((e) => e[1] === n && e[2] === v),
          `${n}==${v}`,
        );
  }
  const text = dockerfile('openfold3');
  assert.match(text, /--require-hashes --no-deps/);
  assert.match(text, /OpenFold3 0\.5\.0 and PyTorch 2\.15\.0/);
});

test('openfold3: the image installs what the OpenFold3 step is tested with, where that step pins its own lock', () => {
  const pins = (text: string) =>
    [...text.matchAll(/^([A-Za-z0-9._-]+)==(\S+) \\\n {4}--hash=sha256:([0-9a-f]{64})$/gm)]
      .map((m) => `${m[1].toLowerCase().replace(/[-_.]+/g, '-')}==${m[2]} ${m[3]}`)
      .sort();
  const image = pins(read('images', 'openfold3', 'requirements.txt'));
  const stepLock = join(ROOT, 'steps', 'predict-openfold3', 'requirements.txt');
  // Before the OpenFold3 step is merged there is one lock; after, both must name the same files.
  if (existsSync(stepLock)) assert.equal(image, pins(readFileSync(stepLock, 'utf8')));
  assert.ok(image.length > 100, `${image.length} pinned distributions`);
});

test('the step-program stage is the same text in every image (built once, then a cache hit)', () => {
  const stage = (name: string) => {
    const text = stages(dockerfile(name)).find((s) => s.startsWith('FROM ${NODE_IMAGE} AS steps'));
    return text && instructions(text).join('\n');
  };
  const tools = stage('tools');
  assert.ok(tools);
  for (const name of IMAGE_NAMES) assert.is(stage(name), tools, name);
});

test('downloads trust extra CAs only through the build secret; no CA or secret in an ARG, ENV or COPY', () => {
  for (const name of [...IMAGE_NAMES, 'bases/node', 'bases/golang', 'bases/python']) {
    const text = name.startsWith('bases/') ? read('images', 'bases', `${name.slice(6)}.Dockerfile`) : dockerfile(name);
    for (const line of instructions(text)) {
      if (/^RUN .*(npm ci|go build|pip install|wget -q|git .*fetch|mamba env)/.test(line))
        assert.match(line, /--mount=type=secret,id=extra_ca,target=\/run\/secrets\/extra_ca/, `${name}: ${line.slice(0, 80)}`);
      if (/^(ARG|ENV|LABEL) /.test(line)) assert.not.match(line, /CERT|_CA\b|\.pem|\.crt|secret/i, `${name}: ${line}`);
      if (/^(COPY|ADD) /.test(line)) assert.not.match(line, /\.pem|\.crt|ca-certificates|secrets/, `${name}: ${line}`);
      // A CA file assembled in a RUN must be removed in the same RUN.
      if (/>\s*\/tmp\/(\S*ca\.pem)/.test(line)) assert.match(line, /rm -r?f [^&]*\/tmp\/\S*ca\.pem/, `${name}: ${line.slice(0, 80)}`);
    }
  }
});

test('every image ends as uid 1000 with OCI labels and the base it was built on', () => {
  for (const name of IMAGE_NAMES) {
    const last = stages(dockerfile(name)).at(-1)!;
    assert.not.match(last.split('\n')[0], / AS /, `${name}: the last stage is the image`);
    const users = instructions(last).filter((l) => l.startsWith('USER '));
    assert.equal(users.at(-1), 'USER 1000:1000', name);
    for (const label of ['title', 'source', 'revision', 'licenses', 'version', 'base.name'])
      assert.match(last, new RegExp(`org\\.opencontainers\\.image\\.${label.replace('.', '\\.')}=`), `${name}: ${label}`);
    // The commit comes last, through a RUN (buildah would reuse a cached LABEL or ENV of an older commit), so
    // that a new commit rebuilds only that small layer and the metadata after it.
    const lines = instructions(last);
    const lastBuild = lines.map((l) => /^(RUN|COPY) /.test(l)).lastIndexOf(true);
    assert.is(lines[lastBuild], `RUN printf '%s\\n' "\${REVISION}" >/app/REVISION`, name);
    assert.is(lines[lastBuild - 1], 'ARG REVISION=unknown', name);
    assert.ok(lines.findIndex((l) => /^ARG (VERSION|SOURCE)/.test(l)) > lastBuild, `${name}: VERSION and SOURCE after the last RUN/COPY`);
  }
});

test('each build context (Dockerfile.dockerignore) admits exactly what the COPY lines read', () => {
  for (const name of IMAGE_NAMES) {
    const ignore = read('images', name, 'Dockerfile.dockerignore')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    assert.is(ignore[0], '*', `${name}: everything excluded first`);
    const admitted = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    const sources = instructions(dockerfile(name))
      .filter((l) => /^COPY /.test(l) && !/--from=/.test(l))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    for (const src of sources)
      assert.ok(
        admitted.some((a) => src === a || src.startsWith(`${a}/`)),
        `${name}: COPY ${src} is not admitted`,
      );
    for (const a of admitted)
      assert.ok(
        sources.some((s) => s === a || s.startsWith(`${a}/`)),
        `${name}: ${a} is admitted but never copied`,
      );
  }
});

test('openfold (AF2-class, not buildable here): both downloads checked by sha256; the image is the runtime base', () => {
  const text = dockerfile('openfold');
  assert.match(text, /^ARG MINIFORGE_SHA256=[0-9a-f]{64}$/m);
  assert.match(text, /^ARG STEREO_CHEMICAL_PROPS_SHA256=24510899eeb49167cffedec8fa45363a4d08279c0c637a403b452f7d0ac09451$/m);
  assert.match(text, /echo "\$\{MINIFORGE_SHA256\} {2}\/tmp\/miniforge\.sh" \| sha256sum -c -/);
  assert.match(text, /echo "\$\{STEREO_CHEMICAL_PROPS_SHA256\} {2}openfold\/resources\/stereo_chemical_props\.txt" \| sha256sum -c -/);
  const last = stages(text).at(-1)!;
  assert.match(last.split('\n')[0], /^FROM \$\{CUDA_RUNTIME_IMAGE\}$/);
  assert.match(text, /^ARG CUDA_RUNTIME_IMAGE=nvidia\/cuda:\S+-runtime-\S+$/m);
  assert.not.match(last, /^RUN .*(gcc|build-essential|nvcc)/m, 'no compilers in the image');
});

test.run();
