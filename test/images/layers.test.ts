// Nothing of the build machine stays in an image: no byte of the extra CA certificates `npm run images` hands
// the build (this machine's local CAs, the intercepting proxy's among them) in any layer, in the image config
// or in its history; no credential file, mounted secret or .git folder in any layer. Every layer is read from
// the engine's storage (overlay diff folders), so a file added and then deleted by a later layer is found too.
// Needs podman and `npm run images`.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import { requires } from '../helpers/gate.js';
import * as assert from 'uvu/assert';
import { extraCaPem } from '../../images/build.mjs';
import { localRef, type ImageName } from '../../images/catalog.mjs';
import { ENGINE, missingImages } from './helpers.js';

const IMAGES: ImageName[] = ['tools', 'msa', 'openfold3'];
const skip = await missingImages(IMAGES);
const it = requires(skip);
const exec = promisify(execFile);

/** Base64 lines of each certificate (64 characters: long enough to be unique to that certificate). */
function certificateLines(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----\n([\s\S]*?)-----END CERTIFICATE-----/g)].flatMap((m) =>
    m[1]
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length === 64)
      .slice(0, 2),
  );
}

/** Paths in a layer that would be a build machine's credentials or secrets. */
const SECRET_PATHS = [
  /(^|\/)\.npmrc$/,
  /(^|\/)\.netrc$/,
  /(^|\/)\.git-credentials$/,
  /(^|\/)\.aws\/credentials$/,
  /(^|\/)\.docker\/config\.json$/,
  /(^|\/)id_(rsa|ecdsa|ed25519)$/,
  /(^|\/)run\/secrets\/./,
  /(^|\/)\.git\/(config|HEAD)$/,
  /(^|\/)(extra-ca|pip-ca|ca)\.pem$/,
];

async function layerDirs(name: ImageName): Promise<string[]> {
  const { stdout } = await exec(ENGINE, ['image', 'inspect', '--format', '{{json .GraphDriver}}', localRef(name)]);
  const driver = JSON.parse(stdout) as { Name: string; Data: { LowerDir?: string; UpperDir?: string } };
  assert.is(driver.Name, 'overlay', 'layers are read from overlay storage');
  return [...(driver.Data.LowerDir ?? '').split(':'), driver.Data.UpperDir ?? ''].filter(Boolean);
}

function walk(dir: string, rel = '', out: string[] = []): string[] {
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) walk(dir, p, out);
    else out.push(p);
  }
  return out;
}

const caLines = certificateLines(extraCaPem(undefined));

it('the scan is live: grep over a folder finds a certificate line planted in a binary file', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const line = caLines[0] ?? 'MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ';
  const dir = mkdtempSync(join(tmpdir(), 'ofa-plant-'));
  writeFileSync(join(dir, 'x.bin'), `junk\0${line}\0junk`);
  const { stdout } = await exec('grep', ['-r', '-l', '-F', '-e', line, dir]);
  assert.match(stdout, 'x.bin');
});

for (const name of IMAGES) {
  it(`${name}: no extra CA, credential or secret file in any layer, nor in the config or history`, async () => {
    const dirs = await layerDirs(name);
    assert.ok(dirs.length >= 3, `${dirs.length} layers`);
    if (caLines.length) {
      // grep exits 1 when nothing matches: that is the pass.
      const found = await exec('grep', ['-r', '-l', '-F', ...caLines.flatMap((l) => ['-e', l]), ...dirs], { maxBuffer: 16 << 20 }).then(
        (r) => r.stdout,
        (e: { code?: number; stdout?: string; stderr?: string }) => {
          if (e.code === 1) return '';
          throw new Error(`grep: ${e.stderr}`);
        },
      );
      assert.is(found, '', 'files holding an extra CA certificate');
    } else console.log(`${name}: this machine has no local CA certificates; paths and metadata checked`);
    const secrets = dirs.flatMap((d) =>
      walk(d)
        .filter((p) => SECRET_PATHS.some((re) => re.test(p)))
        .map((p) => `${d}/${p}`),
    );
    assert.equal(secrets, []);
    const { stdout: meta } = await exec(ENGINE, ['image', 'inspect', localRef(name)], { maxBuffer: 16 << 20 });
    const { stdout: history } = await exec(ENGINE, ['history', '--no-trunc', '--format', '{{.CreatedBy}}', localRef(name)], {
      maxBuffer: 16 << 20,
    });
    for (const text of [meta, history]) {
      assert.not.match(text, 'BEGIN CERTIFICATE');
      for (const l of caLines) assert.not.ok(text.includes(l), 'a CA line in the image metadata');
    }
    // openfold3 downloads in its final stage (pip): the CA went in as a secret mount, never as data.
    if (name === 'openfold3') assert.match(history, /--mount=type=secret,id=extra_ca/);
  });
}

test.run();
