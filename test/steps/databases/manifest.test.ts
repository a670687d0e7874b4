import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../../generators/config/load.js';
import {
  ManifestError,
  builtinManifest,
  configuredDatabaseNames,
  configuredManifest,
  databaseNames,
  parseManifest,
  type DatabaseManifest,
} from '../../../steps/databases/manifest.js';
import { contract, databasesCommand } from '../../../steps/databases/contract.js';
import { tempDir } from '../../helpers/env.js';

const globRe = (g: string) =>
  new RegExp(
    `^${g
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '.')}$`,
  );

test('the built-in presets name their databases', () => {
  assert.equal(databaseNames('full_dbs'), [
    'openfold_params',
    'openfold3_params',
    'uniref90',
    'mgnify',
    'bfd',
    'uniref30',
    'pdb70',
    'pdb_mmcif',
    'pdb_seqres',
    'uniprot',
  ]);
  assert.equal(databaseNames('mmseqs'), ['openfold_params', 'openfold3_params', 'mmseqs', 'pdb70', 'pdb_mmcif']);
});

test('every built-in manifest is valid and only pdb_mmcif and pdb_seqres refresh incrementally', () => {
  for (const preset of ['full_dbs', 'mmseqs'] as const) {
    const m = parseManifest(builtinManifest(preset), preset);
    const refreshed = m.databases.filter((d) => d.refresh === 'incremental').map((d) => d.name);
    assert.equal(refreshed, preset === 'full_dbs' ? ['pdb_mmcif', 'pdb_seqres'] : ['pdb_mmcif']);
    for (const d of m.databases) for (const o of d.objects) assert.is(o.sha256, undefined, `${d.name}: no invented checksum`);
  }
});

test('the expected files agree with config.databases.paths defaults (what the align and predict steps read)', () => {
  const config = resolveConfig({});
  const p = config.databases.paths;
  const expectations: [string, string[]][] = [
    [
      'full_dbs',
      [
        p.uniref90,
        p.mgnify,
        `${p.bfd}_hhm.ffdata`,
        `${p.uniref30}_a3m.ffindex`,
        `${p.pdb70}_hhm.ffdata`,
        `${p.pdbMmcif}/`,
        p.obsoletePdbs,
        p.pdbSeqres,
        p.uniprot,
        config.inference.checkpoint,
      ],
    ],
    ['mmseqs', [p.uniref30Mmseqs, `${p.pdb70}_hhm.ffdata`, `${p.pdbMmcif}/`, p.obsoletePdbs, config.inference.checkpoint]],
  ];
  for (const [preset, paths] of expectations) {
    const patterns = builtinManifest(preset as 'full_dbs').databases.flatMap((d) => d.expect);
    for (const path of paths)
      assert.ok(
        patterns.some((g) => globRe(g).test(path)),
        `${preset}: ${path} is covered by an expect pattern`,
      );
  }
  assert.ok(
    builtinManifest('full_dbs').databases.some((d) => d.name === p.openfoldParams),
    'the weights folder is the openfold_params database',
  );
});

test('the built-in archive keys are those of the original sample', () => {
  const keys = builtinManifest('full_dbs').databases.flatMap((d) => d.objects.map((o) => o.key));
  for (const k of [
    'uniref90.tar.gz',
    'mgy_clusters_2022_05.fa.gz',
    'bfd_metaclust_clu_complete_id30_c90_final_seq.sorted_opt.tar.gz',
    'UniRef30_2021_03.tar.gz',
    'pdb70_from_mmcif_200401.tar.gz',
    'pdb_seqres.txt',
    'uniprot.tar.gz',
  ])
    assert.ok(keys.includes(k), k);
});

test('a config with a manifest file uses it; the mmseqs preset adds the ColabFold env db when its path is set', () => {
  const dir = tempDir();
  const file = join(dir, 'manifest.json');
  const m: DatabaseManifest = {
    preset: 'demo',
    version: 'demo-1',
    databases: [{ name: 'tiny', source: 'databases', objects: [{ key: 'tiny.tar.gz', unpack: 'tar.gz' }], expect: ['tiny/tiny.fasta'] }],
  };
  writeFileSync(file, JSON.stringify(m));
  assert.equal(configuredDatabaseNames(resolveConfig({ databases: { manifest: file } })), ['tiny']);
  const withEnv = resolveConfig({ databases: { preset: 'mmseqs', paths: { colabfoldEnv: 'colabfold_env/colabfold_envdb_202108_db' } } });
  assert.equal(configuredDatabaseNames(withEnv), ['openfold_params', 'openfold3_params', 'mmseqs', 'pdb70', 'pdb_mmcif', 'colabfold_env']);
  assert.equal(configuredManifest(resolveConfig({})).version, '2022-05', 'the config version labels the built-in manifest');
  assert.throws(
    () => configuredManifest(resolveConfig({ databases: { preset: 'mmseqs', paths: { colabfoldEnv: 'mmseqs/colabfold_envdb' } } })),
    /colabfoldEnv: must lie in its own folder colabfold_env\//,
  );
  rmSync(dir, { recursive: true, force: true });
});

test('an invalid manifest reports every problem with its field', () => {
  const err = (() => {
    try {
      parseManifest(
        {
          preset: 'x',
          version: '',
          databases: [
            { name: '../up', source: 'nowhere', objects: [{ key: 'a/', unpack: 'zip' }], expect: ['other/file'] },
            {
              name: 'ok',
              source: 'databases',
              objects: [{ key: 'dir/', prefix: true, unpack: 'tar' }],
              expect: ['ok/x'],
              refresh: 'always',
            },
          ],
        },
        'm.json',
      );
    } catch (e) {
      return e as ManifestError;
    }
  })();
  assert.instance(err, ManifestError);
  assert.equal(err!.problems, [
    'version: must be a non-empty string',
    'databases[0].name: must be a folder name, got "../up"',
    'databases[0].source: must be "databases", "weights" or "openfold3"',
    'databases[0].objects[0].key: names a folder; set "prefix": true',
    'databases[0].objects[0].unpack: must be one of tar.gz, tar, gz, none, got "zip"',
    'databases[0].expect[0]: must lie in the database folder ../up/, got "other/file"',
    'databases[1].objects[0].unpack: a prefix may only use gz or none',
    'databases[1].refresh: must be "incremental"',
  ]);
});

test('the contract builds the command line of one database task', () => {
  assert.equal(databasesCommand('uniref90'), ['openfold-argo', 'databases', '--only', 'uniref90']);
  assert.is(contract.name, 'databases');
  assert.is(contract.image, 'tools');
});

test.run();
