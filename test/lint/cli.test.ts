// The CLI: exit 0 on a clean folder, exit 1 with `file:doc[kind/name] path: message` lines, exit 2 with one line
// pointing at --schema when the schema cannot be had offline.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, tempDir } from '../helpers/env.js';
import { ARGO_SHARED, EXAMPLES_DIR, SCHEMA_FILE, workflowYaml } from './helpers.js';

const GOOD = workflowYaml('  - name: main\n    container: {image: busybox}\n', '', 'good');
const BAD = workflowYaml('  - name: main\n    container: {image: busybox, comand: [x]}\n', '', 'bad');

function lint(args: string[], env: Record<string, string> = { OPENFOLD_ARGO_SCHEMA_DIR: ARGO_SHARED }) {
  const r = spawnSync(process.execPath, [CLI, 'lint', '--no-go', ...args], {
    encoding: 'utf8',
    env: { ...process.env, OPENFOLD_ARGO_SCHEMA_DIR: '', XDG_CACHE_HOME: join(tempDir(), 'cache'), ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('a clean folder: exit 0', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'good.yaml'), GOOD);
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'configmap.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
  const r = lint([dir]);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, /^ok: 2 documents in 2 files \(layers 1-3\)$/m);
});

test("Argo's upstream examples, untouched: exit 0, three warnings (two nameless workflows, a duplicated key)", () => {
  const r = lint([EXAMPLES_DIR]);
  assert.is(r.code, 0, r.out + r.err);
  assert.is(r.out.match(/: warning: /g)?.length, 3, r.out);
  assert.match(r.out, /^ok: \d+ documents in \d+ files \(layers 1-3\), 3 warnings$/m);
});

test('errors: exit 1, one `file:doc[kind/name] path: message` line each', () => {
  const dir = tempDir();
  const file = join(dir, 'two.yaml');
  writeFileSync(file, `${GOOD}---\n${BAD}`);
  const r = lint([file]);
  assert.is(r.code, 1, r.out + r.err);
  assert.ok(r.out.includes(`${file}:1[Workflow/bad] spec.templates[0].container.comand: unknown field "comand" (schema)`), r.out);
  assert.match(r.out, /^1 problem; 2 documents in 1 files/m);
});

test('--schema FILE works without the env folder or a cache', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'good.yaml'), GOOD);
  const r = lint(['--schema', SCHEMA_FILE, dir], {});
  assert.is(r.code, 0, r.out + r.err);
});

test('no schema and no network: exit 2 and one line saying to use --schema', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'good.yaml'), GOOD);
  const r = lint([dir], {});
  assert.is(r.code, 2, r.out + r.err);
  const lines = r.err.trim().split('\n');
  assert.is(lines.length, 1, r.err);
  assert.match(lines[0], /cannot download the Argo v4\.1\.2 JSON schema .*pass --schema FILE/);
});

test('a file that is not YAML, and bad usage', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'broken.yaml'), 'a: [1, 2\n');
  const r = lint([dir]);
  assert.is(r.code, 1);
  assert.match(r.out, /broken\.yaml: not valid YAML/);
  assert.is(lint([]).code, 2);
  assert.is(lint(['/no/such/dir']).code, 2);
});

test.run();
