// File moves the align step shares between its local searches (align.ts) and the MSA-server mode (server.ts):
// a finished folder appears under its final name in one rename, and cache entries are hard links.
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, renameSync, rmSync } from 'node:fs';

export const rand = (): string => randomBytes(4).toString('hex');

/** Hard-links (or copies across file systems) a file. */
export function linkOrCopy(src: string, dst: string): void {
  try {
    linkSync(src, dst);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EXDEV' || code === 'EPERM' || code === 'ENOTSUP') copyFileSync(src, dst);
    else throw e;
  }
}

/** Renames a complete folder onto `final`, moving an invalid one out of the way first. */
export function publish(tmp: string, final: string): void {
  if (existsSync(final)) {
    const old = `${final}.old-${process.pid}-${rand()}`;
    renameSync(final, old);
    renameSync(tmp, final);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(tmp, final);
  }
}
