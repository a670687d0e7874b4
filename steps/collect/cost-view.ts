// The cost section of report.html and of the Markdown summary, every value formatted here.
import type { Money } from '../../estimate/estimate.js';
import type { ReportCost } from './cost.js';

const DASH = '—';
export const formatUsd = (x: number | null | undefined): string =>
  x === null || x === undefined ? DASH : `$${x < 100 ? x.toFixed(x < 1 ? 4 : 2) : Math.round(x).toLocaleString('en-US')}`;
const formatMoney = (m: Money | null | undefined): string => (m ? `${formatUsd(m.onDemand)} / ${formatUsd(m.spot)}` : DASH);
const formatHours = (h: number | null | undefined): string =>
  h === null || h === undefined ? DASH : h < 1 ? `${(h * 60).toFixed(1)} min` : `${h.toFixed(2)} h`;
const formatNumber = (x: number | null | undefined): string =>
  x === null || x === undefined ? DASH : x < 10 ? x.toPrecision(3) : x.toFixed(1);
export const formatPercent = (p: number | null): string => (p === null ? DASH : `${p >= 0 ? '+' : ''}${p.toFixed(1)} %`);

export interface CostView {
  stages: { stage: string; pods: string; podHours: string; measured: string; estimateWall: string; estimate: string }[];
  rows: { label: string; measured: string; estimate: string; error: string }[];
  notes: string[];
}

export function costView(cost: ReportCost | null): CostView | null {
  if (!cost) return null;
  const m = cost.measured;
  const e = cost.estimate;
  const stages = ['split', 'align', 'predict', 'collect'].map((s) => {
    const ms = m?.stages[s as keyof typeof m.stages];
    const es = e?.stages[s];
    return {
      stage: s,
      pods: ms ? String(ms.pods) : DASH,
      podHours: ms ? formatHours(ms.podSeconds / 3600) : DASH,
      measured: formatMoney(ms?.costUsd),
      estimateWall: formatHours(es?.makespanHours),
      estimate: formatMoney(es?.costUsd),
    };
  });
  const rows = [
    {
      label: 'Makespan (split start to collect end)',
      measured: formatHours(m?.makespanSeconds === null || !m ? null : m.makespanSeconds / 3600),
      estimate: formatHours(e?.makespanHours),
      error: formatPercent(cost.errorPercent.makespanPercent),
    },
    {
      label: 'CPU-hours (requested CPUs x pod time)',
      measured: formatNumber(m?.cpuHours),
      estimate: formatNumber(e?.cpuHours),
      error: DASH,
    },
    {
      label: 'GPU-hours',
      measured: formatNumber(m?.gpuHours),
      estimate: formatNumber(e?.gpuHours),
      error: DASH,
    },
    { label: 'FSx for the run', measured: formatUsd(m?.fsxUsd), estimate: DASH, error: DASH },
    {
      label: 'Cost, on-demand / spot (USD)',
      measured: formatMoney(m?.costUsd),
      estimate: formatMoney(e?.costUsd),
      error: formatPercent(cost.errorPercent.onDemandPercent),
    },
    {
      label: 'Per structure, on-demand / spot',
      measured: formatMoney(m?.perStructureUsd),
      estimate: formatMoney(e?.perStructureUsd),
      error: DASH,
    },
  ];
  const notes = [
    `Prices: ${cost.prices.region} as of ${cost.prices.asOf} (cost.prices in the config); a pod costs its node's price x the share of the node its requests keep.`,
  ];
  if (!m) notes.push('No usage records (RUN/usage): nothing measured.');
  if (m && m.unknownPods > 0)
    notes.push(`${m.unknownPods} pod(s) ended without a record and with no later attempt: their time is not counted.`);
  if (!e) notes.push('No estimate (RUN/split/estimate.json).');
  else if (e.inference === 'none') notes.push('The estimate assumed no inference.');
  if (cost.badUsageFiles.length) notes.push(`Unreadable usage records: ${cost.badUsageFiles.join(', ')}.`);
  return { stages, rows, notes };
}

/** Markdown lines of the summary. */
export function costMarkdown(cost: ReportCost | null): string[] {
  if (!cost?.measured) return [];
  const m = cost.measured;
  const e = cost.estimate;
  const line = `- cost: ${formatMoney(m.costUsd)} on-demand / spot (${formatMoney(m.perStructureUsd)} per structure)`;
  return [
    e
      ? `${line}; estimated ${formatMoney(e.costUsd)}, makespan ${formatHours((m.makespanSeconds ?? 0) / 3600)} vs ${formatHours(e.makespanHours)} estimated (${formatPercent(cost.errorPercent.makespanPercent)})`
      : line,
  ];
}
