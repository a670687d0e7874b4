// The databases workflow's first step (steps/databases/select.ts): `only` checked against the manifest, the
// selection written as the JSON list the downloads fan out over, so `only` never reaches an Argo expression.
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { builtinManifest } from '../../../steps/databases/manifest.js';
import { selectNames, writeSelection } from '../../../steps/databases/select.js';
import { UnknownDatabaseError } from '../../../steps/databases/install.js';
import { CLI, ROOT, tempDir } from '../../helpers/env.js';

const manifest = builtinManifest('full_dbs');

test('"all" is every database but the weights of the model not in use; a list keeps the manifest order', () => {
  const all = selectNames(manifest, ['all'], 'openfold');
  assert.ok(all.includes('openfold_params') && !all.includes('openfold3_params'), all.join());
  assert.ok(selectNames(manifest, [], 'openfold3').includes('openfold3_params'));
  assert.not.ok(selectNames(manifest, [], 'openfold3').includes('openfold_params'));
  assert.equal(selectNames(manifest, ['uniref90,pdb70', 'mgnify'], 'openfold'), ['uniref90', 'mgnify', 'pdb70']);
});

test('an unknown name or an expression-shaped value is refused, naming it', () => {
  assert.throws(
    () => selectNames(manifest, ['uniref90,nope'], 'openfold'),
    (e: unknown) => e instanceof UnknownDatabaseError && /unknown database nope/.test(String(e)),
  );
  assert.throws(() => selectNames(manifest, ["all' || '1"], 'openfold'), /must be "all" or a comma-separated list of database names/);
});

test('writeSelection writes the JSON list atomically and prunes selections older than a week', () => {
  const dir = tempDir();
  const old = join(dir, 'old-workflow.json');
  writeFileSync(old, '[]');
  utimesSync(old, new Date(Date.now() - 8 * 86400_000), new Date(Date.now() - 8 * 86400_000));
  const recent = join(dir, 'recent-workflow.json');
  writeFileSync(recent, '[]');
  writeSelection(join(dir, 'wf.json'), ['uniref90', 'pdb70']);
  assert.equal(JSON.parse(readFileSync(join(dir, 'wf.json'), 'utf8')), ['uniref90', 'pdb70']);
  assert.ok(!existsSync(old) && existsSync(recent));
});

test('databases --select FILE: exit 2 with one line for a bad --only, the list written for a good one, nothing downloaded', () => {
  const dir = tempDir();
  const run = (...a: string[]) => spawnSync(process.execPath, [CLI, 'databases', ...a], { encoding: 'utf8', cwd: ROOT });
  const bad = run('--only', 'nope', '--select', join(dir, 'bad.json'));
  assert.is(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, 'unknown database nope');
  assert.ok(!existsSync(join(dir, 'bad.json')));
  const good = run('--only', 'pdb70,uniref90', '--model', 'openfold', '--select', join(dir, 'good.json'));
  assert.is(good.status, 0, good.stderr);
  assert.equal(JSON.parse(readFileSync(join(dir, 'good.json'), 'utf8')), ['uniref90', 'pdb70']);
});

test.run();
