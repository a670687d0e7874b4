// Target names ("tags") from FASTA headers. A tag names files and folders on the shared volume and is the
// header OpenFold reads back, so it is restricted to [A-Za-z0-9_]: OpenFold's parse_fasta keeps only the first
// run of word characters of a header (re.split('\W| \|', tag)[0]), so a "." or "-" would silently shorten it.
// That charset also rules out paths ("/", "..", a leading ".").
import { FastaError, showHeader } from './fasta.js';

export const MAX_TAG_LENGTH = 64;

export interface HeaderId {
  /** What identifies the record in its header (must be unique in the file). */
  id: string;
  /** The tag before sanitising and de-duplication. */
  name: string;
}

const CAMEO = /pdbid:\s*([A-Za-z0-9]+)\s*\|\s*chain:\s*([A-Za-z0-9]+)/;
const CAMEO_TARGET_ID = /target id:\s*(\S+)/;
const UNIPROT = /^(?:sp|tr)\|([^|\s]+)\|/;

/** The record's identifier and preferred name: CAMEO pdbid_chain, UniProt accession, else the first word. */
export function headerId(header: string): HeaderId {
  const cameo = CAMEO.exec(header);
  if (cameo) {
    const name = `${cameo[1]}_${cameo[2]}`;
    return { id: CAMEO_TARGET_ID.exec(header)?.[1] ?? name, name };
  }
  const uniprot = UNIPROT.exec(header);
  if (uniprot) return { id: uniprot[1], name: uniprot[1] };
  const word = header.split(/\s+/)[0] ?? '';
  return { id: word, name: word };
}

/** ASCII word characters only, runs of anything else become one "_", bounded length. */
export function sanitizeTag(name: string, maxLength = MAX_TAG_LENGTH): string {
  return name
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, maxLength)
    .replace(/_+$/, '');
}

/**
 * Tags for the headers, in order. Rejects a repeated identifier (the same record given twice is a mistake
 * worth a message); names that only collide after sanitising, or by letter case (case-insensitive file
 * systems), get a deterministic suffix _2, _3, ... in input order.
 */
export function assignTags(headers: string[]): string[] {
  const firstWithId = new Map<string, number>();
  const used = new Set<string>();
  return headers.map((header, i) => {
    const { id, name } = headerId(header);
    const earlier = firstWithId.get(id);
    if (earlier !== undefined && id !== '') {
      throw new FastaError(
        `record ${i + 1} (${showHeader(header)}): duplicate ID ${JSON.stringify(id)}, already used by record ${earlier + 1} ` +
          `(${showHeader(headers[earlier])}); give each record its own name`,
      );
    }
    firstWithId.set(id, i);
    const base = sanitizeTag(name) || `target_${i + 1}`;
    let tag = base;
    for (let n = 2; used.has(tag.toLowerCase()); n++) {
      const suffix = `_${n}`;
      tag = `${base.slice(0, MAX_TAG_LENGTH - suffix.length)}${suffix}`;
    }
    used.add(tag.toLowerCase());
    return tag;
  });
}

/** True when a string is a tag this module could have produced (used by readers of plan/manifest files). */
export function isSafeTag(tag: string): boolean {
  return tag.length > 0 && tag.length <= MAX_TAG_LENGTH && /^[A-Za-z0-9_]+$/.test(tag);
}
