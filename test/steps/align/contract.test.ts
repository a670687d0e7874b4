// The search plan per mode and the manifest identity rules (pure).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../../generators/config/load.js';
import { SEARCHES, searchesFor } from '../../../steps/align/contract.js';
import {
  comparableFlags,
  databaseIdentity,
  identityKey,
  mismatch,
  readManifest,
  type AlignIdentity,
  type AlignManifest,
} from '../../../steps/align/manifest.js';
import { recipe, recipeFlags } from '../../../steps/align/searches.js';
import { tempDir } from '../../helpers/env.js';

const paths = resolveConfig({}).databases.paths;

test('searches per mode, their outputs and dependencies', () => {
  assert.equal(
    searchesFor('full_dbs', paths).map((s) => [s.name, s.output, s.after]),
    [
      ['uniref90', 'uniref90_hits.sto', []],
      ['mgnify', 'mgnify_hits.sto', []],
      ['bfd_uniref', 'bfd_uniref_hits.a3m', []],
      ['pdb70', 'pdb70_hits.hhr', ['uniref90']],
    ],
  );
  assert.equal(
    searchesFor('mmseqs', paths).map((s) => s.name),
    ['uniref30_mmseqs', 'pdb70'],
  );
  assert.equal(
    searchesFor('mmseqs', { ...paths, colabfoldEnv: 'colabfold/colabfold_envdb_202108_db' }).map((s) => s.output),
    ['uniref.a3m', 'bfd.mgnify30.metaeuk30.smag30.a3m', 'pdb70_hits.hhr'],
  );
  // Every dependency exists in the same mode and comes earlier.
  for (const specs of Object.values(SEARCHES)) {
    specs.forEach((s, i) => s.after.forEach((a) => assert.ok(specs.findIndex((x) => x.name === a) < i)));
  }
});

test("OpenFold's command lines, --cpu applied", () => {
  const [uniref90, mgnify, bfd, pdb70] = searchesFor('full_dbs', paths);
  assert.equal(recipe(uniref90, 4).calls[0].args.slice(0, 19), [
    ...['-o', '/dev/null', '-A', '{work}/raw.sto', '--noali', '--F1', '0.0005', '--F2', '5e-05', '--F3', '5e-07'],
    ...['--incE', '0.0001', '-E', '0.0001', '--cpu', '4', '-N', '1'],
  ]);
  assert.equal(recipe(mgnify, 1).finish, { kind: 'truncate-stockholm', from: '{work}/raw.sto', max: 5000 });
  assert.equal(recipe(uniref90, 1).finish, { kind: 'truncate-stockholm', from: '{work}/raw.sto', max: 10000 });
  assert.equal(recipeFlags(recipe(bfd, 3)), [
    'hhblits -i {query} -cpu 3 -oa3m {work}/output -o /dev/null -n 3 -e 0.001 -maxseq 1000000 -realign_max 100000 -maxfilt 100000 -min_prefilter_hits 1000 -d {db:bfd} -d {db:uniref30}',
  ]);
  assert.is(recipe(pdb70, 2).prepare, 'stockholm-to-a3m');
  const mm = searchesFor('mmseqs', paths);
  assert.is(recipe(mm[1], 2).prepare, 'copy-a3m');
  assert.match(
    recipeFlags(recipe(mm[0], 2))[1],
    'mmseqs search {work}/qdb {db:uniref30Mmseqs} {work}/res {work}/tmp --num-iterations 3 -a -s 8 -e 0.1 --max-seqs 10000',
  );
  assert.match(
    recipeFlags(recipe(mm[0], 2, true)).join('\n'),
    'expandaln {work}/qdb {db:uniref30Mmseqs}_seq {work}/res {db:uniref30Mmseqs}_aln',
  );
  assert.ok(recipe(mm[0], 2).keepProfile && recipe(mm[0], 2, true).keepProfile, 'the UniRef30 search keeps its query profile');
  // ColabFold's environmental search starts from that profile (colabfold_search.sh, USE_ENV=1).
  const [, env] = searchesFor('mmseqs', { ...paths, colabfoldEnv: 'colabfold_env/envdb' });
  assert.equal(env.after, ['uniref30_mmseqs']);
  assert.is(recipe(env, 2, true).prepare, 'query-profile');
  assert.equal(
    recipeFlags(recipe(env, 2, true)).map((f) => f.split(' ').slice(0, 3).join(' ')),
    [
      'mmseqs lndb {work}/qdb_h',
      'mmseqs search {work}/prof_res',
      'mmseqs expandaln {work}/prof_res',
      'mmseqs align {work}/tmp/latest/profile_1',
      'mmseqs filterresult {work}/qdb',
      'mmseqs result2msa {work}/qdb',
      'mmseqs unpackdb {work}/msa',
    ],
  );
  assert.not.match(recipeFlags(recipe(env, 2, false)).join('\n'), 'expandaln');
});

const identity = (): AlignIdentity => ({
  sequenceSha256: 'a'.repeat(64),
  mode: 'full_dbs',
  databases: [{ name: 'uniref90', path: '/db/u.fasta', size: 10, mtime: '2024-01-01T00:00:00.000Z' }],
  flags: { uniref90: ['jackhmmer --cpu 8 x'] },
});
const manifest = (id: AlignIdentity): AlignManifest => ({
  version: 2,
  tag: 't',
  sequenceSha256: id.sequenceSha256,
  mode: id.mode,
  tools: {},
  databases: id.databases,
  searches: [
    {
      name: 'uniref90',
      output: 'uniref90_hits.sto',
      size: 19,
      sha256: 'c'.repeat(64),
      mtime: '2024-01-01T00:00:00.000Z',
      flags: id.flags.uniref90,
      seconds: 1,
      depth: 2,
      exitCode: 0,
    },
  ],
  msaDepth: {},
  wallSeconds: 1,
  cached: false,
  completedAt: '2024-01-01T00:00:00.000Z',
});

test('a manifest matches on sequence, mode, database identity and flags; --cpu does not count', () => {
  const id = identity();
  const m = manifest(id);
  assert.is(mismatch(m, id), null);
  assert.is(mismatch(m, { ...id, flags: { uniref90: ['jackhmmer --cpu 2 x'] } }), null);
  assert.is(identityKey(id), identityKey({ ...id, flags: { uniref90: ['jackhmmer --cpu 2 x'] } }));
  assert.equal(comparableFlags(['hhblits -cpu 4 -n 3']), ['hhblits -cpu * -n 3']);
  assert.match(mismatch(m, { ...id, sequenceSha256: 'b'.repeat(64) })!, 'sequence');
  assert.match(mismatch(m, { ...id, mode: 'mmseqs' })!, 'mode');
  assert.match(mismatch(m, { ...id, databases: [{ ...id.databases[0], size: 11 }] })!, 'database');
  assert.match(mismatch(m, { ...id, flags: { uniref90: ['jackhmmer --cpu 8 -N 2 x'] } })!, 'flags of uniref90');
  assert.match(mismatch(m, { ...id, flags: { ...id.flags, pdb70: [] } })!, 'searches changed');
  assert.is.not(identityKey(id), identityKey({ ...id, mode: 'mmseqs' }));
});

test('readManifest trusts only a complete manifest naming files that exist, each with size, sha256 and mtime', () => {
  const dir = tempDir();
  assert.is(readManifest(dir), null);
  const m = manifest(identity());
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  assert.is(readManifest(dir), null, 'its output file is missing');
  writeFileSync(join(dir, 'uniref90_hits.sto'), '# STOCKHOLM 1.0\n//\n');
  assert.equal(readManifest(dir), m);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m).slice(0, 40));
  assert.is(readManifest(dir), null, 'truncated');
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, version: 1 }));
  assert.is(readManifest(dir), null, 'another version (1: no sizes and hashes)');
  const { size: _size, ...unrecorded } = m.searches[0];
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, searches: [unrecorded] }));
  assert.is(readManifest(dir), null, 'an output without its size');
});

test('database identity: a file, or every file of a prefix', () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'pdb70'));
  writeFileSync(join(dir, 'pdb70', 'pdb70_a3m.ffdata'), 'abc');
  writeFileSync(join(dir, 'pdb70', 'pdb70_hhm.ffdata'), 'de');
  writeFileSync(join(dir, 'pdb70', 'other'), 'zzzz');
  assert.is(databaseIdentity('pdb70', join(dir, 'pdb70', 'pdb70'))!.size, 5);
  assert.is(databaseIdentity('x', join(dir, 'pdb70', 'other'))!.size, 4);
  assert.is(databaseIdentity('y', join(dir, 'nothing', 'here')), null);
});

test.run();
