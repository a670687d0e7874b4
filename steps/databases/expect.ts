// The `expect` paths of a manifest entry: relative to databases.root, with `*` and `?` wildcards in any segment;
// a trailing `/` asks for a directory. A pattern is satisfied by at least one match.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** A file (or an expected directory) as the done-manifest records it. */
export interface ExpectedFile {
  /** Relative to databases.root. */
  path: string;
  /** Size in bytes of a file. */
  size?: number;
  /** Hex sha256 of a file, taken at install (absent in done-manifests of earlier versions). */
  sha256?: string;
  /** The file's mtime when it was hashed: a rerun re-hashes a file whose mtime moved. */
  mtimeMs?: number;
  /** A directory (its files are listed one by one beside it). */
  dir?: true;
}

const hasWildcard = (s: string) => /[*?]/.test(s);

function globRegExp(segment: string): RegExp {
  const body = segment
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/**
 * Matches of one pattern relative to the database folder `dbDir` (the pattern's first segment, the database
 * name, stands for `dbDir`, which may be a staging folder). Returned paths are relative to databases.root.
 */
export async function matchExpect(dbDir: string, pattern: string): Promise<ExpectedFile[]> {
  const wantDir = pattern.endsWith('/');
  const [name, ...segments] = pattern.replace(/\/+$/, '').split('/');
  let found: { abs: string; rel: string }[] = [{ abs: dbDir, rel: name }];
  for (const segment of segments) {
    const next: { abs: string; rel: string }[] = [];
    for (const f of found) {
      if (!hasWildcard(segment)) {
        next.push({ abs: join(f.abs, segment), rel: `${f.rel}/${segment}` });
        continue;
      }
      const re = globRegExp(segment);
      const names = await readdir(f.abs).catch(() => [] as string[]);
      for (const n of names.sort()) if (re.test(n)) next.push({ abs: join(f.abs, n), rel: `${f.rel}/${n}` });
    }
    found = next;
  }
  const out: ExpectedFile[] = [];
  for (const f of found) {
    const st = await stat(f.abs).catch(() => undefined);
    if (!st) continue;
    if (st.isDirectory()) out.push({ path: wantDir ? `${f.rel}/` : f.rel, dir: true });
    else if (!wantDir) out.push({ path: f.rel, size: st.size });
  }
  return out;
}

/** Every expected file of an entry, or the patterns that matched nothing. */
export async function collectExpected(dbDir: string, patterns: string[]): Promise<{ files: ExpectedFile[]; missing: string[] }> {
  const files: ExpectedFile[] = [];
  const missing: string[] = [];
  for (const p of patterns) {
    const m = await matchExpect(dbDir, p);
    if (m.length === 0) missing.push(p);
    files.push(...m);
  }
  return { files, missing };
}
