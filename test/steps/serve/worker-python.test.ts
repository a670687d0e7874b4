// The worker's own Python tests (steps/serve/worker/test_openfold3_worker.py), run with unittest in OpenFold3's
// venv (the worker imports torch to name the device).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { ROOT } from '../../helpers/env.js';
import { requires } from '../../helpers/gate.js';
import { openfold3Missing, openfold3Runtime } from '../../helpers/openfold3.js';

const it = requires(openfold3Missing());

it('the worker protocol tests pass (python -m unittest in the OpenFold3 venv)', () => {
  const rt = openfold3Runtime();
  const run = spawnSync(rt.python, ['-m', 'unittest', '-v', 'test_openfold3_worker'], {
    cwd: join(ROOT, 'steps', 'serve', 'worker'),
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  assert.is(run.status, 0, run.stderr.slice(-3000));
  assert.match(run.stderr, /Ran 4 tests/);
  assert.match(run.stderr, /\nOK\n?$/);
});

test.run();
