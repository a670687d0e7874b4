// The weekly CAMEO benchmark's input and the reference structures, against a loopback server that serves a
// recorded CAMEO listing (test/fixtures/cameo, PROVENANCE.md) and deposited structures under RCSB's layout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../helpers/gate.js';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { fetchReferences, pdbIdsOfFasta, readLock } from '../../cameo/references.js';
import { dayBefore, maxTemplateDateFor, parseListing, readLedger } from '../../cameo/weekly.js';
import { prepareWeek } from '../../cameo/week.js';
import { CLI, ROOT, tempDir } from '../helpers/env.js';
import { missingEvaluatePython } from '../steps/evaluate/helpers.js';

const exec = promisify(execFile);
const FIXTURES = join(ROOT, 'test', 'fixtures');
const withPython = requires(missingEvaluatePython());

// RCSB's layout: /download/<ID>.cif.gz. 7CTX (the recorded listing row) is not served: "not released yet".
const served: Record<string, Buffer> = {
  '5EEP': gzipSync(readFileSync(join(FIXTURES, 'structures', '5eep_A.pdb'))),
  '2GTL': gzipSync(readFileSync(join(FIXTURES, 'structures', '2gtl_AD.cif'))),
  '1NI7': gzipSync(readFileSync(join(FIXTURES, 'structures', '1ni7_model1.pdb'))),
};
const requests: string[] = [];
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  requests.push(url.pathname + url.search);
  const listing = /^\/modeling\/targets\/1-week\/ajax\/$/.test(url.pathname) && url.searchParams.get('to_date');
  if (listing) {
    const file = join(FIXTURES, 'cameo', `listing-1-week-${listing}.json`);
    if (existsSync(file)) return res.end(readFileSync(file));
  }
  const entry = /^\/download\/([0-9A-Z]{4})\.cif\.gz$/.exec(url.pathname)?.[1];
  if (entry && served[entry]) return res.end(served[entry]);
  res.statusCode = 404;
  res.end('not found');
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

test('the recorded listing parses; a malformed row is named', () => {
  const text = readFileSync(join(FIXTURES, 'cameo', 'listing-1-week-2022-04-30.json'), 'utf8');
  assert.equal(parseListing(text, 'listing')[0], { target: '2022-04-23_00000006_1', pdb: '7CTX', chain: 'B', date: '2022-04-23' });
  assert.throws(
    () => parseListing('{"aaData":[{"target":"t","pdbid":"7ctx","pdbid_chain":"B","date":"23.04.2022"}]}', 'L'),
    /L: aaData\[0\]\.date/,
  );
  assert.throws(() => parseListing('{"data":[]}', 'L'), /expected \{ "aaData"/);
});

test('max_template_date is the day before the earliest target', () => {
  assert.is(dayBefore('2022-03-01'), '2022-02-28');
  assert.is(dayBefore('2024-03-01'), '2024-02-29');
  assert.is(dayBefore('2023-01-01'), '2022-12-31');
  const t = (date: string) => ({ target: date, pdb: '1ABC', chain: 'A', date });
  assert.is(maxTemplateDateFor([t('2022-04-30'), t('2022-04-23')]), '2022-04-22');
});

test('references: downloaded once, recorded in the lock, verified; a pinned mismatch is refused; 404 is not released', async () => {
  const dir = tempDir();
  const first = await fetchReferences({ ids: ['5eep', '7ctx', '2GTL'], dir, baseUrl: `${base}/download` });
  assert.equal(
    first.map((o) => [o.pdb, o.status]),
    [
      ['5EEP', 'downloaded'],
      ['7CTX', 'not_released'],
      ['2GTL', 'downloaded'],
    ],
  );
  assert.equal(Object.keys(readLock(join(dir, 'references.lock.json'))), ['2GTL', '5EEP']);
  const before = requests.length;
  const again = await fetchReferences({ ids: ['5EEP'], dir, baseUrl: `${base}/download` });
  assert.is(again[0].status, 'present');
  assert.is(requests.length, before, 'served from the folder');
  writeFileSync(join(dir, '5eep.cif.gz'), 'tampered');
  assert.is((await fetchReferences({ ids: ['5EEP'], dir, baseUrl: `${base}/download` }))[0].status, 'downloaded');
  const pinned = await fetchReferences({ ids: ['1NI7'], dir: tempDir(), baseUrl: `${base}/download`, lock: { '1NI7': '0'.repeat(64) } });
  assert.is(pinned[0].status, 'failed');
  assert.match(pinned[0].status === 'failed' ? pinned[0].reason : '', /expected 0000.*refusing/);
  assert.equal(pdbIdsOfFasta('>Cameo_3D target id: x | pdbid: 7elf | chain: C\nMK\n>y pdbid: 7ELF\nMK\n'), ['7ELF']);
});

withPython('a week: released targets written with their SEQRES, the rest wait in the ledger for a later week', async () => {
  const dir = tempDir();
  const references = join(dir, 'references');
  const ledgerFile = join(dir, 'ledger.json');
  const week1 = await prepareWeek({
    date: '2022-04-30',
    listingBase: base,
    referencesDir: references,
    referencesUrl: `${base}/download`,
    ledgerFile,
    out: join(dir, 'week1.fasta'),
  });
  assert.is(week1.listed, 3);
  assert.equal(
    week1.written.map((t) => t.pdb),
    ['5EEP', '2GTL'],
  );
  assert.equal(
    week1.pending.map((p) => p.target.pdb),
    ['7CTX'],
  );
  assert.is(week1.maxTemplateDate, '2022-04-22');
  const fasta = readFileSync(join(dir, 'week1.fasta'), 'utf8');
  assert.match(fasta, '>Cameo_3D target id: 2022-04-23_00000102_1 | pdbid: 2GTL | chain: D\nECLVTESLKVKL');
  assert.is(fasta.split('\n').filter((l) => l.startsWith('>')).length, 2);

  const week2 = await prepareWeek({
    date: '2022-05-07',
    listingBase: base,
    referencesDir: references,
    referencesUrl: `${base}/download`,
    ledgerFile,
    out: join(dir, 'week2.fasta'),
  });
  // 7CTX still pending (not served), 5EEP already done, 1NI7 new
  assert.equal(
    week2.written.map((t) => t.target),
    ['2022-04-30_00000201_1'],
  );
  assert.equal(
    readLedger(ledgerFile).pending.map((t) => t.pdb),
    ['7CTX'],
  );
  assert.is(week2.maxTemplateDate, '2022-04-29');
});

withPython('cameo week through the CLI writes the workflow outputs; a listing that is not there fails naming it', async () => {
  const dir = tempDir();
  const args = ['cameo', 'week', '--out', join(dir, 'w.fasta'), '--references', join(dir, 'refs'), '--listing-url', base];
  const { stdout } = await exec(process.execPath, [
    CLI,
    ...args,
    '--date',
    '2022-04-30',
    '--references-url',
    `${base}/download`,
    '--outputs-dir',
    join(dir, 'out'),
  ]);
  assert.match(stdout, '3 listed, 2 written');
  assert.is(readFileSync(join(dir, 'out', 'max-template-date'), 'utf8'), '2022-04-22');
  assert.is(readFileSync(join(dir, 'out', 'targets'), 'utf8'), '2');
  assert.is(readFileSync(join(dir, 'out', 'fasta'), 'utf8'), join(dir, 'w.fasta'));
  const err = await exec(process.execPath, [CLI, ...args, '--date', '2031-01-04']).catch((e) => e);
  assert.is(err.code, 1);
  assert.match(err.stderr, /cannot read CAMEO's target listing .*to_date=2031-01-04: HTTP 404/);
});

test('cameo references through the CLI: the entries a FASTA names; 404 is reported, not a failure', async () => {
  const dir = tempDir();
  const fasta = join(dir, 'targets.fasta');
  writeFileSync(fasta, '>Cameo_3D target id: a | pdbid: 5EEP | chain: A\nMK\n>Cameo_3D target id: b | pdbid: 7CTX | chain: B\nMK\n');
  const args = [CLI, 'cameo', 'references', '--fasta', fasta, '--references', join(dir, 'refs'), '--references-url', `${base}/download`];
  const r = await exec(process.execPath, args);
  assert.match(r.stdout, 'references: 1 downloaded, 0 present, 1 not released yet, 0 failed');
  assert.match(r.stderr, '7CTX: ');
  assert.ok(existsSync(join(dir, 'refs', '5eep.cif.gz')));
  const locked = await exec(process.execPath, [...args, '--lock', fasta]).catch((e) => e);
  assert.is(locked.code, 2);
  assert.match(locked.stderr, /targets\.fasta: /);
});

test.after(() => {
  server.close();
});

test.run();
