// `openfold-argo cameo fetch|references|week`: the CAMEO-92 regression set, the reference structures, and the
// weekly benchmark's input from CAMEO's current target listing.
import { copyFileSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { CAMEO_SOURCE, fetchCameoTargets } from '../../cameo/targets.js';
import { DEFAULT_REFERENCES_URL, fetchReferences, pdbIdsOfFasta, readLock, type ReferenceOutcome } from '../../cameo/references.js';
import { DEFAULT_LISTING_URL } from '../../cameo/weekly.js';
import { prepareWeek, writeWeekOutputs } from '../../cameo/week.js';

const USAGE = `usage: openfold-argo cameo fetch [--out FILE] [--url URL] [--cache-dir DIR] [--references DIR] [REFERENCE OPTIONS]
       openfold-argo cameo references --fasta FILE --references DIR [REFERENCE OPTIONS]
       openfold-argo cameo week --out FASTA --references DIR [--date YYYY-MM-DD] [--listing-url URL]
                                [--ledger FILE] [--outputs-dir DIR] [--references-url URL]

fetch       the CAMEO-92 regression set (92 targets, 2022-04-09..2022-07-02; sha256-verified, cached); with
            --references DIR also the PDB entries its headers name, as DIR/<id>.cif.gz
references  the reference mmCIF files of the entries a FASTA's headers name ("pdbid: 7ELF | chain: C")
week        this week's targets from CAMEO's listing (<listing-url>/modeling/targets/1-week/ajax/?to_date=DATE,
            default ${DEFAULT_LISTING_URL}, DATE default today): downloads their entries into --references,
            writes the FASTA of every target whose entry is out (its chain's SEQRES) and prints the run's
            max-template-date (the day before its earliest target); targets not out yet wait in --ledger
            (default: DIR/cameo-weekly-ledger.json) for a later week. --outputs-dir writes fasta,
            max-template-date and targets as files (the workflow's output parameters).

REFERENCE OPTIONS: --references-url URL (default ${DEFAULT_REFERENCES_URL}: GET URL/<ID>.cif.gz)
                   --lock FILE (pinned {"<ID>": "<sha256>"}; every download is also recorded in DIR/references.lock.json
                   and checked on later fetches)`;

function printReferences(outcomes: ReferenceOutcome[]): number {
  const by = (s: ReferenceOutcome['status']) => outcomes.filter((o) => o.status === s);
  for (const o of outcomes) if (o.status === 'failed' || o.status === 'not_released') console.error(`${o.pdb}: ${o.reason}`);
  console.log(
    `references: ${by('downloaded').length} downloaded, ${by('present').length} present, ${by('not_released').length} not released yet, ${by('failed').length} failed`,
  );
  return by('failed').length ? 1 : 0;
}

async function references(fasta: string, dir: string, url: string | undefined, lock: string | undefined): Promise<number> {
  const ids = pdbIdsOfFasta(readFileSync(fasta, 'utf8'));
  if (!ids.length) throw new UserError(`${fasta}: no header names a PDB entry ("pdbid: XXXX")`);
  let pinned: Record<string, string> | undefined;
  try {
    pinned = lock ? readLock(lock) : undefined;
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  return printReferences(await fetchReferences({ ids, dir: resolve(dir), baseUrl: url, lock: pinned }));
}

export const command: Command = {
  summary: 'CAMEO: the CAMEO-92 set, reference structures, and the weekly targets from the current listing',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        url: { type: 'string' },
        'cache-dir': { type: 'string' },
        fasta: { type: 'string' },
        references: { type: 'string' },
        'references-url': { type: 'string' },
        lock: { type: 'string' },
        date: { type: 'string' },
        'listing-url': { type: 'string' },
        ledger: { type: 'string' },
        'outputs-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const sub = positionals[0];
    if (values.help || !['fetch', 'references', 'week'].includes(sub ?? '') || positionals.length !== 1) {
      console.log(USAGE);
      return values.help ? 0 : 2;
    }
    if (sub === 'references') {
      if (!values.fasta || !values.references) throw new UserError(`references needs --fasta and --references\n${USAGE}`);
      return references(values.fasta, values.references, values['references-url'], values.lock);
    }
    if (sub === 'week') {
      if (!values.out || !values.references) throw new UserError(`week needs --out and --references\n${USAGE}`);
      const date = values.date ?? new Date().toISOString().slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new UserError(`--date: expected YYYY-MM-DD, got ${JSON.stringify(date)}`);
      const dir = resolve(values.references);
      let week;
      try {
        week = await prepareWeek({
          date,
          listingBase: values['listing-url'] ?? DEFAULT_LISTING_URL,
          referencesDir: dir,
          referencesUrl: values['references-url'],
          ledgerFile: resolve(values.ledger ?? join(dir, 'cameo-weekly-ledger.json')),
          out: resolve(values.out),
        });
      } catch (e) {
        if (e instanceof UserError) throw e;
        throw new UserError((e as Error).message, 1);
      }
      if (values['outputs-dir']) writeWeekOutputs(values['outputs-dir'], week);
      for (const p of week.pending) console.error(`pending ${p.target.target} (${p.target.pdb} ${p.target.chain}): ${p.reason}`);
      for (const s of week.skipped) console.error(`skipped ${s.target.target}: ${s.reason}`);
      console.log(
        `CAMEO week to ${date}: ${week.listed} listed, ${week.written.length} written` +
          (week.fasta ? ` to ${week.fasta} (max-template-date ${week.maxTemplateDate})` : '') +
          `, ${week.pending.length} pending, ${week.skipped.length} skipped`,
      );
      return 0;
    }
    let file: string;
    try {
      file = await fetchCameoTargets({ url: values.url, cacheDir: values['cache-dir'] });
    } catch (e) {
      throw new UserError((e as Error).message, 1);
    }
    if (values.out) {
      mkdirSync(dirname(values.out), { recursive: true });
      const tmp = `${values.out}.tmp-${process.pid}`;
      copyFileSync(file, tmp);
      renameSync(tmp, values.out);
      file = values.out;
    }
    console.log(
      `${file} (${CAMEO_SOURCE.targets} targets, sha256 ${CAMEO_SOURCE.sha256.slice(0, 12)}…, max-template-date ${CAMEO_SOURCE.maxTemplateDate})`,
    );
    return values.references ? references(file, values.references, values['references-url'], values.lock) : 0;
  },
};
