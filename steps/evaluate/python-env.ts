// Where the evaluate step's Python lives: the module beside this file (python/), run by the interpreter of
// the venv that .ci/setup.d/60-evaluate.sh builds (named by the hash of the requirement files), or by the
// interpreter the image names in $OPENFOLD_ARGO_EVALUATE_PYTHON.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError, EXIT } from '../../common/errors.js';
import { projectRoot } from '../../common/paths.js';

export const PYTHON_DIR = join(projectRoot(), 'steps', 'evaluate', 'python');
const REQUIREMENTS = ['requirements.txt', 'requirements-test.txt'];

/** The venv folder for the current requirement files (the same name the setup script computes). */
export function venvDir(env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256');
  for (const f of REQUIREMENTS) {
    const file = join(PYTHON_DIR, f);
    if (!existsSync(file))
      throw new UserError(`${file} is missing: set OPENFOLD_ARGO_EVALUATE_PYTHON to the step's Python`, EXIT.missingTool);
    hash.update(readFileSync(file));
  }
  const cache = env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(cache, 'openfold-argo', `venv-evaluate-${hash.digest('hex').slice(0, 12)}`);
}

/** The Python interpreter with biotite and DockQ, or a UserError (exit 127) saying how to get one. */
export function evaluatePython(env: NodeJS.ProcessEnv = process.env): string {
  const named = env.OPENFOLD_ARGO_EVALUATE_PYTHON;
  if (named) {
    if (!existsSync(named)) throw new UserError(`$OPENFOLD_ARGO_EVALUATE_PYTHON: ${named} does not exist`, EXIT.missingTool);
    return named;
  }
  const venv = venvDir(env);
  const python = join(venv, 'bin', 'python');
  if (existsSync(join(venv, '.complete')) && existsSync(python)) return python;
  throw new UserError(
    `the evaluate step's Python environment is missing (${venv}): run bash .ci/setup.d/60-evaluate.sh, ` +
      'or set OPENFOLD_ARGO_EVALUATE_PYTHON to a Python with steps/evaluate/python/requirements.txt installed',
    EXIT.missingTool,
  );
}
