// `-o json|yaml` for the commands that print API objects (get, submit --dry-run).
import yaml from 'js-yaml';
import { UserError } from '../../common/errors.js';

export type OutputFormat = 'json' | 'yaml';

/** The -o value, checked; fallback when the flag is absent. */
export function outputFormat(flag: string | undefined, fallback?: OutputFormat): OutputFormat | undefined {
  if (flag === undefined) return fallback;
  if (flag === 'json' || flag === 'yaml') return flag;
  throw new UserError(`-o ${flag}: expected json or yaml`);
}

export function formatObject(o: unknown, format: OutputFormat): string {
  return format === 'json' ? `${JSON.stringify(o, null, 2)}\n` : yaml.dump(o, { noRefs: true, lineWidth: -1 });
}
