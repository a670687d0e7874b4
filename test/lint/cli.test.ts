// The CLI: exit 0 on a clean folder, exit 1 with `file:doc[kind/name] path: message` lines, exit 2 with one line
// pointing at --schema when the schema cannot be had; the schema's lookup order, the Go module among it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, hasCommand, tempDir } from '../helpers/env.js';
import { ARGO_VERSION, EXAMPLES_DIR, SCHEMA_DIR, SCHEMA_FILE, withArgo, workflowYaml } from './helpers.js';

const GOOD = workflowYaml('  - name: main\n    container: {image: busybox}\n', '', 'good');
const BAD = workflowYaml('  - name: main\n    container: {image: busybox, comand: [x]}\n', '', 'bad');

function lint(args: string[], env: Record<string, string> = { OPENFOLD_ARGO_SCHEMA_DIR: SCHEMA_DIR }, version = ARGO_VERSION) {
  const r = spawnSync(process.execPath, [CLI, 'lint', '--no-go', '--argo-version', version, ...args], {
    encoding: 'utf8',
    env: { ...process.env, OPENFOLD_ARGO_SCHEMA_DIR: '', XDG_CACHE_HOME: join(tempDir(), 'cache'), ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

withArgo('a clean folder: exit 0', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'good.yaml'), GOOD);
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'configmap.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
  const r = lint([dir]);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, /^ok: 2 documents in 2 files \(layers 1-3\)$/m);
});

withArgo("Argo's upstream examples, untouched: exit 0, three warnings (two nameless workflows, a duplicated key)", () => {
  const r = lint([EXAMPLES_DIR]);
  assert.is(r.code, 0, r.out + r.err);
  assert.is(r.out.match(/: warning: /g)?.length, 3, r.out);
  assert.match(r.out, /^ok: \d+ documents in \d+ files \(layers 1-3\), 3 warnings$/m);
});

withArgo('errors: exit 1, one `file:doc[kind/name] path: message` line each', () => {
  const dir = tempDir();
  const file = join(dir, 'two.yaml');
  writeFileSync(file, `${GOOD}---\n${BAD}`);
  const r = lint([file]);
  assert.is(r.code, 1, r.out + r.err);
  assert.ok(r.out.includes(`${file}:1[Workflow/bad] spec.templates[0].container.comand: unknown field "comand" (schema)`), r.out);
  assert.match(r.out, /^1 problem; 2 documents in 1 files/m);
});

withArgo('--schema FILE works without the env folder or a cache', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'good.yaml'), GOOD);
  const r = lint(['--schema', SCHEMA_FILE, dir], {});
  assert.is(r.code, 0, r.out + r.err);
});

test('no schema anywhere (no folder, no cache, no Go module, no download): exit 2 and one line naming --schema', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'good.yaml'), GOOD);
  // Loopback only: Go may not ask a proxy, the download goes to a closed local port.
  const r = lint([dir], { GOPROXY: 'off', OPENFOLD_ARGO_SCHEMA_BASE_URL: 'http://127.0.0.1:9' }, 'v4.999.0');
  assert.is(r.code, 2, r.out + r.err);
  const lines = r.err.trim().split('\n');
  assert.is(lines.length, 1, r.err);
  assert.match(lines[0], /cannot download the Argo v4\.999\.0 JSON schema .*pass --schema FILE/);
  assert.match(
    lines[0],
    hasCommand('go') ? /Go module: go mod download github\.com\/argoproj\/argo-workflows\/v4@v4\.999\.0: / : /Go module: go is not on PATH/,
  );
});

withArgo("no schema folder and an empty cache: the schema comes from Argo's Go module, and is cached", () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'good.yaml'), GOOD);
  const cache = join(tempDir(), 'cache');
  // GOPROXY=off: read from Go's module cache only (test/run.ts fetched the module before the tests started).
  const r = lint([dir], { GOPROXY: 'off', XDG_CACHE_HOME: cache, OPENFOLD_ARGO_SCHEMA_BASE_URL: 'http://127.0.0.1:9' });
  assert.is(r.code, 0, r.out + r.err);
  assert.equal(readFileSync(join(cache, 'openfold-argo', 'schemas', `schema-${ARGO_VERSION}.json`)), readFileSync(SCHEMA_FILE));
});

test('--help gives the lookup order of the schema: --schema, the folder, the cache, the Go module, the download', () => {
  const r = spawnSync(process.execPath, [CLI, 'lint', '--help'], { encoding: 'utf8' });
  assert.is(r.status, 0);
  const order = ['1. --schema FILE', '2. $OPENFOLD_ARGO_SCHEMA_DIR', '3. the cache', "4. Argo's Go module", '5. a download'];
  const at = order.map((o) => r.stdout.indexOf(o));
  assert.ok(
    at.every((i) => i > 0),
    r.stdout,
  );
  assert.equal(
    [...at].sort((a, b) => a - b),
    at,
    'in this order',
  );
});

withArgo('a file that is not YAML, and bad usage', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'broken.yaml'), 'a: [1, 2\n');
  const r = lint([dir]);
  assert.is(r.code, 1);
  assert.match(r.out, /broken\.yaml: not valid YAML/);
  assert.is(lint([]).code, 2);
  assert.is(lint(['/no/such/dir']).code, 2);
});

test.run();
