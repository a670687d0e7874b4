// `--parameter-file FILE` as the argo CLI reads it (workflow/util ReadParametersFile): a YAML or JSON map of
// parameter name to value. A string value is taken as is; any other value (number, boolean, list, map) is
// passed as its compact JSON text, as Argo does after converting the YAML to JSON. Dates stay text (Argo's YAML
// reader keeps `2022-04-08` a string), hence the core schema.
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { UserError } from '../../common/errors.js';

export function parseParameterFile(text: string, file: string): { name: string; value: string }[] {
  let doc: unknown;
  try {
    doc = yaml.load(text, { schema: yaml.CORE_SCHEMA, filename: file });
  } catch (e) {
    throw new UserError(`--parameter-file ${file}: not YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === undefined || doc === null) return [];
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new UserError(
      `--parameter-file ${file}: expected a map of parameter name to value, got ${Array.isArray(doc) ? 'a list' : typeof doc}`,
    );
  return Object.entries(doc as Record<string, unknown>).map(([name, value]) => ({
    name,
    value: typeof value === 'string' ? value : JSON.stringify(value),
  }));
}

export function readParameterFile(file: string): { name: string; value: string }[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`--parameter-file ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseParameterFile(text, file);
}

/** The file's parameters with the -p flags laid over them: a -p value wins over the same name in the file. */
export function mergeParameters(
  fromFile: { name: string; value: string }[],
  fromFlags: { name: string; value: string }[],
): { name: string; value: string }[] {
  const flagged = new Set(fromFlags.map((p) => p.name));
  return [...fromFile.filter((p) => !flagged.has(p.name)), ...fromFlags];
}
