// The align step with the real tools (hmmer, hh-suite, mmseqs2) on tiny generated databases.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, missingTools, tempDir } from '../../helpers/env.js';
import { requires } from '../../helpers/gate.js';
import { DEMO_PROTEINS } from '../../../demo/data/sequences.js';
import { parseA3m, parseHhr, parseStockholm } from '../../../steps/align/formats.js';
import { sha256File } from '../../../steps/align/files.js';
import { readManifest, type AlignManifest } from '../../../steps/align/manifest.js';
import { ALIGN_TOOLS, demoDatabases, INSTALL, runCli, standIns, workspace, writeFasta, type Workspace } from './fixture.js';

const skip = missingTools(ALIGN_TOOLS, INSTALL);
const it = requires(skip);

const UBQ = DEMO_PROTEINS[0];
let dbDir = '';
let ws: Workspace;
let fasta = '';
let reference = ''; // an uninterrupted full_dbs run of ubiquitin

const manifestOf = (dir: string): AlignManifest => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const alignmentFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /\.(sto|a3m|hhr)$/.test(f))
    .sort();
// hhsearch stamps its output with the date and the command line (temporary paths): compare the rest.
const stable = (file: string, text: string) => (file.endsWith('.hhr') ? text.replace(/^(Date|Command) .*$/gm, '') : text);
function assertSameAlignments(a: string, b: string) {
  assert.equal(alignmentFiles(a), alignmentFiles(b));
  for (const f of alignmentFiles(a))
    assert.equal(stable(f, readFileSync(join(a, f), 'utf8')), stable(f, readFileSync(join(b, f), 'utf8')), f);
}
/** The one cache entry of these tests (every run aligns ubiquitin in full_dbs mode). */
function cacheEntryDir(): string {
  const entries = readdirSync(ws.cacheDir).filter((f) => !f.includes('.tmp-') && !f.includes('.old-'));
  assert.is(entries.length, 1, entries.join(', '));
  return join(ws.cacheDir, entries[0]);
}
const leftovers = (out: string) => readdirSync(out).filter((f) => f.startsWith('.tmp-') || f.includes('.old-'));

test.before(async () => {
  if (skip) return;
  dbDir = await demoDatabases();
  ws = workspace(dbDir);
  fasta = writeFasta(ws.mount, 'ubq.fasta', [[`${UBQ.id} ${UBQ.description}`, UBQ.sequence]]);
});

it('full_dbs: writes OpenFold-readable MSAs and templates with the query first, and a manifest of what ran', async () => {
  reference = join(ws.mount, 'ref');
  // With the cache: this run also fills it for the duplicate-sequence test.
  const r = await runCli(['align', '--fasta', fasta, '--out', reference, '--config', ws.config, '--cpu', '2']);
  assert.is(r.code, 0, r.stderr);
  const dir = join(reference, UBQ.id);
  assert.equal(alignmentFiles(dir), ['bfd_uniref_hits.a3m', 'mgnify_hits.sto', 'pdb70_hits.hhr', 'uniref90_hits.sto']);

  const uniref = parseStockholm(readFileSync(join(dir, 'uniref90_hits.sto'), 'utf8'));
  assert.is(uniref[0].name, UBQ.id);
  assert.is(uniref[0].sequence.replace(/-/g, ''), UBQ.sequence);
  const members = uniref.slice(1).filter((row) => row.name.startsWith(`UniRef90_SYN_${UBQ.id}_`));
  assert.ok(members.length >= 8, `family members found: ${members.length}`);
  assert.ok(!uniref.some((row) => row.name.includes('decoy')), 'no decoy passes the E-value');
  const mgnify = parseStockholm(readFileSync(join(dir, 'mgnify_hits.sto'), 'utf8'));
  assert.ok(mgnify.slice(1).every((row) => row.name.startsWith(`MGYP_SYN_${UBQ.id}_`)) && mgnify.length > 8);

  const bfd = parseA3m(readFileSync(join(dir, 'bfd_uniref_hits.a3m'), 'utf8'));
  assert.is(bfd[0].sequence, UBQ.sequence);
  assert.ok(bfd.length > 8);
  for (const row of bfd) assert.is(row.sequence.replace(/[a-z.]/g, '').length, UBQ.sequence.length, row.name);

  const hhr = parseHhr(readFileSync(join(dir, 'pdb70_hits.hhr'), 'utf8'));
  assert.is(hhr.matchColumns, UBQ.sequence.length);
  assert.match(hhr.hits[0].description, `template of the ${UBQ.id} family`);
  assert.ok(hhr.hits[0].probability > 90);
  assert.match(hhr.hits[0].name, /^0[0-9A-Z]{3}_A$/);

  const m = readManifest(dir)!;
  assert.ok(m, 'manifest valid');
  assert.is(m.tag, UBQ.id);
  assert.is(m.mode, 'full_dbs');
  assert.is(m.cached, false);
  assert.equal(Object.keys(m).sort(), [
    'cached',
    'completedAt',
    'databases',
    'mode',
    'msaDepth',
    'searches',
    'sequenceSha256',
    'tag',
    'tools',
    'version',
    'wallSeconds',
  ]);
  assert.equal(m.tools, { jackhmmer: '3.3.2', hhblits: '3.3.0', hhsearch: '3.3.0' });
  assert.equal(
    m.databases.map((d) => d.name),
    ['uniref90', 'mgnify', 'bfd', 'uniref30', 'pdb70'],
  );
  assert.equal(m.searches.map((s) => s.name).sort(), ['bfd_uniref', 'mgnify', 'pdb70', 'uniref90']);
  const jack = m.searches.find((s) => s.name === 'uniref90')!;
  assert.is(
    jack.flags[0],
    'jackhmmer -o /dev/null -A {work}/raw.sto --noali --F1 0.0005 --F2 5e-05 --F3 5e-07 --incE 0.0001 -E 0.0001 --cpu 1 -N 1 {query} {db:uniref90}',
  );
  assert.match(
    m.searches.find((s) => s.name === 'pdb70')!.flags[0],
    'hhsearch -i {work}/input.a3m -o {work}/output -maxseq 1000000 -cpu 1 -d {db:pdb70}',
  );
  assert.is(m.msaDepth['uniref90_hits.sto'], uniref.length);
  assert.is(m.msaDepth['bfd_uniref_hits.a3m'], bfd.length);
  assert.is(m.searches.find((s) => s.name === 'pdb70')!.depth, hhr.hits.length);
  assert.ok(m.wallSeconds > 0 && m.searches.every((s) => s.exitCode === 0 && s.seconds > 0));
  for (const s of m.searches) {
    assert.is(s.size, statSync(join(dir, s.output)).size, s.output);
    assert.is(s.sha256, await sha256File(join(dir, s.output)), s.output);
  }
  assert.equal(leftovers(reference), []);
  assert.not.ok(existsSync(join(reference, '.staging', UBQ.id)), 'staging removed');
});

// Stand-ins that fail loudly: a run that calls no tool still succeeds.
const noTools = () =>
  standIns(Object.fromEntries(['jackhmmer', 'hhblits', 'hhsearch', 'mmseqs'].map((t) => [t, `echo "${t} must not run" >&2; exit 99`])));

it('a rerun with a matching manifest invokes no tool and leaves the directory as it was', async () => {
  const before = readFileSync(join(reference, UBQ.id, 'manifest.json'), 'utf8');
  const r = await runCli(['align', '--fasta', fasta, '--out', reference, '--config', ws.config, '--no-cache'], {
    PATH: `${noTools()}:${process.env.PATH}`,
  });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'up to date');
  assert.is(readFileSync(join(reference, UBQ.id, 'manifest.json'), 'utf8'), before);
});

it('a duplicate sequence under another tag comes from the cache, copied (no file shared with the cache), without searching', async () => {
  const first = reference; // its run filled the cache
  const copy = writeFasta(ws.mount, 'copy.fasta', [['ubiquitin_again', UBQ.sequence]]);
  const out = join(ws.mount, 'run2');
  const r = await runCli(['align', '--fasta', copy, '--out', out, '--config', ws.config], { PATH: `${noTools()}:${process.env.PATH}` });
  assert.is(r.code, 0, r.stderr);
  const m = manifestOf(join(out, 'ubiquitin_again'));
  assert.is(m.cached, true);
  assert.is(m.tag, 'ubiquitin_again');
  assertSameAlignments(join(out, 'ubiquitin_again'), join(first, UBQ.id));
  const entry = cacheEntryDir();
  const ino = (p: string) => statSync(p).ino;
  assert.is.not(ino(join(out, 'ubiquitin_again', 'uniref90_hits.sto')), ino(join(entry, 'uniref90_hits.sto')));
  for (const f of readdirSync(entry)) assert.is(statSync(join(entry, f)).mode & 0o222, 0, `${f} in the cache is read-only`);
});

it('an alignment truncated in a run: the rerun finds it by its size and copies the cache entry again, which it never reached', async () => {
  const out = join(ws.mount, 'run2');
  const msa = join(out, 'ubiquitin_again', 'uniref90_hits.sto');
  const size = statSync(msa).size;
  truncateSync(msa, 0);
  assert.is(statSync(join(cacheEntryDir(), 'uniref90_hits.sto')).size, size, 'the cache entry is not poisoned');
  const copy = join(ws.mount, 'copy.fasta');
  const r = await runCli(['align', '--fasta', copy, '--out', out, '--config', ws.config], { PATH: `${noTools()}:${process.env.PATH}` });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, `changed since it was aligned: uniref90_hits.sto: size 0 bytes, recorded ${size}`);
  assert.match(r.stdout, 'from the cache');
  assertSameAlignments(join(out, 'ubiquitin_again'), join(reference, UBQ.id));
});

it('a poisoned cache entry (same size, other bytes) is found when used, removed, and the target searched again', async () => {
  const entry = cacheEntryDir();
  const msa = join(entry, 'uniref90_hits.sto');
  const text = readFileSync(msa, 'utf8');
  chmodSync(msa, 0o644);
  writeFileSync(msa, text.replace(/[A-Z]{20}/, 'W'.repeat(20))); // same size
  const third = writeFasta(ws.mount, 'third.fasta', [['ubiquitin_third', UBQ.sequence]]);
  const out = join(ws.mount, 'run3');
  const r = await runCli(['align', '--fasta', third, '--out', out, '--config', ws.config, '--cpu', '2']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /cache entry .* does not hold what it recorded \(.*uniref90_hits\.sto.*\): removed; searching/);
  assert.match(r.stdout, 'uniref90 (jackhmmer) started');
  const m = manifestOf(join(out, 'ubiquitin_third'));
  assert.is(m.cached, false);
  assert.equal(m.msaDepth, manifestOf(join(reference, UBQ.id)).msaDepth, 'the depths of the MSAs it holds');
  // The same search as the reference run's, under another query name.
  const rows = (dir: string) => parseA3m(readFileSync(join(dir, 'bfd_uniref_hits.a3m'), 'utf8')).map((r) => r.sequence);
  assert.equal(rows(join(out, 'ubiquitin_third')), rows(join(reference, UBQ.id)));
  const cachedNow = readFileSync(join(cacheEntryDir(), 'uniref90_hits.sto'), 'utf8');
  assert.is(cachedNow, readFileSync(join(out, 'ubiquitin_third', 'uniref90_hits.sto'), 'utf8'), 'the cache holds the new search');
});

it('--verify hashes every output: a same-size rewrite with its mtime put back passes a plain rerun, not --verify', async () => {
  const dir = join(ws.mount, 'run3', 'ubiquitin_third');
  const msa = join(dir, 'bfd_uniref_hits.a3m');
  const recorded = manifestOf(dir).searches.find((s) => s.output === 'bfd_uniref_hits.a3m')!;
  const intact = readFileSync(msa, 'utf8');
  writeFileSync(msa, readFileSync(msa, 'utf8').replace(/[A-Z]{10}/, 'W'.repeat(10)));
  utimesSync(msa, new Date(), (Date.parse(recorded.mtime) + 0.5) / 1000); // + half a millisecond: exact after rounding
  const args = ['align', '--fasta', join(ws.mount, 'third.fasta'), '--out', join(ws.mount, 'run3'), '--config', ws.config];
  const env = { PATH: `${noTools()}:${process.env.PATH}` };
  const plain = await runCli(args, env);
  assert.is(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, 'up to date');
  const verified = await runCli([...args, '--verify'], env);
  assert.is(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, /changed since it was aligned: bfd_uniref_hits\.a3m: sha256 /);
  assert.match(verified.stdout, 'from the cache');
  assert.is(readFileSync(msa, 'utf8'), intact);
});

function spawnGroup(args: string[]) {
  // Its own process group, so the test can SIGKILL the align process and every tool it started.
  return spawn(process.execPath, [CLI, ...args], { detached: true, stdio: 'ignore' });
}

it('killed midway (SIGKILL of the process tree): nothing partial is visible, and the rerun equals an uninterrupted run', async () => {
  const out = join(ws.mount, 'killed');
  const final = join(out, UBQ.id);
  const args = ['align', '--fasta', fasta, '--out', out, '--config', ws.config, '--cpu', '2', '--no-cache'];
  const seen: string[] = [];
  const watch = setInterval(() => {
    // Whenever the final name exists it must hold a complete, valid directory.
    if (existsSync(final)) seen.push(readManifest(final) ? 'complete' : `partial: ${readdirSync(final).join(',')}`);
  }, 5);
  const child = spawnGroup(args);
  const staged = join(out, '.staging', UBQ.id, 'uniref90.search.json');
  const deadline = Date.now() + 60_000;
  while (!existsSync(staged) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.ok(existsSync(staged), 'the uniref90 search finished before the kill');
  process.kill(-child.pid!, 'SIGKILL');
  await new Promise((r) => child.once('close', r));
  assert.not.ok(existsSync(final), 'no final directory after the kill');

  const rerun = await runCli(args);
  clearInterval(watch);
  assert.is(rerun.code, 0, rerun.stderr);
  assert.not.match(rerun.stdout, 'uniref90 (jackhmmer) started', 'the staged search is reused');
  assert.ok(
    seen.every((s) => s === 'complete'),
    seen.find((s) => s !== 'complete'),
  );
  assertSameAlignments(final, join(reference, UBQ.id));
  assert.equal(leftovers(out), []);
});

it('a failing tool: one message with the tool, its exit code and the tail of its stderr; exit 1', async () => {
  // A real failure: jackhmmer cannot parse a corrupted MGnify file.
  const root = tempDir('ofa-baddb-');
  for (const d of readdirSync(dbDir)) if (d !== 'mgnify') symlinkSync(join(dbDir, d), join(root, d));
  mkdirSync(join(root, 'mgnify'));
  writeFileSync(join(root, 'mgnify', 'mgy_clusters_2022_05.fa'), 'this is not a FASTA file\n');
  const bad = workspace(root);
  const r = await runCli(['align', '--fasta', fasta, '--out', join(bad.mount, 'out'), '--config', bad.config, '--no-cache']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /openfold-argo align: jackhmmer \(mgnify\) failed with exit code \d+; stderr ends with:\n/);
  assert.match(r.stderr, /[Pp]arse failed|FASTA/);
  assert.not.ok(existsSync(join(bad.mount, 'out', UBQ.id)));
});

it('a tool killed by a signal (OOM) makes align exit 137', async () => {
  const oom = standIns({ hhblits: 'kill -KILL $$' }); // test double: dies as the OOM killer would leave it
  const out = join(ws.mount, 'oom');
  const r = await runCli(['align', '--fasta', fasta, '--out', out, '--config', ws.config, '--no-cache'], {
    PATH: `${oom}:${process.env.PATH}`,
  });
  assert.is(r.code, 137, r.stderr);
  assert.match(r.stderr, 'hhblits (bfd_uniref) was killed by SIGKILL');
  assert.not.ok(existsSync(join(out, UBQ.id)));
});

it('mmseqs mode: a ColabFold-style A3M and templates from it; a corrupted manifest is not trusted', async () => {
  const out = join(ws.mount, 'mm');
  const args = ['align', '--fasta', fasta, '--out', out, '--config', ws.config, '--mode', 'mmseqs', '--no-cache'];
  const r = await runCli(args);
  assert.is(r.code, 0, r.stderr);
  const dir = join(out, UBQ.id);
  assert.equal(alignmentFiles(dir), ['pdb70_hits.hhr', 'uniref.a3m']);
  const msa = parseA3m(readFileSync(join(dir, 'uniref.a3m'), 'utf8'));
  assert.is(msa[0].name, UBQ.id);
  assert.is(msa[0].sequence, UBQ.sequence);
  assert.ok(msa.slice(1).filter((x) => x.name.startsWith(`UniRef30_SYN_${UBQ.id}_`)).length >= 8);
  assert.match(parseHhr(readFileSync(join(dir, 'pdb70_hits.hhr'), 'utf8')).hits[0].description, `${UBQ.id} family`);
  const m = manifestOf(dir);
  assert.is(m.mode, 'mmseqs');
  assert.equal(Object.keys(m.tools).sort(), ['hhsearch', 'mmseqs']);
  const before = readFileSync(join(dir, 'uniref.a3m'), 'utf8');

  writeFileSync(join(dir, 'manifest.json'), '{"version": 1, "tag": "ubiq'); // truncated
  const redo = await runCli(args);
  assert.is(redo.code, 0, redo.stderr);
  assert.match(redo.stdout, 'has no valid manifest: aligning again');
  assert.match(redo.stdout, 'uniref30_mmseqs (mmseqs) started');
  assert.ok(readManifest(dir));
  assert.is(readFileSync(join(dir, 'uniref.a3m'), 'utf8'), before);
});

it('pipeline form: --plan/--group with per-search fan-out (--search, then --finalize)', async () => {
  const run = join(ws.mount, 'runs', 'r1');
  const gb1 = DEMO_PROTEINS[1];
  writeFasta(join(run, 'split', 'fasta'), `${gb1.id}.fasta`, [[gb1.id, gb1.sequence]]);
  const plan = join(run, 'split', 'plan.json');
  writeFileSync(plan, JSON.stringify({ version: 1, alignGroups: [{ id: 0, tags: [gb1.id] }], chunks: [] }));
  const out = join(run, 'alignments');
  const base = ['align', '--plan', plan, '--group', '0', '--out', out, '--config', ws.config, '--mode', 'mmseqs', '--no-cache'];

  const early = await runCli([...base, '--search', 'pdb70']);
  assert.is(early.code, 1);
  assert.match(early.stderr, 'needs uniref30_mmseqs first');
  assert.is((await runCli([...base, '--search', 'uniref30_mmseqs'])).code, 0);
  assert.is((await runCli([...base, '--search', 'pdb70'])).code, 0);
  assert.not.ok(existsSync(join(out, gb1.id)), 'nothing under the final name before --finalize');
  const fin = await runCli([...base, '--finalize']);
  assert.is(fin.code, 0, fin.stderr);
  const m = manifestOf(join(out, gb1.id));
  assert.equal(m.searches.map((s) => s.name).sort(), ['pdb70', 'uniref30_mmseqs']);
  assert.ok(m.msaDepth['uniref.a3m'] > 5);

  const missing = await runCli([...base.slice(0, 4), '7', ...base.slice(5)]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, 'no align group "7"');
});

it('mmseqs mode, an align group: one MMseqs2 search for all its targets, the same A3Ms as each searched alone', async () => {
  const run = join(ws.mount, 'runs', 'batch');
  const targets = DEMO_PROTEINS.slice(0, 2);
  for (const t of targets) writeFasta(join(run, 'split', 'fasta'), `${t.id}.fasta`, [[t.id, t.sequence]]);
  const plan = join(run, 'split', 'plan.json');
  writeFileSync(plan, JSON.stringify({ version: 1, alignGroups: [{ id: 0, tags: targets.map((t) => t.id) }], chunks: [] }));
  const out = join(run, 'alignments');
  const mode = ['--config', ws.config, '--mode', 'mmseqs', '--no-cache'];
  const r = await runCli(['align', '--plan', plan, '--group', '0', '--out', out, ...mode]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'uniref30_mmseqs (mmseqs) of 2 targets as one search started');
  assert.not.match(r.stdout, 'uniref30_mmseqs (mmseqs) started', 'no target searched on its own');
  assert.equal(readdirSync(out).sort(), targets.map((t) => t.id).sort(), 'nothing else left in the alignments folder');
  for (const t of targets) {
    const m = manifestOf(join(out, t.id));
    assert.is(m.searches.find((s) => s.name === 'uniref30_mmseqs')!.batch, 2);
    const alone = join(run, 'alone');
    const single = await runCli(['align', '--fasta', join(run, 'split', 'fasta', `${t.id}.fasta`), '--out', alone, ...mode]);
    assert.is(single.code, 0, single.stderr);
    assert.not.match(single.stdout, 'as one search');
    assertSameAlignments(join(out, t.id), join(alone, t.id));
    assert.is(parseA3m(readFileSync(join(out, t.id, 'uniref.a3m'), 'utf8'))[0].name, t.id);
  }
});

test.run();
