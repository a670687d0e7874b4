// Shared by the evaluate tests: fixture paths and the gate for the evaluate step's Python environment.
import { join } from 'node:path';
import { IN_CI, ROOT } from '../../helpers/env.js';
import { evaluatePython } from '../../../steps/evaluate/python-env.js';

export const STRUCTURES = join(ROOT, 'test', 'fixtures', 'structures');

/** null when the venv is there; otherwise a skip reason (and under CI=true, a failure). */
export function missingEvaluatePython(): string | null {
  try {
    evaluatePython();
    return null;
  } catch (e) {
    const reason = (e as Error).message;
    if (IN_CI) throw new Error(`CI=true and a required tool is missing: ${reason}`);
    console.log(`SKIP ${reason}`);
    return reason;
  }
}
