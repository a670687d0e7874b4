// The evaluate step's own Python tests (pytest, steps/evaluate/python/tests), run once with the step's venv;
// one uvu test per pytest file, so a failure names its file and the counts stay readable.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PYTHON_DIR, evaluatePython } from '../../../steps/evaluate/python-env.js';
import { missingEvaluatePython } from './helpers.js';
import { fromEarlierTest, requires } from '../../helpers/gate.js';

const TESTS = join(PYTHON_DIR, 'tests');
const files = readdirSync(TESTS)
  .filter((f) => /^test_.*\.py$/.test(f))
  .sort();
const reason = missingEvaluatePython();
const withPython = requires(reason);
let outcome: { status: number | null; output: string; perFile: Map<string, { passed: number; failed: number }> } | undefined;

test.before(() => {
  if (reason !== null) return; // nothing to run: every test below is skipped (or failed under CI) by requires()
  const run = spawnSync(evaluatePython(), ['-m', 'pytest', '-q', '-rA', '-p', 'no:cacheprovider', 'tests'], {
    cwd: PYTHON_DIR,
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    timeout: 15 * 60_000,
  });
  const output = `${run.stdout}${run.stderr}`;
  const perFile = new Map(files.map((f) => [f, { passed: 0, failed: 0 }]));
  for (const m of output.matchAll(/^(PASSED|FAILED|ERROR) tests\/(test_[^:]+\.py)::/gm)) {
    const counts = perFile.get(m[2]);
    if (counts) counts[m[1] === 'PASSED' ? 'passed' : 'failed']++;
  }
  outcome = { status: run.status, output, perFile };
});

for (const file of files) {
  withPython(`pytest ${file}`, () => {
    const { perFile, output } = fromEarlierTest(outcome, 'pytest run (test.before)');
    const counts = perFile.get(file)!;
    if (counts.failed || counts.passed === 0) console.log(output.slice(-6000));
    assert.is(counts.failed, 0, `${file}: ${counts.failed} failed`);
    assert.ok(counts.passed > 0, `${file}: no test ran`);
  });
}

withPython('pytest exits 0', () => {
  const { status, output } = fromEarlierTest(outcome, 'pytest run (test.before)');
  assert.is(status, 0, output.slice(-3000));
});

test.run();
