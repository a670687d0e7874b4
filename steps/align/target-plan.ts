// What the align step will run for one target: its searches and their recipes (flags), the identities of the
// databases they read, and where the target is staged and published. Shared by staging.ts, cache.ts, align.ts.
import { join } from 'node:path';
import type { AlignMode, Config } from '../../generators/config/types.js';
import { searchesFor, type SearchName, type SearchSpec } from './contract.js';
import { databaseIdentity, sha256, type AlignIdentity, type DatabaseIdentity } from './manifest.js';
import { isExpandableMmseqsDb, recipe, recipeFlags, searchDatabases, type Recipe } from './searches.js';

export interface AlignTarget {
  tag: string;
  /** Upper-case residues, no whitespace. */
  sequence: string;
}

export interface AlignOptions {
  config: Config;
  /** The alignments directory: each target ends up in OUT/<tag>/. */
  out: string;
  mode: AlignMode;
  /** CPU budget shared by the concurrent searches of a target. */
  cpu: number;
  /** Use and fill alignment.cacheDir. @default true */
  cache?: boolean;
  /** Hash every output of a finished or staged target, not only those whose size or mtime moved. */
  verify?: boolean;
  /** Progress lines. @default console.log */
  log?: (line: string) => void;
}

/** Database problems the user can fix (a missing database): the CLI maps it to a message. */
export class AlignInputError extends Error {
  override name = 'AlignInputError';
}

export const STAGING = '.staging';

export interface Plan {
  target: AlignTarget;
  specs: SearchSpec[];
  recipes: Map<SearchName, Recipe>;
  identity: AlignIdentity;
  /** Identities per search, recorded with each staged output. */
  searchDatabases: Map<SearchName, DatabaseIdentity[]>;
  staging: string;
  final: string;
}

export function planTarget(target: AlignTarget, opts: AlignOptions): Plan {
  const specs = searchesFor(opts.mode, opts.config.databases.paths);
  const recipes = new Map<SearchName, Recipe>();
  const perSearch = new Map<SearchName, DatabaseIdentity[]>();
  const all: DatabaseIdentity[] = [];
  const share = cpuShare(opts.cpu, specs);
  for (const spec of specs) {
    const ids = Object.entries(searchDatabases(spec, opts.config)).map(([name, path]) => {
      const id = databaseIdentity(name, path);
      if (!id)
        throw new AlignInputError(`database ${name} not found at ${path} (databases.paths.${name}); run \`openfold-argo databases\` first`);
      return id;
    });
    perSearch.set(spec.name, ids);
    for (const id of ids) if (!all.some((a) => a.name === id.name)) all.push(id);
    const expandable = spec.tool === 'mmseqs' && isExpandableMmseqsDb(ids[0].path);
    recipes.set(spec.name, recipe(spec, share, expandable));
  }
  const flags = Object.fromEntries(specs.map((s) => [s.name, recipeFlags(recipes.get(s.name)!)]));
  return {
    target,
    specs,
    recipes,
    identity: { sequenceSha256: sha256(target.sequence), mode: opts.mode, databases: all, flags },
    searchDatabases: perSearch,
    staging: join(opts.out, STAGING, target.tag),
    final: join(opts.out, target.tag),
  };
}

/** CPUs per search: the budget split over the most searches that can run at once (the widest dependency level). */
function cpuShare(cpu: number, specs: SearchSpec[]): number {
  const level = new Map<SearchName, number>();
  for (const s of specs) level.set(s.name, Math.max(0, ...s.after.map((a) => (level.get(a) ?? 0) + 1)));
  const widths = [...level.values()].reduce((w, l) => w.set(l, (w.get(l) ?? 0) + 1), new Map<number, number>());
  return Math.max(1, Math.floor(cpu / Math.max(1, ...widths.values())));
}

/** Database name -> path, for a search's placeholders. */
export const databasePaths = (p: Plan, name: SearchName) => Object.fromEntries(p.searchDatabases.get(name)!.map((d) => [d.name, d.path]));

/** The staged query profile a later search starts from. */
export const profileDir = (p: Plan, name: SearchName) => join(p.staging, `${name}.profile`);

/** Whether a later search of the plan starts from this search's query profile (ColabFold's environmental one). */
export const needsProfile = (p: Plan, name: SearchName) =>
  p.specs.some((s) => s.after.includes(name) && p.recipes.get(s.name)?.prepare === 'query-profile');

export const round = (s: number) => Math.round(s * 100) / 100;

export const manifestJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
