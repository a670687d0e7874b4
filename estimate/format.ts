// The estimate for people: a table, and the one line `submit` prints.
import { NODE_CLASSES } from '../generators/config/cost.js';
import { STAGES, type Estimate } from './estimate.js';

export const hours = (h: number): string => (h < 1 ? `${(h * 60).toFixed(1)} min` : `${h.toFixed(1)} h`);
export const usd = (x: number): string => `$${x < 10 ? x.toFixed(2) : Math.round(x).toLocaleString('en-US')}`;
const num = (x: number): string => (x < 10 ? x.toFixed(2) : Math.round(x).toLocaleString('en-US'));

function table(rows: string[][], right: boolean[]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}

export function summaryLine(e: Estimate): string {
  const stage = (s: 'align' | 'predict') => `${s} ${hours(e.stages[s].makespanHours)}`;
  return (
    `estimate: ${e.targets} targets, ${e.alignMode}: makespan ${hours(e.makespanHours)} (${stage('align')}, ${stage('predict')}), ` +
    `${num(e.cpuHours)} CPU-h, ${num(e.gpuHours)} GPU-h, ${usd(e.costUsd.onDemand)} on-demand / ${usd(e.costUsd.spot)} spot ` +
    `(${usd(e.perStructureUsd.onDemand)} / ${usd(e.perStructureUsd.spot)} per structure)`
  );
}

export function formatEstimate(e: Estimate, calibrated: boolean): string {
  const lines = [
    `${e.targets} targets (${e.uniqueTargets} unique, ${e.residues.toLocaleString('en-US')} residues), align mode ${e.alignMode}: ` +
      `${e.alignGroups} align groups, ${e.chunks.standard + e.chunks.long} prediction chunks (${e.chunks.long} on the long class)`,
    '',
  ];
  const stageRows = STAGES.map((s) => {
    const st = e.stages[s];
    return [
      s,
      hours(st.startHours),
      hours(st.endHours),
      hours(st.makespanHours),
      String(st.pods),
      num(st.cpuHours),
      num(st.gpuHours),
      usd(st.costUsd.onDemand),
      usd(st.costUsd.spot),
    ];
  });
  lines.push(
    ...table(
      [
        ['stage', 'starts', 'ends', 'wall', 'pods', 'CPU-h', 'GPU-h', 'on-demand', 'spot'],
        ...stageRows,
        ['FSx', '', '', '', '', '', '', usd(e.fsxUsd), usd(e.fsxUsd)],
        [
          'run',
          '0',
          hours(e.makespanHours),
          hours(e.makespanHours),
          '',
          num(e.cpuHours),
          num(e.gpuHours),
          usd(e.costUsd.onDemand),
          usd(e.costUsd.spot),
        ],
        ['per structure', '', '', '', '', '', '', usd(e.perStructureUsd.onDemand), usd(e.perStructureUsd.spot)],
      ],
      [false, true, true, true, true, true, true, true, true],
    ),
    '',
  );
  const classRows = NODE_CLASSES.map((k) => {
    const c = e.nodeClasses[k];
    return [
      k,
      c.instanceType,
      String(c.podsPerNode),
      c.concurrentPods === null ? 'any' : String(c.concurrentPods),
      num(e.nodeHours[k]),
      `${usd(c.usdPerNodeHour.onDemand)} / ${usd(c.usdPerNodeHour.spot)}`,
    ];
  });
  lines.push(
    ...table(
      [['node class', 'instance', 'pods/node', 'at once', 'node-h', '$/node-h on-demand / spot'], ...classRows],
      [false, false, true, true, true, true],
    ),
    '',
    `prices: ${e.prices.region} as of ${e.prices.asOf} (cost.prices; set your own)` +
      `${e.cluster ? `; nodes from ${e.cluster}` : ''}${e.maxParallel ? `; at most ${e.maxParallel} pods at once` : ''}`,
    `time model: ${calibrated ? 'calibrated (cost.timeModel)' : 'published defaults and stated assumptions (estimate/README.md); calibrate with --calibrate RUN_DIR'}`,
  );
  if (e.inference === 'none') lines.push('inference: not run (predict pods only start and record "not run")');
  for (const w of e.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
