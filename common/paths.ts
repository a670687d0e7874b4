// Where the project lives at run time (compiled code runs from dist/).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root: the folder holding package.json (dist/common/paths.js -> ../..). */
export function projectRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}
