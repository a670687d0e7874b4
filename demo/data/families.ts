// Synthetic protein families: members derive from a seed sequence by seeded substitutions and deletions, so
// each member's alignment to the seed is known exactly (one row per seed column, '-' where deleted). Pure
// functions; the database builder turns them into FASTA files and HH-suite cluster A3Ms.
import type { Rng } from './prng.js';

/** UniProt's amino-acid background frequencies (percent), for substitutions and decoys. */
const BACKGROUND: ReadonlyArray<readonly [string, number]> = [
  ['A', 8.25],
  ['R', 5.53],
  ['N', 4.06],
  ['D', 5.45],
  ['C', 1.37],
  ['Q', 3.93],
  ['E', 6.75],
  ['G', 7.07],
  ['H', 2.27],
  ['I', 5.96],
  ['L', 9.66],
  ['K', 5.84],
  ['M', 2.42],
  ['F', 3.86],
  ['P', 4.7],
  ['S', 6.56],
  ['T', 5.34],
  ['W', 1.08],
  ['Y', 2.92],
  ['V', 6.87],
];
const BACKGROUND_TOTAL = BACKGROUND.reduce((s, [, f]) => s + f, 0);

// Conservative substitutions keep distant members recognisable, as in real families.
const SIMILAR = ['AGST', 'DENQ', 'KRH', 'ILMV', 'FWY'];

// The background as a lookup table (4096 slots): one draw per residue keeps large decoy sets fast to make.
const TABLE_SIZE = 4096;
const TABLE: string[] = (() => {
  const table: string[] = [];
  let cumulative = 0;
  for (const [aa, f] of BACKGROUND) {
    cumulative += f;
    const end = Math.round((cumulative / BACKGROUND_TOTAL) * TABLE_SIZE);
    while (table.length < end) table.push(aa);
  }
  return table;
})();

export function backgroundResidue(rng: Rng): string {
  return TABLE[rng.int(TABLE_SIZE)];
}

function substitute(aa: string, rng: Rng): string {
  const group = SIMILAR.find((g) => g.includes(aa));
  for (let tries = 0; tries < 10; tries++) {
    const candidate = group && group.length > 1 && rng.next() < 0.6 ? group[rng.int(group.length)] : backgroundResidue(rng);
    if (candidate !== aa) return candidate;
  }
  return aa === 'A' ? 'S' : 'A';
}

export function randomSequence(length: number, rng: Rng): string {
  const residues = new Array<string>(length);
  for (let i = 0; i < length; i++) residues[i] = TABLE[rng.int(TABLE_SIZE)];
  return residues.join('');
}

export interface Member {
  name: string;
  description: string;
  /** Aligned to the family's seed: one character per seed column, '-' where the member lacks it. */
  row: string;
}

export interface MutationOptions {
  /** Fraction of kept columns equal to the seed. */
  identity: number;
  /** Chance per column to start a deletion of 1-3 columns. @default 0.02 */
  deletionRate?: number;
  /** Largest fraction trimmed from each end (fragments, as in real databases). @default 0.1 */
  maxTrim?: number;
}

/** One member row derived from `seed` by substitutions, short deletions and end trimming. */
export function mutateAligned(seed: string, rng: Rng, opts: MutationOptions): string {
  const deletionRate = opts.deletionRate ?? 0.02;
  const maxTrim = opts.maxTrim ?? 0.1;
  const trimStart = rng.int(Math.floor(seed.length * maxTrim) + 1);
  const trimEnd = rng.int(Math.floor(seed.length * maxTrim) + 1);
  const out: string[] = [];
  let deleting = 0;
  for (let i = 0; i < seed.length; i++) {
    if (i < trimStart || i >= seed.length - trimEnd) {
      out.push('-');
      continue;
    }
    if (deleting === 0 && rng.next() < deletionRate) deleting = rng.between(1, 3);
    if (deleting > 0) {
      deleting--;
      out.push('-');
      continue;
    }
    out.push(rng.next() < opts.identity ? seed[i] : substitute(seed[i], rng));
  }
  return out.join('');
}

export const ungapped = (row: string): string => row.replace(/-/g, '');

/** Identities spread evenly over [min, max] so every family has close and distant members. */
export function identityLadder(count: number, min = 0.35, max = 0.95): number[] {
  if (count === 1) return [max];
  return Array.from({ length: count }, (_, i) => max - ((max - min) * i) / (count - 1));
}

export interface FamilyOptions {
  count: number;
  /** Member names: `${prefix}${index}` with a zero-padded 1-based index. */
  prefix: string;
  /** Description of each member (the identity is appended). */
  description: string;
  minIdentity?: number;
  maxIdentity?: number;
}

export function family(seed: string, rng: Rng, opts: FamilyOptions): Member[] {
  return identityLadder(opts.count, opts.minIdentity, opts.maxIdentity).map((identity, i) => ({
    name: `${opts.prefix}${String(i + 1).padStart(4, '0')}`,
    description: `${opts.description} (seeded mutation, ${Math.round(identity * 100)}% identity)`,
    row: mutateAligned(seed, rng, { identity }),
  }));
}

/**
 * A cluster's A3M with its first member as master: the master's residues are the match columns; other
 * members' residues in columns the master lacks become lowercase inserts, their deletions '-'.
 */
export function clusterA3m(members: Member[], header?: string): string {
  const master = members[0].row;
  const lines: string[] = [];
  members.forEach((m, k) => {
    let seq = '';
    for (let i = 0; i < master.length; i++) {
      if (master[i] !== '-') seq += m.row[i];
      else if (m.row[i] !== '-') seq += m.row[i].toLowerCase();
    }
    lines.push(`>${k === 0 && header ? header : `${m.name} ${m.description}`}`, seq);
  });
  return `${lines.join('\n')}\n`;
}

export function fastaRecords(members: Member[]): string {
  return members.map((m) => `>${m.name} ${m.description}\n${ungapped(m.row)}\n`).join('');
}
