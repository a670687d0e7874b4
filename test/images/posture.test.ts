// Each built image as a pod meets it: `openfold-argo --version` and every tool's version, the image's own user
// (uid 1000, never root), a read-only root filesystem with only /tmp writable, and an SBOM that lists what is
// really inside. Needs podman and `npm run images`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { requires } from '../helpers/gate.js';
import * as assert from 'uvu/assert';
import { localRef, type ImageName } from '../../images/catalog.mjs';
import { alignContract } from '../../steps/align/contract.js';
import { ROOT } from '../helpers/env.js';
import { imageSbom } from '../../images/build.mjs';
import { ENGINE, inImage, inspectImage, missingImages } from './helpers.js';

const IMAGES: ImageName[] = ['tools', 'msa', 'openfold3'];
const skip = await missingImages(IMAGES);
const it = requires(skip);
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

for (const name of IMAGES) {
  it(`${name}: uid 1000, read-only root, writable /tmp, and \`openfold-argo --version\``, async () => {
    const probe = [
      'id -u',
      'touch /tmp/probe && echo tmp-writable',
      '(touch /usr/probe 2>/dev/null && echo root-writable) || echo root-read-only',
      '(touch "$HOME/probe" 2>/dev/null && echo home-writable) || echo home-read-only',
      'openfold-argo --version',
    ].join('; ');
    const r = await inImage(name, '/bin/sh', ['-c', probe]);
    assert.is(r.code, 0, r.stderr);
    const labels = await inspectImage<Record<string, string>>(name, '{{json .Config.Labels}}');
    const revision = labels['org.opencontainers.image.revision'];
    assert.match(revision, /^[0-9a-f]{40}$/);
    assert.is(r.stdout, `1000\ntmp-writable\nroot-read-only\nhome-writable\nopenfold-argo ${version} (revision ${revision})\n`);
    const user = await inspectImage<string>(name, '{{json .Config.User}}');
    assert.is(user, '1000:1000');
  });
}

it('tools: s5cmd v2.3.0 from its pinned module, Node 20', async () => {
  const r = await inImage('tools', '/bin/sh', ['-c', 's5cmd version; node --version']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^v2\.3\.0-gomod\nv20\.\d+\.\d+\n$/);
});

it('msa: jackhmmer, hhblits, hhsearch and mmseqs report the versions the align contract records', async () => {
  const r = await inImage('msa', '/bin/sh', [
    '-c',
    'jackhmmer -h | sed -n 2p; hhblits -h | head -1; hhsearch -h | head -1; mmseqs version; command -v kalign || echo no-kalign',
  ]);
  assert.is(r.code, 0, r.stderr);
  const t = alignContract.tools;
  assert.match(r.stdout, `# HMMER ${t.jackhmmer} `);
  assert.match(r.stdout, `HHblits ${t.hhblits}:`);
  assert.match(r.stdout, `HHsearch ${t.hhsearch}`);
  assert.match(r.stdout, `\n${t.mmseqs}\n`);
  assert.match(r.stdout, 'no-kalign');
});

it('openfold3: run_openfold answers --help; openfold3 and torch are the pinned versions; nothing downloads a checkpoint', async () => {
  const r = await inImage('openfold3', '/bin/sh', [
    '-c',
    "run_openfold --help && run_openfold predict --help | head -3 && python -c \"import importlib.metadata as m; print(m.version('openfold3'), m.version('torch'))\"",
  ]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /Commands:[\s\S]*predict/);
  assert.match(r.stdout, /\n0\.5\.0 2\.15\.0\n$/);
});

it('the SBOM of each image (what npm run images saves) lists what is inside: Debian, Python, npm and Go packages', async () => {
  const boms = Object.fromEntries(
    await Promise.all(
      IMAGES.map(async (n) => {
        const id = await inspectImage<string>(n, '"{{.Id}}"');
        return [n, await imageSbom(ENGINE, localRef(n), id, version)] as const;
      }),
    ),
  );
  const has = (n: ImageName, purl: RegExp) =>
    assert.ok(
      boms[n].components.some((c) => purl.test(c.purl ?? '')),
      `${n}: ${purl}`,
    );
  for (const n of IMAGES) assert.is(boms[n].metadata.component.name, localRef(n));
  has('msa', /^pkg:deb\/debian\/hmmer@3\.3\.2%2Bdfsg-1\?/);
  has('msa', /^pkg:deb\/debian\/mmseqs2@14-7e284%2Bds-1%2Bb2\?/);
  has('msa', /^pkg:npm\/js-yaml@/);
  has('tools', /^pkg:golang\/github\.com\/peak\/s5cmd\/v2@v2\.3\.0$/);
  has('tools', /^pkg:generic\/node@20\./);
  has('openfold3', /^pkg:pypi\/torch@2\.15\.0$/);
  has('openfold3', /^pkg:pypi\/openfold3@0\.5\.0$/);
  has('openfold3', /^pkg:deb\/debian\/gcc-12@/);
  assert.not.ok(
    boms.msa.components.some((c) => c.name === 'kalign'),
    'no kalign in msa',
  );
});

test.run();
