// `openfold-argo estimate FASTA [--config F] [--align-mode M] [--cluster FILE] [--max-parallel N] [--json]
//                          [--calibrate RUN_DIR...]`: how long a run will take and what it will cost.
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import yaml from 'js-yaml';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { loadConfig } from '../../generators/config/load.js';
import type { AlignMode, Config } from '../../generators/config/types.js';
import { calibrate, type Calibration } from '../../estimate/calibrate.js';
import { clusterNodes, parseEksctlCluster } from '../../estimate/cluster.js';
import { EstimateError } from '../../estimate/errors.js';
import { estimateTargets } from '../../estimate/estimate.js';
import { formatEstimate } from '../../estimate/format.js';
import { expandRunDirs, readRun } from '../../estimate/runs.js';
import { targetsFromFastaFile } from '../../estimate/targets.js';
import { mergeOverrides } from '../../estimate/time-model.js';

const USAGE = `usage: openfold-argo estimate FASTA [--config FILE] [--align-mode full_dbs|mmseqs] [--cluster FILE]
                              [--max-parallel N] [--json]
       openfold-argo estimate [FASTA] --calibrate RUN_DIR... [--config FILE] [--json]

Plans FASTA as the split step does and simulates the pipeline (align groups under the align semaphore,
predict chunks under the GPU semaphore as their alignments finish) to print the makespan per stage and
overall, CPU- and GPU-hours, node-hours per node class and the cost on-demand and spot, per run and per
structure, with FSx for the run's duration. Prices and the time model come from the config's cost block.
  --cluster FILE     an eksctl ClusterConfig: instance types and node group sizes per node class
  --max-parallel N   at most N pods at once in the whole workflow (the local executor's --max-parallel)
  --calibrate DIR... fit the time model to earlier runs (run directories, or local executor work
                     directories) and show how well it fits; prints the cost.timeModel block to keep.
                     With FASTA, the estimate uses the fitted model.
  --json             one JSON document: { estimate?, calibration? }`;

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag}: expected a whole number >= 1, got ${JSON.stringify(value)}`);
  return n;
}

function alignModeOf(value: string | undefined): AlignMode | undefined {
  if (value === undefined || value === 'full_dbs' || value === 'mmseqs') return value;
  throw new UserError(`--align-mode: expected full_dbs or mmseqs, got ${JSON.stringify(value)}`);
}

const isDirectory = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

const pct = (x: number | null) => (x === null ? '—' : `${x.toFixed(1)} %`);
const r2 = (x: number | null) => (x === null ? '—' : x.toFixed(3));
const secs = (h: number) => (h * 3600 < 120 ? `${(h * 3600).toFixed(1)} s` : h < 2 ? `${(h * 60).toFixed(1)} min` : `${h.toFixed(2)} h`);

export function formatCalibration(c: Calibration): string {
  const lines = [`calibration on ${c.runs} run(s)`, '', 'component                         n      R2    MAPE'];
  for (const f of c.fits)
    lines.push(`${f.component.padEnd(30)} ${String(f.n).padStart(4)} ${r2(f.r2).padStart(7)} ${pct(f.mapePercent).padStart(8)}`);
  const replayLines = (title: string, rs: Calibration['replays']) => [
    '',
    title,
    ...rs.map(
      (r) =>
        `  ${r.dir}: measured ${secs(r.measuredHours)}, estimated ${secs(r.estimatedHours)} (${r.errorPercent >= 0 ? '+' : ''}${r.errorPercent.toFixed(1)} %)` +
        `${r.inference === 'none' ? ', no inference' : ''}, at most ${r.maxParallel} pods at once`,
    ),
  ];
  lines.push(...replayLines('makespan, each run replayed with the fitted model:', c.replays));
  if (c.leaveOneOut) lines.push(...replayLines('makespan, each run replayed with a model fitted on the other runs:', c.leaveOneOut));
  for (const n of c.notes) lines.push(`note: ${n}`);
  lines.push(
    '',
    'keep the fit: put this in your openfold-argo.yaml',
    yaml.dump({ cost: { timeModel: c.overrides } }, { flowLevel: 3 }).trimEnd(),
  );
  return lines.join('\n');
}

function clusterFrom(file: string | undefined, config: Config) {
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new EstimateError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return clusterNodes(parseEksctlCluster(text, file), config, file);
}

export const command: Command = {
  summary: 'estimate how long a run takes and what it costs (--calibrate: fit the model to earlier runs)',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        'align-mode': { type: 'string' },
        cluster: { type: 'string' },
        'max-parallel': { type: 'string' },
        calibrate: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const runDirs = values.calibrate ? positionals.filter(isDirectory) : [];
    const fastas = positionals.filter((p) => !runDirs.includes(p));
    if (fastas.length > 1) throw new UserError(`expected one FASTA, got ${fastas.length}: ${fastas.join(' ')}\n${USAGE}`);
    if (values.calibrate && runDirs.length === 0) throw new UserError(`--calibrate needs at least one run directory\n${USAGE}`);
    if (!values.calibrate && fastas.length === 0) throw new UserError(`expected a FASTA file\n${USAGE}`);
    let config = loadConfig({ file: values.config });
    const mode = alignModeOf(values['align-mode']);
    const maxParallel = positiveInt(values['max-parallel'], '--max-parallel');
    try {
      let calibration: Calibration | undefined;
      if (values.calibrate) {
        calibration = calibrate(expandRunDirs(runDirs).map(readRun), config);
        config = { ...config, cost: { ...config.cost, timeModel: mergeOverrides(config.cost.timeModel, calibration.overrides) } };
      }
      const estimate = fastas.length
        ? estimateTargets(targetsFromFastaFile(fastas[0]), { config, mode, cluster: clusterFrom(values.cluster, config), maxParallel })
        : undefined;
      if (values.json) {
        console.log(JSON.stringify({ ...(estimate ? { estimate } : {}), ...(calibration ? { calibration } : {}) }, null, 2));
        return 0;
      }
      if (calibration) console.log(formatCalibration(calibration));
      if (calibration && estimate) console.log('');
      if (estimate) console.log(formatEstimate(estimate, Boolean(calibration) || Object.keys(config.cost.timeModel).length > 0));
      return 0;
    } catch (e) {
      if (e instanceof EstimateError) throw new UserError(e.message);
      throw e;
    }
  },
};
