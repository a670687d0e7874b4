// MSA staging: the align step's files under the names OpenFold3 reads, one directory per chain.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chainKey, pairKey } from '../../../steps/split/chains.js';
import { stageMainMsa, stageQuery } from '../../../steps/predict-openfold3/stage.js';
import { tempDir } from '../../helpers/env.js';

function alignment(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [f, t] of Object.entries(files)) writeFileSync(join(dir, f), t);
  writeFileSync(join(dir, 'manifest.json'), '{}');
  return dir;
}

test('full_dbs files keep their names (OpenFold3 reads them); an .hhr is not an OpenFold3 input', () => {
  const root = tempDir('ofa-stage-');
  const src = alignment(join(root, 'a'), {
    'uniref90_hits.sto': 'x',
    'mgnify_hits.sto': 'y',
    'bfd_uniref_hits.a3m': 'z',
    'pdb70_hits.hhr': 'h',
  });
  const s = stageMainMsa(src, join(root, 'staged'));
  assert.equal(s.files, ['bfd_uniref_hits.a3m', 'mgnify_hits.sto', 'uniref90_hits.sto']);
  assert.equal(s.unused, ['pdb70_hits.hhr']);
  assert.equal(readdirSync(join(root, 'staged')).sort(), s.files);
});

test("ColabFold's uniref.a3m and environmental A3M become one colabfold_main.a3m, NUL separators removed", () => {
  const root = tempDir('ofa-stage-');
  const src = alignment(join(root, 'a'), {
    'uniref.a3m': '>101\nMKT\n>h1\nMKS\n\0',
    'bfd.mgnify30.metaeuk30.smag30.a3m': '>101\nMKT\n>e1\nMRT',
  });
  const s = stageMainMsa(src, join(root, 'staged'));
  assert.equal(s.files, ['colabfold_main.a3m']);
  assert.is(readFileSync(join(root, 'staged', 'colabfold_main.a3m'), 'utf8'), '>101\nMKT\n>h1\nMKS\n>101\nMKT\n>e1\nMRT\n');
});

test('a query: aligned chains read their own directory; identical chains share it; pairs add paired MSAs', () => {
  const root = tempDir('ofa-stage-');
  const A = 'MKTAYIAK';
  const B = 'GSHMLE';
  const ka = chainKey('protein', A);
  const kb = chainKey('protein', B);
  const pk = pairKey([ka, kb]);
  alignment(join(root, 'al', ka), { 'uniref.a3m': `>q\n${A}\n` });
  alignment(join(root, 'al', kb), { 'uniref90_hits.sto': '# STOCKHOLM 1.0\n//\n' });
  alignment(join(root, 'al', pk), { [`${ka}.a3m`]: `>101\n${A}\n`, [`${kb}.a3m`]: `>102\n${B}\n` });
  const q = {
    chains: [
      { molecule_type: 'protein' as const, chain_ids: ['A', 'C'], sequence: A },
      { molecule_type: 'protein' as const, chain_ids: ['B'], sequence: B },
      { molecule_type: 'ligand' as const, chain_ids: ['L'], ccd_codes: ['ATP'] },
    ],
  };
  const s = stageQuery(q, join(root, 'al'), join(root, 'msas'), new Set([ka, kb, pk]));
  assert.equal(s.missing, []);
  assert.equal(s.query.chains[0].main_msa_file_paths, [join(root, 'msas', ka)]);
  assert.equal(s.query.chains[1].main_msa_file_paths, [join(root, 'msas', kb)]);
  assert.equal(s.query.chains[0].paired_msa_file_paths, [join(root, 'msas', pk, ka)]);
  assert.equal(readdirSync(join(root, 'msas', pk, kb)), ['colabfold_paired.a3m']);
  assert.not.ok(s.query.chains[2].main_msa_file_paths);
  assert.not.ok('main_msa_file_paths' in q.chains[0], 'the input query is not modified');
  const missing = stageQuery(q, join(root, 'al'), join(root, 'msas2'), new Set([ka, kb, pk, 'protein_gone']));
  assert.equal(missing.missing, []);
  const noDir = stageQuery(
    { chains: [{ molecule_type: 'protein', chain_ids: ['A'], sequence: 'WWW' }] },
    join(root, 'al'),
    join(root, 'm3'),
    new Set([chainKey('protein', 'WWW')]),
  );
  assert.equal(noDir.missing, [chainKey('protein', 'WWW')]);
});

test.run();
