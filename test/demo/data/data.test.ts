// The demo data: real query sequences, seeded families, and byte-reproducible database archives.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildDemoMirror, fastaDatabase, hhClusters, pdb70Clusters, resolveDemoOptions } from '../../../demo/data/build.js';
import { clusterA3m, family, identityLadder, ungapped } from '../../../demo/data/families.js';
import { createRng } from '../../../demo/data/prng.js';
import { DEMO_PROTEINS, demoFasta } from '../../../demo/data/sequences.js';
import { parseManifest } from '../../../steps/databases/manifest.js';
import { a3mMatchLength, parseA3m } from '../../../steps/align/formats.js';
import { missingTools, tempDir } from '../../helpers/env.js';
import { requires } from '../../helpers/gate.js';

test('the demo proteins: known lengths, standard residues, unique ids', () => {
  const lengths = Object.fromEntries(DEMO_PROTEINS.map((p) => [p.id, p.sequence.length]));
  assert.equal(lengths, {
    ubiquitin: 76,
    gb1: 56,
    villin_hp35: 35,
    trp_cage: 20,
    crambin: 46,
    bpti: 58,
    insulin_b: 30,
    lysozyme: 129,
    calmodulin: 149,
    myoglobin: 153,
  });
  assert.ok(DEMO_PROTEINS.every((p) => /^[ACDEFGHIKLMNPQRSTVWY]+$/.test(p.sequence)));
  assert.is(
    demoFasta(2),
    `>ubiquitin ${DEMO_PROTEINS[0].description}\n${DEMO_PROTEINS[0].sequence}\n>gb1 ${DEMO_PROTEINS[1].description}\n${DEMO_PROTEINS[1].sequence}\n`,
  );
});

test('seeded PRNG: the same seed gives the same stream, another seed another', () => {
  const draw = (seed: string) => Array.from({ length: 5 }, createRng(seed).next);
  const a = createRng('s');
  const b = createRng('s');
  assert.equal(
    Array.from({ length: 100 }, () => a.next()),
    Array.from({ length: 100 }, () => b.next()),
  );
  assert.not.equal(draw('s'), draw('t'));
  const r = createRng('x');
  for (let i = 0; i < 1000; i++) {
    const v = r.between(3, 5);
    assert.ok(v >= 3 && v <= 5 && Number.isInteger(v));
  }
});

test('families: members aligned to the seed over an identity ladder; cluster A3Ms keep the master columns', () => {
  const seed = DEMO_PROTEINS[0].sequence;
  assert.equal(identityLadder(3, 0.4, 0.9), [0.9, 0.65, 0.4]);
  const members = family(seed, createRng('f'), { count: 10, prefix: 'm', description: 'd' });
  assert.is(members[0].name, 'm0001');
  for (const m of members) assert.is(m.row.length, seed.length);
  const identity = (row: string) => [...row].filter((c, i) => c === seed[i]).length / ungapped(row).length;
  assert.ok(identity(members[0].row) > 0.85, `closest ${identity(members[0].row)}`);
  assert.ok(identity(members[9].row) < 0.6, `farthest ${identity(members[9].row)}`);
  const a3m = parseA3m(clusterA3m(members));
  assert.is(a3m[0].sequence, ungapped(members[0].row));
  for (const row of a3m) assert.is(a3mMatchLength(row.sequence), a3m[0].sequence.length);
  // Reinserting a member's lowercase inserts gives back its ungapped sequence.
  a3m.forEach((row, i) => assert.is(row.sequence.replace(/-/g, '').toUpperCase(), ungapped(members[i].row)));
});

test('database contents are a pure function of the options', () => {
  const o = resolveDemoOptions({ queries: 2, familySize: 5, decoys: 3, decoyClusters: 2 });
  assert.is(fastaDatabase('uniref90', o), fastaDatabase('uniref90', resolveDemoOptions({ ...o })));
  assert.is.not(fastaDatabase('uniref90', o), fastaDatabase('uniref90', { ...o, seed: 'other' }));
  assert.is.not(fastaDatabase('uniref90', o), fastaDatabase('mgnify', o), 'each database draws its own members');
  assert.is(fastaDatabase('uniref90', o).split('>').length - 1, 2 * 5 + 3);
  assert.equal(
    hhClusters('bfd', o).map((c) => c.name),
    ['bfd_ubiquitin_c1', 'bfd_gb1_c1', 'bfd_decoy_c000001', 'bfd_decoy_c000002'],
  );
  const templates = pdb70Clusters(o).map((c) => c.name);
  assert.equal(templates, ['0001_A', '0002_A', '0003_A', '0004_A', '0005_A', '0006_A']);
  assert.match(pdb70Clusters(o)[0].a3m, /^>0001_A synthetic template of the ubiquitin family; no structure\n/);
});

const it = requires(missingTools(['ffindex_build', 'ffindex_apply', 'hhmake', 'mmseqs', 'tar', 'gzip'], 'apt-get install hhsuite mmseqs2'));

it('the mirror: identical archive bytes on every build, a valid manifest, archives that unpack to its expect list', async () => {
  const opts = {
    queries: 1,
    familySize: 4,
    decoys: 5,
    decoyClusters: 1,
    clusterSize: 3,
    templatesPerFamily: 1,
    only: ['uniref90', 'pdb70', 'uniref30Mmseqs'] as const,
  };
  const [a, b] = await Promise.all([
    buildDemoMirror(tempDir(), { ...opts, only: [...opts.only] }),
    buildDemoMirror(tempDir(), { ...opts, only: [...opts.only] }),
  ]);
  assert.equal(a.manifest, b.manifest);
  assert.is(readFileSync(a.manifestFile, 'utf8'), readFileSync(b.manifestFile, 'utf8'));
  const manifest = parseManifest(JSON.parse(readFileSync(a.manifestFile, 'utf8')), a.manifestFile);
  assert.equal(
    manifest.databases.map((d) => [d.name, d.objects[0].key]),
    [
      ['uniref90', 'uniref90.tar.gz'],
      ['pdb70', 'pdb70.tar.gz'],
      ['mmseqs', 'mmseqs.tar.gz'],
    ],
  );
  const root = tempDir();
  for (const d of manifest.databases) {
    const obj = d.objects[0];
    assert.ok(obj.sha256 && obj.size && obj.unpack === 'tar.gz');
    assert.ok(readFileSync(join(a.dir, obj.key)).equals(readFileSync(join(b.dir, obj.key))), `${obj.key} identical`);
    const listing = execFileSync('tar', ['-tvzf', join(a.dir, obj.key)], { encoding: 'utf8' });
    assert.ok(
      listing
        .split('\n')
        .filter(Boolean)
        .every((l) => l.includes(' 0/0 ') && l.includes('1970-01-01')),
      listing,
    );
    mkdirSync(join(root, d.name));
    execFileSync('tar', ['-xzf', join(a.dir, obj.key), '-C', join(root, d.name)]);
    for (const e of d.expect) assert.ok(existsSync(join(root, e)), e);
  }
  assert.equal(manifest.databases.find((d) => d.name === 'pdb70')!.expect, [
    'pdb70/pdb70_a3m.ffdata',
    'pdb70/pdb70_hhm.ffdata',
    'pdb70/pdb70_cs219.ffdata',
  ]);
  assert.not.match(readFileSync(join(root, 'pdb70', 'pdb70_hhm.ffdata'), 'latin1'), /DATE {2}(?!Thu Jan {2}1 00:00:00 1970)/);
});

test.run();
