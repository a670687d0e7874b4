// Retention of old run folders (input.keepRunsFor), enforced by each run's collect step after its report.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { pruneOldRuns } from '../../../steps/collect/retention.js';
import { resolveConfig, ConfigError } from '../../../generators/config/load.js';
import { generateResources } from '../../../generators/index.js';
import type { WorkflowTemplate } from '../../../generators/argo/types.js';
import { CLI, tempDir } from '../../helpers/env.js';
import { buildFixtureRun } from './fixture-run.js';

const run = promisify(execFile);
const DAY = 86_400_000;

/** A run folder (split/ and report.json) whose every entry was last changed `days` ago. */
function runFolder(root: string, name: string, days: number, finished = true): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'split'), { recursive: true });
  if (finished) writeFileSync(join(dir, 'report.json'), '{}');
  const t = new Date(Date.now() - days * DAY);
  for (const p of [join(dir, 'split'), ...(finished ? [join(dir, 'report.json')] : []), dir]) utimesSync(p, t, t);
  return dir;
}

test('folders unchanged for longer than the retention are deleted; recent runs, the current run and other folders stay', () => {
  const root = tempDir('ofa-runs-');
  const current = runFolder(root, 'openfold-pipeline-now', 0);
  runFolder(root, 'openfold-pipeline-old', 40);
  runFolder(root, 'openfold-pipeline-failed-early', 45, false);
  runFolder(root, 'openfold-pipeline-recent', 3);
  const other = join(root, 'standalone');
  mkdirSync(other);
  utimesSync(other, new Date(Date.now() - 90 * DAY), new Date(Date.now() - 90 * DAY));
  const out = pruneOldRuns(current, 30 * DAY);
  assert.equal(out.removed, ['openfold-pipeline-failed-early', 'openfold-pipeline-old']);
  assert.is(out.kept, 1);
  assert.equal(readdirSync(root).sort(), ['openfold-pipeline-now', 'openfold-pipeline-recent', 'standalone']);
});

test('a run still writing is not old: a fresh file inside an old folder keeps it', () => {
  const root = tempDir('ofa-runs-');
  const current = runFolder(root, 'now', 0);
  const old = runFolder(root, 'busy', 40);
  writeFileSync(join(old, 'results'), 'x');
  assert.equal(pruneOldRuns(current, 30 * DAY).removed, []);
});

test('CLI: report --prune-runs-older-than deletes the old runs after writing the report', async () => {
  const fixture = await buildFixtureRun();
  const root = tempDir('ofa-runs-');
  const current = join(root, 'openfold-pipeline-now');
  cpSync(fixture.run, current, { recursive: true });
  runFolder(root, 'openfold-pipeline-old', 40);
  const out = await run(process.execPath, [CLI, 'report', current, '--prune-runs-older-than', '30d']);
  assert.match(out.stdout, /retention 30d: 1 old run folder\(s\) deleted \(openfold-pipeline-old\), 0 kept/);
  assert.ok(existsSync(join(current, 'report.json')));
  assert.not.ok(existsSync(join(root, 'openfold-pipeline-old')));
  assert.is(dirname(current), root);
});

test('config: collect gets the retention; it must outlast the workflow deadline', () => {
  const c = resolveConfig({ input: { keepRunsFor: '30d' } });
  const pipeline = generateResources(c).find((r) => r.resource.metadata.name === 'openfold-pipeline')!.resource as WorkflowTemplate;
  const collect = pipeline.spec.templates!.find((t) => t.name === 'collect')!;
  assert.equal(collect.container!.args.slice(-2), ['--prune-runs-older-than', '30d']);
  const byDefault = generateResources(resolveConfig({})).find((r) => r.resource.metadata.name === 'openfold-pipeline')!
    .resource as WorkflowTemplate;
  assert.not.ok(byDefault.spec.templates!.find((t) => t.name === 'collect')!.container!.args.includes('--prune-runs-older-than'));
  try {
    resolveConfig({ input: { keepRunsFor: '5d' } });
    assert.unreachable();
  } catch (e) {
    assert.equal((e as ConfigError).problems, [
      'input.keepRunsFor: must be longer than deadlines.workflow (7d), so no running run is old enough to delete, got "5d"',
    ]);
  }
});

test.run();
