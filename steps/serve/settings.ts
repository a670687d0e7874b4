// What `openfold-argo serve` takes from the project config (the openfold3 section, as the predict step reads it):
// the runner settings file the worker loads once, the Python of OpenFold3's environment, the seeds.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openfold3CheckpointPath } from '../../generators/config/load.js';
import type { Config } from '../../generators/config/types.js';
import { runnerYaml } from '../predict-openfold3/command.js';
import type { WorkerOptions } from './worker.js';

/** OpenFold3's Python: the one beside run_openfold (its venv), else python3 on PATH. */
export function openfold3Python(c: Config): string {
  const runOpenfold = c.openfold3.runtime.runOpenfold;
  const beside = runOpenfold.includes('/') ? join(dirname(runOpenfold), 'python') : '';
  return beside && existsSync(beside) ? beside : 'python3';
}

/** Writes the worker's runner settings (the predict step's runner yaml, no templates) and returns its options. */
export function workerOptions(c: Config, workDir: string, python = openfold3Python(c)): Omit<WorkerOptions, 'onLog' | 'secrets'> {
  mkdirSync(workDir, { recursive: true });
  const runner = runnerYaml({
    seeds: c.openfold3.seeds,
    device: c.openfold3.device,
    structureFormat: c.openfold3.outputFormat,
    useTemplates: false,
    lowMemory: false,
    extra: c.openfold3.runnerSettings,
  });
  const runnerFile = join(workDir, 'runner.json');
  writeFileSync(runnerFile, JSON.stringify(runner, null, 2));
  const cache = join(workDir, 'openfold3-cache');
  mkdirSync(cache, { recursive: true });
  // Its own OPENFOLD_CACHE, as the predict step does: no ~/.openfold3/runner.yml leaks in.
  return {
    python,
    checkpoint: openfold3CheckpointPath(c),
    runnerYaml: runnerFile,
    workDir,
    env: { ...process.env, OPENFOLD_CACHE: cache },
  };
}
