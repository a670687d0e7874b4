// A target's final directory, OUT/<tag>/: its files are placed in a temporary sibling folder with the
// done-manifest (each output's size, sha256 and mtime as placed), then the folder is renamed onto the final
// name, so that name only ever holds a complete directory.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { publish, rand, type FileRecord } from './files.js';
import { MANIFEST_FILE, type AlignManifest, type SearchRecord } from './manifest.js';
import { manifestJson, type AlignOptions, type Plan } from './target-plan.js';

/** Puts one recorded output at `dst` and returns the record of what is there now. */
export type PlaceFile = (search: SearchRecord, dst: string) => Promise<FileRecord>;

/** Assembles and publishes the final directory; returns the manifest written into it. */
export async function assemble(p: Plan, opts: AlignOptions, manifest: AlignManifest, place: PlaceFile): Promise<AlignManifest> {
  const tmp = join(opts.out, `.tmp-${p.target.tag}-${process.pid}-${rand()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const searches: SearchRecord[] = [];
    for (const s of manifest.searches) {
      const { size, sha256, mtime } = await place(s, join(tmp, s.output));
      searches.push({ ...s, size, sha256, mtime });
    }
    const done = { ...manifest, searches };
    writeFileSync(join(tmp, MANIFEST_FILE), manifestJson(done));
    publish(tmp, p.final);
    return done;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
