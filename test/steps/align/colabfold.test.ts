// mmseqs mode on databases in ColabFold's layout (real MMseqs2 and hh-suite): the expandable UniRef30 build
// (cluster representatives + _seq + _aln) and the environmental database, searched as colabfold_search.sh
// does: from the UniRef30 search's query profile, clusters expanded to their members.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../../generators/config/load.js';
import { DEMO_PROTEINS } from '../../../demo/data/sequences.js';
import { parseA3m, parseHhr } from '../../../steps/align/formats.js';
import type { AlignManifest } from '../../../steps/align/manifest.js';
import { missingTools } from '../../helpers/env.js';
import { requires } from '../../helpers/gate.js';
import { ALIGN_TOOLS, demoDatabases, INSTALL, runCli, TINY, workspace, writeFasta, type Workspace } from './fixture.js';

const skip = missingTools(ALIGN_TOOLS, INSTALL);
const it = requires(skip);

const ENV = 'colabfold_env/colabfold_envdb_202108_db';
const ENV_A3M = 'bfd.mgnify30.metaeuk30.smag30.a3m';
const UBQ = DEMO_PROTEINS[0];
let ws: Workspace;
let fasta = '';

const manifestOf = (dir: string): AlignManifest => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const a3mNames = (file: string) => parseA3m(readFileSync(file, 'utf8')).map((r) => r.name);

/** Names of the sequences an MMseqs2 database holds (its keys, named through the _seq lookup). */
function sequenceNames(prefix: string): Set<string> {
  const names = new Map(
    readFileSync(`${prefix}_seq.lookup`, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t') as [string, string]),
  );
  const keys = readFileSync(`${prefix}.index`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[0]);
  return new Set(keys.map((k) => names.get(k)!));
}

test.before(async () => {
  if (skip) return;
  const paths = { ...resolveConfig({}).databases.paths, colabfoldEnv: ENV };
  const dbDir = await demoDatabases({ ...TINY, only: ['uniref30Mmseqs', 'colabfoldEnv', 'pdb70'], mmseqsLayout: 'colabfold', paths });
  ws = workspace(dbDir, { databases: { preset: 'mmseqs', paths: { colabfoldEnv: ENV } } });
  fasta = writeFasta(ws.mount, 'ubq.fasta', [[UBQ.id, UBQ.sequence]]);
});

it('expandable UniRef30 and the environmental database: both A3Ms hold cluster members the search never hit directly', async () => {
  const out = join(ws.mount, 'one-pod');
  const r = await runCli(['align', '--fasta', fasta, '--out', out, '--config', ws.config, '--mode', 'mmseqs', '--no-cache', '--cpu', '2']);
  assert.is(r.code, 0, r.stderr);
  const dir = join(out, UBQ.id);
  assert.equal(readdirSync(dir).sort(), [ENV_A3M, 'manifest.json', 'pdb70_hits.hhr', 'uniref.a3m']);

  for (const [file, prefix, db] of [
    ['uniref.a3m', 'UniRef30_SYN', 'mmseqs/uniref30_2103_db'],
    [ENV_A3M, 'ENV_SYN', ENV],
  ]) {
    const msa = parseA3m(readFileSync(join(dir, file), 'utf8'));
    assert.is(msa[0].name, UBQ.id, file);
    assert.is(msa[0].sequence, UBQ.sequence, file);
    const members = msa.slice(1).map((x) => x.name);
    assert.ok(members.filter((n) => n.startsWith(`${prefix}_${UBQ.id}_`)).length >= 8, `${file}: ${members.join(' ')}`);
    // Only cluster representatives can be hits of the search; members came from expandaln.
    const representatives = sequenceNames(join(ws.databases, db));
    assert.ok(
      members.some((n) => !representatives.has(n)),
      `${file}: no expanded member among ${members.length}`,
    );
  }
  assert.match(parseHhr(readFileSync(join(dir, 'pdb70_hits.hhr'), 'utf8')).hits[0].description, `${UBQ.id} family`);

  const m = manifestOf(dir);
  assert.equal(
    m.searches.map((s) => s.name),
    ['uniref30_mmseqs', 'colabfold_env', 'pdb70'],
  );
  const env = m.searches.find((s) => s.name === 'colabfold_env')!.flags.join('\n');
  assert.match(env, 'mmseqs search {work}/prof_res {db:colabfoldEnv} {work}/res_env {work}/tmp --num-iterations 3');
  assert.match(env, 'mmseqs expandaln {work}/prof_res {db:colabfoldEnv}_seq {work}/res_env {db:colabfoldEnv}_aln');
  assert.match(env, 'mmseqs align {work}/tmp/latest/profile_1 {db:colabfoldEnv}_seq');
  assert.ok(m.msaDepth[ENV_A3M] > 8 && m.msaDepth['uniref.a3m'] > 8);
  assert.equal(
    m.databases.map((d) => d.name),
    ['uniref30Mmseqs', 'colabfoldEnv', 'pdb70'],
  );
});

it('per-database fan-out: the environmental search waits for the staged query profile, then gives the same A3M', async () => {
  const run = join(ws.mount, 'runs', 'r1');
  writeFasta(join(run, 'split', 'fasta'), `${UBQ.id}.fasta`, [[UBQ.id, UBQ.sequence]]);
  const plan = join(run, 'split', 'plan.json');
  writeFileSync(plan, JSON.stringify({ version: 1, alignGroups: [{ id: 0, tags: [UBQ.id] }], chunks: [] }));
  const out = join(run, 'alignments');
  const base = [
    'align',
    '--plan',
    plan,
    '--group',
    '0',
    '--out',
    out,
    '--config',
    ws.config,
    '--mode',
    'mmseqs',
    '--no-cache',
    '--cpu',
    '2',
  ];

  const early = await runCli([...base, '--search', 'colabfold_env']);
  assert.is(early.code, 1);
  assert.match(early.stderr, 'needs uniref30_mmseqs first');
  for (const search of ['uniref30_mmseqs', 'colabfold_env', 'pdb70']) {
    const r = await runCli([...base, '--search', search]);
    assert.is(r.code, 0, `${search}: ${r.stderr}`);
  }
  const fin = await runCli([...base, '--finalize']);
  assert.is(fin.code, 0, fin.stderr);
  for (const f of ['uniref.a3m', ENV_A3M]) {
    assert.equal(a3mNames(join(out, UBQ.id, f)), a3mNames(join(ws.mount, 'one-pod', UBQ.id, f)), f);
    assert.is(readFileSync(join(out, UBQ.id, f), 'utf8'), readFileSync(join(ws.mount, 'one-pod', UBQ.id, f), 'utf8'), f);
  }
  assert.equal(readdirSync(out), [UBQ.id], 'the staging folder (query profile included) is gone');
});

test.run();
