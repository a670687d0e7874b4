// `openfold-argo cameo week`: the weekly benchmark's input. Fetches CAMEO's listing for the week, the listed
// entries' mmCIF files (the references, which also give the SEQRES), and writes the FASTA of every target whose
// entry is out, with the max_template_date for the run; targets not released yet wait in the ledger.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chainSequences } from '../steps/evaluate/evaluate.js';
import { fetchReferences, type ReferenceOutcome } from './references.js';
import {
  fastaRecord,
  listingUrl,
  maxTemplateDateFor,
  parseListing,
  readLedger,
  targetsToConsider,
  writeLedger,
  type WeeklyTarget,
} from './weekly.js';

export interface PrepareWeekOptions {
  /** The listing's to_date (YYYY-MM-DD). */
  date: string;
  listingBase: string;
  referencesDir: string;
  referencesUrl?: string;
  ledgerFile: string;
  /** The FASTA to write. */
  out: string;
  fetchImpl?: typeof fetch;
}

export interface PreparedWeek {
  listed: number;
  written: WeeklyTarget[];
  pending: { target: WeeklyTarget; reason: string }[];
  skipped: { target: WeeklyTarget; reason: string }[];
  /** null when no target could be written. */
  maxTemplateDate: string | null;
  fasta: string | null;
}

function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export async function prepareWeek(o: PrepareWeekOptions): Promise<PreparedWeek> {
  const doFetch = o.fetchImpl ?? fetch;
  const url = listingUrl(o.listingBase, o.date);
  let text: string;
  try {
    const res = await doFetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    text = await res.text();
  } catch (e) {
    throw new Error(`cannot read CAMEO's target listing ${url}: ${(e as Error).message}`);
  }
  const listed = parseListing(text, url);
  const ledger = readLedger(o.ledgerFile);
  const considered = targetsToConsider(listed, ledger);
  const outcomes = new Map<string, ReferenceOutcome>(
    (await fetchReferences({ ids: considered.map((t) => t.pdb), dir: o.referencesDir, baseUrl: o.referencesUrl, fetchImpl: doFetch })).map(
      (r) => [r.pdb, r],
    ),
  );
  const written: WeeklyTarget[] = [];
  const records: string[] = [];
  const pending: PreparedWeek['pending'] = [];
  const skipped: PreparedWeek['skipped'] = [];
  const sequences = new Map<string, Record<string, string>>();
  for (const t of considered) {
    const ref = outcomes.get(t.pdb);
    if (!ref || ref.status === 'not_released' || ref.status === 'failed') {
      pending.push({ target: t, reason: ref && 'reason' in ref ? ref.reason : 'no reference outcome' });
      continue;
    }
    if (!sequences.has(t.pdb)) sequences.set(t.pdb, await chainSequences(ref.file));
    const sequence = sequences.get(t.pdb)?.[t.chain];
    if (!sequence) {
      skipped.push({ target: t, reason: `${t.pdb} has no protein chain ${t.chain}` });
      continue;
    }
    written.push(t);
    records.push(fastaRecord(t, sequence));
  }
  if (records.length) writeAtomic(o.out, records.join(''));
  writeLedger(o.ledgerFile, {
    pending: pending.map((p) => p.target),
    done: [...new Set([...ledger.done, ...written.map((t) => t.target), ...skipped.map((s) => s.target.target)])],
  });
  return {
    listed: listed.length,
    written,
    pending,
    skipped,
    maxTemplateDate: written.length ? maxTemplateDateFor(written) : null,
    fasta: records.length ? o.out : null,
  };
}

/** Output parameters for the workflow: one small file each (fasta, max-template-date, targets). */
export function writeWeekOutputs(dir: string, week: PreparedWeek): void {
  writeAtomic(join(dir, 'fasta'), week.fasta ?? '');
  writeAtomic(join(dir, 'max-template-date'), week.maxTemplateDate ?? '');
  writeAtomic(join(dir, 'targets'), String(week.written.length));
}
