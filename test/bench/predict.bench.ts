// The OpenFold3 predict step's overhead (`npm run bench:predict [-- --json] [-- --repeat N]`): our step (the
// `openfold-argo predict` process: reading the plan and query files, staging the MSAs under OpenFold3's names,
// writing the runner yaml, running OpenFold3, reading summary.txt and every sample's scores, writing the
// results) against a bare `run_openfold predict` of the same query JSON with the same runner yaml (what our
// step handed OpenFold3 in its first run), side by side, alternating, repeated; min and median of each.
// On CPU with the RANDOM-weights test checkpoint of the test helper (test only). A GPU run needs a GPU machine.
// Figures, not a timed test.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../../generators/config/load.js';
import { DEMO_PROTEINS } from '../../demo/data/sequences.js';
import { chainKey } from '../../steps/split/chains.js';
import { benchmarkNeeds, CLI, tempDir } from '../helpers/env.js';
import { openfold3Missing, openfold3Runtime, testCheckpoint, testOpenfold3Config } from '../helpers/openfold3.js';

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, repeat: { type: 'string', default: '3' } } });
const repeat = Number(values.repeat);
const say = (line: string) => (values.json ? process.stderr.write(`${line}\n`) : console.log(line));

benchmarkNeeds(openfold3Missing());
const rt = openfold3Runtime();
{
  const ck = await testCheckpoint(rt);
  const dir = tempDir('ofa-bench-predict-');
  const [ubq, gb1] = DEMO_PROTEINS.slice(0, 2).map((p) => p.sequence);
  const config = { model: 'openfold3', volume: { mountPath: dir }, openfold3: testOpenfold3Config(rt, ck, { diffusionSamples: 2 }) };
  resolveConfig(config, 'bench');
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  writeFileSync(
    join(dir, 'queries.json'),
    JSON.stringify({
      queries: {
        monomer: { chains: [{ molecule_type: 'protein', chain_ids: ['A'], sequence: ubq }] },
        dimer: {
          chains: [
            { molecule_type: 'protein', chain_ids: ['A'], sequence: ubq },
            { molecule_type: 'protein', chain_ids: ['B'], sequence: gb1 },
          ],
        },
        ligand: {
          chains: [
            { molecule_type: 'protein', chain_ids: ['A'], sequence: gb1 },
            { molecule_type: 'ligand', chain_ids: ['L'], ccd_codes: ['ATP'] },
          ],
        },
      },
    }),
  );
  const split = spawnSync(
    process.execPath,
    [CLI, 'split', join(dir, 'queries.json'), '--out', join(dir, 'split'), '--config', configFile],
    { encoding: 'utf8' },
  );
  if (split.status !== 0) throw new Error(split.stderr);
  // A small ColabFold-style MSA per chain: the step stages it as colabfold_main.a3m.
  for (const seq of [ubq, gb1]) {
    const key = join(dir, 'alignments', chainKey('protein', seq));
    mkdirSync(key, { recursive: true });
    const rows = [seq, `${seq.slice(0, -1)}A`, `S${seq.slice(1)}`].map((s, i) => `>r${i}\n${s}\n`).join('');
    writeFileSync(join(key, 'uniref.a3m'), rows);
    writeFileSync(join(key, 'manifest.json'), '{}');
  }

  const timed = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const started = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}:\n${r.stderr.slice(-3000)}`);
    return seconds;
  };
  const ours = (round: number) => {
    const out = join(dir, `ours-${round}`);
    rmSync(out, { recursive: true, force: true });
    return timed([
      process.execPath,
      CLI,
      'predict',
      '--config',
      configFile,
      '--plan',
      join(dir, 'split', 'plan.json'),
      '--chunk',
      'c0000',
      '--alignments',
      join(dir, 'alignments'),
      '--output',
      join(out, 'predictions'),
      '--results',
      join(out, 'results'),
    ]);
  };
  // What our step handed OpenFold3 (query with staged MSA paths, runner yaml), run bare with the same flags.
  const first = join(dir, 'ours-0', 'predictions', 'b000', 'attempt');
  const bare = (round: number) => {
    const out = join(dir, `bare-${round}`);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(join(out, 'cache'), { recursive: true });
    copyFileSync(join(first, 'query.json'), join(out, 'query.json'));
    copyFileSync(join(first, 'runner.yml'), join(out, 'runner.yml'));
    const argv = [rt.runOpenfold, 'predict', '--query_json', join(out, 'query.json'), '--inference_ckpt_path', ck.path];
    argv.push('--runner_yaml', join(out, 'runner.yml'), '--use_msa_server', 'false', '--use_templates', 'false');
    argv.push('--num_diffusion_samples', '2', '--output_dir', join(out, 'output'));
    return timed(argv, { OPENFOLD_CACHE: join(out, 'cache') });
  };

  say(
    `bench:predict: 3 queries (76-residue monomer, 76+56 dimer, 56 + ATP), 1 seed x 2 samples, reduced random-weights model on CPU, ${repeat} rounds`,
  );
  ours(0); // warm-up: fills the page cache with the venv; also the run whose query and runner yaml bare reuses
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 1; i <= repeat; i++) {
    // Alternating order, so drift on a shared machine hits both.
    if (i % 2) {
      a.push(ours(i));
      b.push(bare(i));
    } else {
      b.push(bare(i));
      a.push(ours(i));
    }
    say(`round ${i}: ours ${a.at(-1)!.toFixed(2)} s, bare run_openfold ${b.at(-1)!.toFixed(2)} s`);
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((x, y) => x - y);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const stats = (xs: number[]) => ({ min: Math.min(...xs), median: median(xs), runs: xs });
  const result = { ours: stats(a), bare: stats(b), overheadRatio: median(a) / median(b), minRatio: Math.min(...a) / Math.min(...b) };
  say(
    `ours: min ${result.ours.min.toFixed(2)} s, median ${result.ours.median.toFixed(2)} s | bare: min ${result.bare.min.toFixed(2)} s, median ${result.bare.median.toFixed(2)} s | ` +
      `overhead ratio (median) ${result.overheadRatio.toFixed(3)}, (min) ${result.minRatio.toFixed(3)}; goal <= 1.05`,
  );
  if (values.json) console.log(JSON.stringify(result));
}
