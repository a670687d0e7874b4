// Which reference structure a target is scored against. CAMEO headers name the PDB entry and chain
// (`>Cameo_3D target id: 2022-04-09_00000025_1 | pdbid: 7ELF | chain: C`); the reference files are the entries'
// mmCIF files in a references folder (`openfold-argo cameo fetch --references DIR` fills one).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface ReferenceId {
  /** PDB entry id, upper case (7ELF). */
  pdb: string;
  /** Author chain ids of the target in that entry; empty means every protein chain. */
  chains: string[];
}

const PDB_ID = /^[0-9][A-Za-z0-9]{3}$/;
const CHAIN_ID = /^[A-Za-z0-9]{1,4}$/;

/** The PDB entry and chain a FASTA header names (CAMEO style `pdbid: X | chain: Y`, or `7ELF_C`), if any. */
export function referenceFromHeader(header: string): ReferenceId | null {
  const pdb = /\bpdbid:\s*([0-9A-Za-z]{4})\b/i.exec(header)?.[1];
  if (pdb) {
    const chain = /\bchain:\s*([A-Za-z0-9]{1,4})\b/i.exec(header)?.[1];
    return { pdb: pdb.toUpperCase(), chains: chain ? [chain] : [] };
  }
  const plain = /^([0-9][A-Za-z0-9]{3})_([A-Za-z0-9]{1,4})(?:\s|$)/.exec(header.trim());
  if (plain && PDB_ID.test(plain[1]) && CHAIN_ID.test(plain[2])) return { pdb: plain[1].toUpperCase(), chains: [plain[2]] };
  return null;
}

/** File names a reference may have in the folder, in the order they are looked for. */
export function referenceFileNames(pdb: string): string[] {
  const lower = pdb.toLowerCase();
  return [`${lower}.cif`, `${lower}.cif.gz`, `${pdb}.cif`, `${pdb}.cif.gz`, `${lower}.bcif`, `${lower}.pdb`, `${pdb}.pdb`];
}

export function findReferenceFile(dir: string, pdb: string): string | null {
  for (const name of referenceFileNames(pdb)) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  return null;
}
