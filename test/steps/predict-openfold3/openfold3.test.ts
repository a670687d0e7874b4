// The OpenFold3 predict step through the REAL `run_openfold predict` of OpenFold3 0.5.0 (PyPI, on CPU) with a
// checkpoint of RANDOM weights built by the test helper (test only: its structures and scores are noise and are
// only checked for form). From input to report: split of a query JSON, our align step with the real tools on the
// demo databases, predict, collect. Then the facts of 0.5.0 the step is built around, each against the real
// program: exit 0 when a query fails, MSA files used only under known names, seeds from the runner yaml not the
// query file, the MSA server on by default, refusal without weights.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEMO_PROTEINS } from '../../../demo/data/sequences.js';
import type { PredictResult } from '../../../steps/predict/result.js';
import type { QueryManifest } from '../../../steps/split/split-queries.js';
import type { QueryPlan } from '../../../steps/split/plan-queries.js';
import { CLI, missingTools, tempDir } from '../../helpers/env.js';
import { firstMissing, requires } from '../../helpers/gate.js';
import {
  openfold3Missing,
  openfold3Runtime,
  runVenvPython,
  testCheckpoint,
  testOpenfold3Config,
  type Openfold3Runtime,
  type TestCheckpoint,
} from '../../helpers/openfold3.js';
import { ALIGN_TOOLS, demoDatabases, INSTALL, workspace, type Workspace } from '../align/fixture.js';

const missing = firstMissing(openfold3Missing(), missingTools(ALIGN_TOOLS, INSTALL));
const it = requires(missing);
let rt: Openfold3Runtime;

const UBQ = DEMO_PROTEINS[0].sequence;
const GB1 = DEMO_PROTEINS[1].sequence;
let ck: TestCheckpoint;
let ws: Workspace;
let configFile = '';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

function runProgram(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('nice', ['-n', '5', ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 }));
  });
}
const cli = (...args: string[]) => runProgram([process.execPath, CLI, ...args, '--config', configFile]);
const json = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

test.before(async () => {
  if (missing) return;
  rt = openfold3Runtime();
  ck = await testCheckpoint(rt);
  ws = workspace(await demoDatabases());
  configFile = join(ws.mount, 'of3.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      model: 'openfold3',
      volume: { mountPath: ws.mount },
      alignment: { mode: 'full_dbs', resources: { cpu: 2, memory: '4Gi' } },
      openfold3: testOpenfold3Config(rt, ck),
    }),
  );
});

it('query JSON -> split -> align (real tools, demo databases) -> predict (real OpenFold3) -> report', async () => {
  const run = join(ws.mount, 'runs', 'r1');
  const input = join(ws.mount, 'queries.json');
  writeFileSync(
    input,
    JSON.stringify({
      queries: {
        ubq: { chains: [{ molecule_type: 'protein', chain_ids: ['A'], sequence: UBQ }] },
        dimer: {
          chains: [
            { molecule_type: 'protein', chain_ids: ['A'], sequence: UBQ },
            { molecule_type: 'protein', chain_ids: ['B'], sequence: GB1 },
          ],
        },
        ubq_ligands: {
          chains: [
            { molecule_type: 'protein', chain_ids: ['A'], sequence: UBQ },
            { molecule_type: 'ligand', chain_ids: ['L'], ccd_codes: ['ATP'] },
            { molecule_type: 'ligand', chain_ids: ['M'], smiles: 'CC(=O)Oc1ccccc1C(=O)O' },
          ],
        },
        // A CCD code OpenFold3's CCD does not have: OpenFold3 fails this query and goes on (exit 0).
        unknown_ligand: {
          chains: [
            { molecule_type: 'protein', chain_ids: ['A'], sequence: GB1 },
            { molecule_type: 'ligand', chain_ids: ['L'], ccd_codes: ['ZZZZZ'] },
          ],
        },
      },
    }),
  );
  const split = await cli('split', input, '--out', join(run, 'split'));
  assert.is(split.code, 0, split.stderr);
  const plan = json<QueryPlan>(join(run, 'split', 'plan.json'));
  const manifest = json<QueryManifest>(join(run, 'split', 'manifest.json'));
  // Ubiquitin is in three queries and GB1 in two: two alignments in all.
  assert.is(manifest.aligned.length, 2);
  for (const g of plan.alignGroups) {
    const a = await cli(
      'align',
      '--plan',
      join(run, 'split', 'plan.json'),
      '--group',
      String(g.id),
      '--out',
      join(run, 'alignments'),
      '--cpu',
      '2',
    );
    assert.is(a.code, 0, a.stderr);
  }
  assert.is(plan.chunks.length, 1);
  const p = await cli(
    'predict',
    '--plan',
    join(run, 'split', 'plan.json'),
    '--chunk',
    'c0000',
    '--alignments',
    join(run, 'alignments'),
    '--output',
    join(run, 'predictions', 'c0000'),
    '--results',
    join(run, 'results'),
  );
  assert.is(p.code, 0, p.stderr.slice(-3000));
  assert.match(p.stderr, /chunk c0000: 3 predicted, 1 failed, 0 not run \(exit 0\)/);
  const result = (tag: string) => json<PredictResult>(join(run, 'results', tag, 'result.json'));

  // One OpenFold3 process for the batch; the MSAs it read are the align step's, under OpenFold3's names.
  const batch = join(run, 'predictions', 'c0000', 'b000');
  const ubqKey = manifest.targets[0].chains[0].key!;
  assert.equal(readdirSync(join(batch, 'msas', ubqKey)).sort(), ['bfd_uniref_hits.a3m', 'mgnify_hits.sto', 'uniref90_hits.sto']);
  const sent = json<{ queries: Record<string, { chains: { main_msa_file_paths?: string[] }[] }> }>(join(batch, 'attempt', 'query.json'));
  assert.equal(sent.queries.ubq.chains[0].main_msa_file_paths, [join(batch, 'msas', ubqKey)]);
  assert.equal(sent.queries.dimer.chains[0].main_msa_file_paths, [join(batch, 'msas', ubqKey)], 'identical chains share one MSA directory');

  for (const [tag, chains, pairs] of [
    ['ubq', ['A'], []],
    ['dimer', ['A', 'B'], ['(A, B)']],
    ['ubq_ligands', ['A', 'L', 'M'], ['(A, L)', '(A, M)', '(L, M)']],
  ] as const) {
    const r = result(tag);
    assert.is(r.status, 'predicted', `${tag}: ${r.reason}`);
    assert.is(r.model, 'openfold3');
    assert.ok(existsSync(join(run, r.files.model!)), `${tag}: model file`);
    assert.match(r.files.model!, new RegExp(`${tag}_seed_7_sample_1_model\\.cif$`));
    assert.match(readFileSync(join(run, r.files.model!), 'utf8'), /^data_/);
    const s = r.openfold3!;
    for (const v of [s.ptm, s.iptm, s.rankingScore, r.meanPlddt!]) assert.ok(Number.isFinite(v), tag);
    assert.ok(r.meanPlddt! >= 0 && r.meanPlddt! <= 100);
    assert.equal(Object.keys(s.chainPtm).sort(), [...chains]);
    assert.equal(Object.keys(s.chainPairIptm).sort(), [...pairs]);
    assert.equal(s.ranked, { seed: 7, sample: 1 });
    assert.is(s.samples.length, 1);
    assert.is(typeof s.hasClash, 'boolean');
    assert.ok(r.predictSeconds! > 0, 'OpenFold3 timing.json');
    // Scores are the file's, as written.
    const written = json<{ ptm: number; iptm: number }>(join(run, r.files.confidences!));
    assert.equal([s.ptm, s.iptm], [written.ptm, written.iptm]);
  }
  assert.is(result('ubq_ligands').openfold3!.tokens, UBQ.length + 31 + 13);
  const bad = result('unknown_ligand');
  assert.is(bad.status, 'failed');
  assert.match(bad.reason!, /ZZZZZ/);
  assert.match(readFileSync(join(batch, 'attempt', 'output', 'summary.txt'), 'utf8'), /Failed Queries: unknown_ligand/);

  const report = await runProgram([process.execPath, CLI, 'report', run]);
  assert.is(report.code, 0, report.stderr);
  const doc = json<{
    model?: string;
    targets: { tag: string; status: string; openfold3?: { iptm: number | null; tokens: number | null } }[];
  }>(join(run, 'report.json'));
  assert.is(doc.model, 'openfold3');
  assert.equal(
    doc.targets.map((t) => [t.tag, t.status]),
    [
      ['ubq', 'predicted'],
      ['dimer', 'predicted'],
      ['ubq_ligands', 'predicted'],
      ['unknown_ligand', 'failed'],
    ],
  );
  assert.is(doc.targets[1].openfold3?.iptm, result('dimer').openfold3!.iptm);
  assert.is(doc.targets[2].openfold3?.tokens, UBQ.length + 31 + 13);
  const html = readFileSync(join(run, 'report.html'), 'utf8');
  assert.match(html, /ipTM vs pTM/);
});

it('facts of OpenFold3 0.5.0: exit 0 with a failed query; MSAs only under known names; seeds from the runner yaml', async () => {
  const dir = tempDir('ofa-of3-facts-');
  const rows = ['>query', UBQ.slice(0, 30), '>h1', `${UBQ.slice(0, 29)}A`, '>h2', `S${UBQ.slice(1, 30)}`].join('\n');
  for (const [name, file] of [
    ['known', 'colabfold_main.a3m'],
    ['unknown', 'uniref.a3m'], // ColabFold's own name: OpenFold3 skips it without a word
  ]) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, file), `${rows}\n`);
  }
  const chain = (msa: string) => ({
    molecule_type: 'protein',
    chain_ids: ['A'],
    sequence: UBQ.slice(0, 30),
    main_msa_file_paths: [join(dir, msa)],
  });
  writeFileSync(
    join(dir, 'query.json'),
    JSON.stringify({ seeds: [99], queries: { named: { chains: [chain('known')] }, unnamed: { chains: [chain('unknown')] } } }),
  );
  const settings = testOpenfold3Config(rt, ck).runnerSettings as Record<string, unknown>;
  writeFileSync(
    join(dir, 'runner.yml'),
    JSON.stringify({
      ...settings,
      experiment_settings: { seeds: [7], use_msa_server: false, use_templates: false },
      pl_trainer_args: { accelerator: 'cpu', devices: 1 },
      data_module_args: { num_workers: 0 },
      output_writer_settings: { write_features: true },
      model_update: {
        presets: ['predict'],
        custom: {
          ...(settings.model_update as { custom: object }).custom,
          settings: { memory: { eval: { use_triton_triangle_kernels: false } } },
        },
      },
    }),
  );
  mkdirSync(join(dir, 'cache'));
  const r = await runProgram(
    [
      rt.runOpenfold,
      'predict',
      '--query_json',
      join(dir, 'query.json'),
      '--inference_ckpt_path',
      ck.path,
      '--runner_yaml',
      join(dir, 'runner.yml'),
      '--use_msa_server',
      'false',
      '--num_diffusion_samples',
      '1',
      '--output_dir',
      join(dir, 'out'),
    ],
    { OPENFOLD_CACHE: join(dir, 'cache') },
  );
  // Exit 0 although a query failed: success is read per query.
  assert.is(r.code, 0, r.stderr.slice(-3000));
  assert.match(readFileSync(join(dir, 'out', 'summary.txt'), 'utf8'), /Failed Queries: unnamed/);
  // Seeds: the runner yaml's 7, not the query file's 99.
  assert.equal(readdirSync(join(dir, 'out', 'named')), ['seed_7']);
  // The known name was read: the hand-written MSA's 3 rows reach the model's input features, under the query
  // row OpenFold3 puts first (a chain without any MSA gets that one row only).
  const features = join(dir, 'out', 'named', 'seed_7', 'named_seed_7_batch.pt');
  const { usedRows } = JSON.parse(await runVenvPython(rt, 'facts.py', ['msa-rows', features])) as { usedRows: number };
  assert.is(usedRows, 1 + 3);
});

it('facts of OpenFold3 0.5.0: the MSA server is on by default; without weights it refuses at once', async () => {
  const defaults = JSON.parse(await runVenvPython(rt, 'facts.py', ['defaults'])) as { use_msa_server: boolean; seeds: number[] };
  assert.is(defaults.use_msa_server, true, 'so the step always passes --use_msa_server false');
  assert.equal(defaults.seeds, [42]);
  const dir = tempDir('ofa-of3-noweights-');
  writeFileSync(
    join(dir, 'q.json'),
    JSON.stringify({ queries: { q: { chains: [{ molecule_type: 'protein', chain_ids: ['A'], sequence: 'MKTAY' }] } } }),
  );
  mkdirSync(join(dir, 'cache'));
  const r = await runProgram(
    [rt.runOpenfold, 'predict', '--query_json', join(dir, 'q.json'), '--use_msa_server', 'false', '--output_dir', join(dir, 'out')],
    {
      OPENFOLD_CACHE: join(dir, 'cache'),
    },
  );
  assert.is.not(r.code, 0);
  assert.match(r.stdout + r.stderr, /cowardly refusing to perform inference/);
  assert.not.ok(existsSync(join(dir, 'out', 'summary.txt')));
  // Our step checks first and names the databases step (exit 2, nothing run).
  const cfg = join(dir, 'cfg.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      model: 'openfold3',
      volume: { mountPath: dir },
      openfold3: { ...testOpenfold3Config(rt, ck), checkpoint: 'openfold3_params/none.pt' },
    }),
  );
  const step = spawnSync(
    process.execPath,
    [CLI, 'predict', '--config', cfg, '--query-json', join(dir, 'q.json'), '--output', join(dir, 'step')],
    { encoding: 'utf8' },
  );
  assert.is(step.status, 2);
  assert.match(
    step.stderr,
    /openfold3\.checkpoint: weights not found at .*none\.pt \(run `openfold-argo databases --only openfold3_params` first\)/,
  );
});

test.run();
