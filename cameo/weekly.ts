// The weekly CAMEO benchmark: this week's targets from CAMEO's target listing, as a FASTA the pipeline takes.
//
// CAMEO's listing (`https://www.cameo3d.org/modeling/targets/1-week/ajax/?to_date=YYYY-MM-DD`, the JSON that
// OpenFold's scripts/download_cameo.py reads) has one row per target: { target, pdbid, pdbid_chain, date, ... }.
// It names the PDB entry and chain, not the sequence. As OpenFold's script does, the sequence is the chain's
// SEQRES from the entry's mmCIF, so a target is predicted once its entry is released; max_template_date is
// the day before the target's CAMEO date, so no template from the target's own week or later is used. Targets
// whose entry is not released yet stay in a ledger and join a later week's run.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const DEFAULT_LISTING_URL = 'https://www.cameo3d.org';

export interface WeeklyTarget {
  /** CAMEO target id (2022-04-23_00000006_1). */
  target: string;
  /** PDB entry, upper case. */
  pdb: string;
  /** Author chain id in the entry. */
  chain: string;
  /** CAMEO's date of the target (the PDB pre-release Saturday), YYYY-MM-DD. */
  date: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function listingUrl(base: string, toDate: string): string {
  return `${base.replace(/\/+$/, '')}/modeling/targets/1-week/ajax/?to_date=${encodeURIComponent(toDate)}`;
}

/** The targets of a listing; a malformed row is an error naming the row and field. */
export function parseListing(text: string, source: string): WeeklyTarget[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not JSON (${(e as Error).message})`);
  }
  const rows = (doc as { aaData?: unknown })?.aaData;
  if (!Array.isArray(rows)) throw new Error(`${source}: expected { "aaData": [...] } (CAMEO's target listing)`);
  return rows.map((row, i): WeeklyTarget => {
    const r = row as Record<string, unknown>;
    const field = (name: string, pattern: RegExp): string => {
      const v = r?.[name];
      if (typeof v !== 'string' || !pattern.test(v))
        throw new Error(`${source}: aaData[${i}].${name}: unexpected value ${JSON.stringify(v)}`);
      return v;
    };
    return {
      target: field('target', /^[0-9A-Za-z_.-]{1,64}$/),
      pdb: field('pdbid', /^[0-9][A-Za-z0-9]{3}$/).toUpperCase(),
      chain: field('pdbid_chain', /^[A-Za-z0-9]{1,4}$/),
      date: field('date', DATE),
    };
  });
}

/** The day before a date (UTC), YYYY-MM-DD. */
export function dayBefore(date: string): string {
  const t = Date.parse(`${date}T00:00:00Z`);
  if (!DATE.test(date) || Number.isNaN(t)) throw new Error(`not a date: ${JSON.stringify(date)}`);
  return new Date(t - 86_400_000).toISOString().slice(0, 10);
}

/** One max_template_date for a run: the day before its earliest target (no target sees its own week). */
export function maxTemplateDateFor(targets: WeeklyTarget[]): string {
  if (!targets.length) throw new Error('no targets');
  return dayBefore(targets.map((t) => t.date).sort()[0]);
}

/** CAMEO-92's header convention, so split, the report and evaluate treat weekly targets alike. */
export function fastaRecord(t: WeeklyTarget, sequence: string): string {
  const lines = sequence.match(/.{1,60}/g) ?? [];
  return `>Cameo_3D target id: ${t.target} | pdbid: ${t.pdb} | chain: ${t.chain}\n${lines.join('\n')}\n`;
}

/** Targets seen but not predicted yet (entry not released), carried from one week to the next. */
export interface Ledger {
  pending: WeeklyTarget[];
  /** Target ids already written to a weekly FASTA. */
  done: string[];
}

export function readLedger(file: string): Ledger {
  try {
    const l = JSON.parse(readFileSync(file, 'utf8')) as Ledger;
    return { pending: Array.isArray(l.pending) ? l.pending : [], done: Array.isArray(l.done) ? l.done : [] };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { pending: [], done: [] };
    throw new Error(`${file}: not a weekly ledger (${(e as Error).message})`);
  }
}

export function writeLedger(file: string, l: Ledger): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(l, null, 2)}\n`);
  renameSync(tmp, file);
}

/** This week's targets plus the ledger's pending ones, without the targets already done. */
export function targetsToConsider(listed: WeeklyTarget[], ledger: Ledger): WeeklyTarget[] {
  const done = new Set(ledger.done);
  const byId = new Map<string, WeeklyTarget>();
  for (const t of [...ledger.pending, ...listed]) if (!done.has(t.target)) byId.set(t.target, t);
  return [...byId.values()];
}
