// Config rules about what the values become: paths are normalised before any "is it under the volume" check
// (`/fsx/../../x` is `/x`, outside the volume), and no string may smuggle something into the rendered
// resources: `{{` (Argo would expand it as a template expression) or credentials in a URL (they would be
// rendered into the templates and the chart's values). Image references follow the registry grammar (schema.ts).
import { posix } from 'node:path';
import type { Config } from './types.js';

const show = (v: unknown): string => JSON.stringify(v);

/** An absolute path without `.`/`..` segments, repeated or trailing slashes ("/" stays "/"). */
export function normaliseAbsolute(path: string): string {
  const n = posix.normalize(path);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** Config fields that hold absolute paths on the shared volume or in the image (when they are paths). */
const PATH_FIELDS: string[][] = [
  ['volume', 'mountPath'],
  ['databases', 'root'],
  ['input', 'runsRoot'],
  ['input', 'fasta'],
  ['alignment', 'cacheDir'],
  ['inference', 'checkpoint'],
  ['inference', 'runtime', 'openfoldDir'],
  ['evaluation', 'references'],
  ['cron', 'benchmark', 'fasta'],
  ['cron', 'cameoWeekly', 'references'],
];

/** Fields that must lie on the shared volume: a step writes or reads them there. */
export const UNDER_VOLUME: string[][] = [
  ['databases', 'root'],
  ['input', 'runsRoot'],
  ['input', 'fasta'],
  ['alignment', 'cacheDir'],
  ['cron', 'benchmark', 'fasta'],
  ['cron', 'cameoWeekly', 'references'],
];

type Holder = Record<string, unknown>;

function parentOf(c: Config, path: string[]): Holder | undefined {
  let cur: unknown = c;
  for (const k of path.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Holder)[k];
  }
  return cur !== null && typeof cur === 'object' ? (cur as Holder) : undefined;
}

/** The absolute paths of the config, normalised in place; returns the fields whose spelling changed. */
export function normalisePaths(c: Config): Map<string, string> {
  const changed = new Map<string, string>();
  for (const path of PATH_FIELDS) {
    const parent = parentOf(c, path);
    const key = path[path.length - 1];
    const value = parent?.[key];
    if (typeof value !== 'string' || !value.startsWith('/')) continue;
    const n = normaliseAbsolute(value);
    if (n !== value) {
      changed.set(path.join('.'), value);
      parent![key] = n;
    }
  }
  return changed;
}

/** The (normalised) paths that must be under volume.mountPath and are not. */
export function volumeProblems(c: Config, originals: Map<string, string>): string[] {
  const mount = c.volume.mountPath;
  const under = (p: string) => p === mount || mount === '/' || p.startsWith(`${mount}/`);
  const problems: string[] = [];
  for (const path of UNDER_VOLUME) {
    const value = parentOf(c, path)?.[path[path.length - 1]];
    if (typeof value !== 'string' || !value.startsWith('/') || under(value)) continue;
    const field = path.join('.');
    const given = originals.get(field);
    problems.push(
      `${field}: must be under volume.mountPath (${mount}), got ${show(given ?? value)}${given ? ` (normalised: ${show(value)})` : ''}`,
    );
  }
  const checkpoint = c.inference.checkpoint;
  if (!checkpoint.startsWith('/') && checkpoint.split('/').includes('..'))
    problems.push(`inference.checkpoint: a relative path must stay under databases.root (no ".."), got ${show(checkpoint)}`);
  return problems;
}

const URL_WITH_USERINFO = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i;

/** Every string of the config (keys of maps too), with its dotted path. */
function* strings(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, `${path}[${i}]`);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      yield [`${at} (the key)`, k];
      yield* strings(v, at);
    }
}

/** Strings that would change the rendered resources' meaning: Argo template braces, credentials in URLs. */
export function renderedStringProblems(c: Config): string[] {
  const problems: string[] = [];
  for (const [path, s] of strings(c, '')) {
    if (s.includes('{{')) problems.push(`${path}: must not contain "{{" (Argo would expand it as a template expression), got ${show(s)}`);
    if (URL_WITH_USERINFO.test(s))
      problems.push(
        `${path}: must not carry credentials (user:password@) in the URL: they would be rendered into the workflow templates and the chart's values; use the service account's role or a Secret`,
      );
  }
  return problems;
}
