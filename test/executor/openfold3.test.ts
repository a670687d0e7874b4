// The rendered pipeline with model=openfold3 and align-mode=colabfold_server through the local executor, end to
// end with real programs: the split of a query JSON, alignments from the loopback MSA-server TEST DOUBLE (real
// MMseqs2 on the demo databases) under the msaServer semaphore, paired MSAs for the complex, the REAL
// `run_openfold predict` of OpenFold3 0.5.0 on CPU with the RANDOM-weights test checkpoint (test only: its
// output is noise, checked for form), and the report.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../generators/config/load.js';
import { DEMO_PROTEINS } from '../../demo/data/sequences.js';
import { localConfig, runLocal } from '../../executor/local.js';
import type { PredictResult } from '../../steps/predict/result.js';
import type { QueryManifest } from '../../steps/split/split-queries.js';
import { missingTools, ROOT, tempDir } from '../helpers/env.js';
import { firstMissing, requires } from '../helpers/gate.js';
import { openfold3Missing, openfold3Runtime, testCheckpoint, testOpenfold3Config } from '../helpers/openfold3.js';
import { startMsaServerDouble, type MsaServerDouble } from '../doubles/colabfold-msa-server-double.js';
import { demoDatabases, TINY } from '../steps/align/fixture.js';

const it = requires(firstMissing(openfold3Missing(), missingTools(['mmseqs', 'tar'], 'apt-get install mmseqs2')));
let server: MsaServerDouble | undefined;

test.after(async () => {
  await server?.close();
});

it('model=openfold3, align-mode=colabfold_server: query JSON -> MSA server (semaphore 1, paired MSAs) -> OpenFold3 -> report', async () => {
  const ENV = 'colabfold_env/colabfold_envdb_202108_db';
  const paths = { ...resolveConfig({}).databases.paths, colabfoldEnv: ENV };
  const dbDir = await demoDatabases({ ...TINY, only: ['uniref30Mmseqs', 'colabfoldEnv'], paths });
  const rt = openfold3Runtime();
  server = await startMsaServerDouble({
    uniref: join(dbDir, paths.uniref30Mmseqs),
    env: join(dbDir, ENV),
    workDir: tempDir('ofa-msa-double-'),
  });
  const ck = await testCheckpoint(rt);
  const config = resolveConfig(
    {
      model: 'openfold3',
      alignment: { mode: 'colabfold_server', msaServer: { url: server.url, maxConcurrent: 1, pollSeconds: 1 } },
      openfold3: testOpenfold3Config(rt, ck),
      retries: { limit: 0 },
    },
    'test',
  );
  const workdir = tempDir('ofa-local-of3-');
  const [ubq, gb1, villin] = DEMO_PROTEINS.slice(0, 3).map((p) => p.sequence);
  const input = localConfig(config, workdir).input.fasta;
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(input, '..'), { recursive: true });
  writeFileSync(
    input,
    JSON.stringify({
      queries: {
        dimer: {
          chains: [
            { molecule_type: 'protein', chain_ids: ['A'], sequence: ubq },
            { molecule_type: 'protein', chain_ids: ['B'], sequence: gb1 },
          ],
        },
        villin_aspirin: {
          chains: [
            { molecule_type: 'protein', chain_ids: ['A'], sequence: villin },
            { molecule_type: 'ligand', chain_ids: ['L'], smiles: 'CC(=O)Oc1ccccc1C(=O)O' },
          ],
        },
      },
    }),
  );
  const r = await runLocal({
    config,
    configName: 'test',
    workdir,
    projectRoot: ROOT,
    maxParallel: 2,
    parameters: { 'skip-databases': 'true' },
    onEvent: () => undefined,
  });
  assert.is(r.state.phase, 'Succeeded', r.state.message);
  // ubq, gb1, villin and the pair of the dimer: four align groups, each one job of the server, never two at once.
  const manifest = JSON.parse(readFileSync(join(r.runDir, 'split', 'manifest.json'), 'utf8')) as QueryManifest;
  assert.is(manifest.aligned.length, 4);
  assert.is(server.jobs.length, 4);
  assert.is(server.jobs.filter((j) => j.endpoint === 'ticket/pair').length, 1);
  assert.is(server.maxInFlight(), 1, 'the msaServer semaphore (limit 1) held the align pods back');
  const sent = JSON.parse(readFileSync(join(r.runDir, 'predictions', 'c0000', 'b000', 'attempt', 'query.json'), 'utf8')) as {
    queries: Record<string, { chains: { main_msa_file_paths?: string[]; paired_msa_file_paths?: string[] }[] }>;
  };
  assert.ok(
    sent.queries.dimer.chains.every((c) => c.main_msa_file_paths && c.paired_msa_file_paths),
    'main and paired MSAs for the dimer',
  );
  assert.ok(sent.queries.villin_aspirin.chains[0].main_msa_file_paths);
  for (const tag of ['dimer', 'villin_aspirin']) {
    const result = JSON.parse(readFileSync(join(r.runDir, 'results', tag, 'result.json'), 'utf8')) as PredictResult;
    assert.is(result.status, 'predicted', `${tag}: ${result.reason}`);
    assert.ok(Number.isFinite(result.openfold3!.iptm));
  }
  const report = JSON.parse(readFileSync(join(r.runDir, 'report.json'), 'utf8')) as { targets: { status: string }[] };
  assert.equal(
    report.targets.map((t) => t.status),
    ['predicted', 'predicted'],
  );
});

test.run();
