// The SBOM of an image from what the image records (dpkg status, Python metadata, npm's lockfile, Go build
// info, node --version), parsed without an engine; the in-image test checks a real image's SBOM.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cycloneDx, parseDpkgStatus, parseGoBuildInfo, parseNpmLock, parsePythonMetadata } from '../../images/sbom.mjs';
import { normaliseName, requirementsFromReport } from '../../images/pylock.mjs';

const DPKG = `Package: hmmer
Status: install ok installed
Architecture: amd64
Version: 3.3.2+dfsg-1

Package: gone
Status: deinstall ok config-files
Version: 1.0

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1
Description: time zone
 and daylight-saving time data
`;

test('dpkg: installed packages only, with Debian purls (the version URL-encoded)', () => {
  assert.equal(parseDpkgStatus(DPKG), [
    { type: 'library', name: 'hmmer', version: '3.3.2+dfsg-1', purl: 'pkg:deb/debian/hmmer@3.3.2%2Bdfsg-1?arch=amd64&distro=debian-12' },
    {
      type: 'library',
      name: 'tzdata',
      version: '2024a-0+deb12u1',
      purl: 'pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12',
    },
  ]);
});

test('python, npm and go: names normalised, nested npm copies kept, dev packages and the root left out', () => {
  assert.equal(parsePythonMetadata('Name: PyYAML\nVersion: 6.0.4\nName: typing_extensions\nVersion: 4.16.0\n'), [
    { type: 'library', name: 'pyyaml', version: '6.0.4', purl: 'pkg:pypi/pyyaml@6.0.4' },
    { type: 'library', name: 'typing-extensions', version: '4.16.0', purl: 'pkg:pypi/typing-extensions@4.16.0' },
  ]);
  const lock = JSON.stringify({
    packages: {
      '': { name: 'openfold-argo', version: '0.1.0' },
      'node_modules/@kubernetes/client-node': { version: '1.4.0' },
      'node_modules/a/node_modules/b': { version: '2.0.0' },
      'node_modules/eslint': { version: '9.0.0', dev: true },
    },
  });
  assert.equal(
    parseNpmLock(lock).map((c) => c.purl),
    ['pkg:npm/%40kubernetes/client-node@1.4.0', 'pkg:npm/b@2.0.0'],
  );
  const go =
    '/out/s5cmd: go1.26.8\n\tpath\tgithub.com/peak/s5cmd/v2\n\tmod\tgithub.com/peak/s5cmd/v2\tv2.3.0\th1:x=\n\tdep\tgolang.org/x/sys\tv0.20.0\th1:y=\n';
  assert.equal(
    parseGoBuildInfo(go).map((c) => [c.type, c.purl]),
    [
      ['library', 'pkg:golang/stdlib@go1.26.8'],
      ['application', 'pkg:golang/github.com/peak/s5cmd/v2@v2.3.0'],
      ['library', 'pkg:golang/golang.org/x/sys@v0.20.0'],
    ],
  );
});

test('CycloneDX 1.5: one component per purl, the image as metadata, a serial number fixed by the image id', () => {
  const inventory = `@@dpkg\n${DPKG}@@python\n@@npm\n@@app\n{"name":"openfold-argo","version":"0.1.0"}\n@@go\n@@node\nv20.20.2\n@@end\n`;
  const a = cycloneDx(
    { ref: 'localhost/openfold-argo/msa:dev', id: 'sha256:abc' },
    inventory,
    { name: 't', version: '1' },
    '2026-01-01T00:00:00Z',
  );
  const b = cycloneDx(
    { ref: 'localhost/openfold-argo/msa:dev', id: 'sha256:abc' },
    inventory,
    { name: 't', version: '1' },
    '2026-01-02T00:00:00Z',
  );
  assert.is(a.bomFormat, 'CycloneDX');
  assert.is(a.specVersion, '1.5');
  assert.is(a.serialNumber, b.serialNumber);
  assert.match(a.serialNumber, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(a.metadata.component, { type: 'container', name: 'localhost/openfold-argo/msa:dev', version: 'sha256:abc' });
  assert.equal(
    a.components.map((c) => c.name),
    ['hmmer', 'tzdata', 'node', 'openfold-argo'],
  );
  assert.throws(() => cycloneDx({ ref: 'x', id: 'y' }, '@@dpkg\n', { name: 't', version: '1' }, ''), /incomplete/);
});

test('pylock: every distribution pinned by version and sha256, sorted, PEP 503 names; a VCS or hashless entry is refused', () => {
  const item = (name: string, version: string, sha: string) => ({
    metadata: { name, version },
    download_info: { url: `https://files.example/${name}-${version}.whl`, archive_info: { hashes: { sha256: sha } } },
  });
  const text = requirementsFromReport(
    {
      install: [item('torch', '2.15.0', 'b'.repeat(64)), item('PyYAML', '6.0.4', 'a'.repeat(64))],
      environment: { python_version: '3.11', sys_platform: 'linux', platform_machine: 'x86_64' },
    },
    ['generated'],
  );
  assert.is(
    text,
    `# generated\n# resolved for CPython 3.11 on linux x86_64\npyyaml==6.0.4 \\\n    --hash=sha256:${'a'.repeat(64)}\ntorch==2.15.0 \\\n    --hash=sha256:${'b'.repeat(64)}\n`,
  );
  assert.is(normaliseName('Foo__Bar.baz'), 'foo-bar-baz');
  assert.throws(
    () =>
      requirementsFromReport({
        install: [{ metadata: { name: 'x', version: '1' }, download_info: { url: 'git+https://h/x' } }],
        environment: {},
      }),
    /x 1: not an archive from an index/,
  );
  assert.throws(
    () => requirementsFromReport({ install: [{ ...item('x', '1', ''), download_info: { url: 'u', archive_info: {} } }], environment: {} }),
    /no sha256/,
  );
});

test.run();
