// Renders the collected run into RUN/report.json, a self-contained RUN/report.html (handlebars template
// report.hbs, inline SVG) and a short Markdown summary for the terminal or the workflow log.
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { collectRun, STATUS_ORDER, type CollectOptions, type Collected, type Report, type ReportTarget } from './collect.js';
import { PLDDT_BANDS, accuracyScatterSvg, iptmPtmSvg, plddtProfileSvg, plddtScatterSvg } from './svg.js';
import { costMarkdown, costView, formatUsd } from './cost-view.js';

/** Per-residue plots beyond this many are left out of the page (report.json still lists every target). */
export const MAX_PROFILES = 200;
const DASH = '—';

export function formatSeconds(s: number | null): string {
  if (s === null) return DASH;
  if (s < 90) return `${s.toFixed(1)} s`;
  if (s < 5400) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
const statusLabel = (k: string): string => `${k[0].toUpperCase()}${k.slice(1).replace('_', ' ')}`;

export const formatPlddt = (v: number | null): string => (v === null ? DASH : v.toFixed(1));

const formatDepth = (d: Record<string, number> | null): string =>
  d === null || Object.keys(d).length === 0
    ? DASH
    : Object.entries(d)
        .map(([file, depth]) => `${file} ${depth}`)
        .join(', ');

/** A file named in a result: a link relative to the run directory when it lies inside it. */
function fileLink(run: string, p: string): { label: string; href: string } {
  const rel = relative(resolve(run), resolve(run, p));
  const inside = rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep);
  return inside ? { label: rel, href: rel.split(sep).map(encodeURIComponent).join('/') } : { label: p, href: '' };
}

const pairs = (m: Record<string, number> | null): string =>
  m && Object.keys(m).length
    ? Object.entries(m)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ')
    : DASH;

/** The OpenFold3 table and the ipTM vs pTM plot of complexes (queries of two or more chains). */
function openfold3View(report: Report) {
  if (report.model !== 'openfold3') return null;
  const rows = report.targets.map((t) => {
    const o = t.openfold3;
    return {
      tag: t.tag,
      status: t.status,
      tokens: o?.tokens ?? DASH,
      chains: o?.chains ?? DASH,
      ptm: score(o?.ptm),
      iptm: score(o?.iptm),
      ranking: score(o?.rankingScore),
      clash: o?.hasClash === null || o?.hasClash === undefined ? DASH : o.hasClash ? 'yes' : 'no',
      meanPlddt: formatPlddt(t.meanPlddt),
      chainPtm: pairs(o?.chainPtm ?? null),
      chainPairIptm: pairs(o?.chainPairIptm ?? null),
    };
  });
  const complexes = report.targets.filter(
    (t) =>
      !t.duplicateOf &&
      t.status === 'predicted' &&
      (t.openfold3?.chains ?? 0) >= 2 &&
      t.openfold3?.ptm != null &&
      t.openfold3?.iptm != null,
  );
  return {
    rows,
    complexes: complexes.length,
    iptmSvg: iptmPtmSvg(
      complexes.map((t) => ({ tag: t.tag, ptm: t.openfold3!.ptm!, iptm: t.openfold3!.iptm!, hasClash: t.openfold3!.hasClash === true })),
    ),
  };
}

function targetRow(run: string, t: ReportTarget) {
  const files = [t.files.unrelaxed, t.files.relaxed, t.files.model].filter((f): f is string => Boolean(f)).map((f) => fileLink(run, f));
  return {
    tag: t.tag,
    length: t.length,
    status: t.status,
    note: t.reason ?? (t.alignCached ? 'alignment from the cache' : ''),
    msaDepth: formatDepth(t.msaDepth),
    alignSeconds: formatSeconds(t.alignSeconds) + (t.alignCached ? ' (cache)' : ''),
    predictSeconds: formatSeconds(t.predictSeconds),
    meanPlddt: formatPlddt(t.meanPlddt),
    cost: t.costUsd ? formatUsd(t.costUsd.onDemand) : DASH,
    files,
  };
}

function summaryRows(report: Report): { label: string; value: string }[] {
  const s = report.summary;
  const rows = [
    { label: 'Targets', value: `${s.targets}${s.duplicates ? ` (${plural(s.duplicates, 'duplicate sequence')})` : ''}` },
    { label: 'Residues', value: String(s.residues) },
    ...STATUS_ORDER.filter((k) => s.byStatus[k] > 0 || k === 'predicted' || k === 'failed').map((k) => ({
      label: statusLabel(k),
      value: String(s.byStatus[k]),
    })),
    { label: 'Aligned (unique targets)', value: String(s.aligned) },
    { label: 'Alignment time, CPU nodes (sum of align wall seconds)', value: formatSeconds(s.alignSeconds) },
    { label: 'GPU time (sum of prediction seconds)', value: formatSeconds(s.gpuSeconds) },
    {
      label: 'First to last completion',
      value: s.wallSeconds === null ? DASH : `${formatSeconds(s.wallSeconds)} (${s.firstCompletedAt} → ${s.lastCompletedAt})`,
    },
    { label: 'Mean pLDDT (predicted targets)', value: formatPlddt(s.meanPlddt) },
    { label: 'max_template_date (as the results recorded it)', value: s.maxTemplateDates.join(', ') || DASH },
  ];
  return rows;
}

const score = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined ? DASH : v.toFixed(digits));

/** The accuracy section's view (null when the run was not evaluated against reference structures). */
function accuracyView(report: Report) {
  const a = report.accuracy;
  if (!a) return null;
  const evaluated = report.targets.filter((t) => t.accuracy?.status === 'evaluated');
  return {
    rows: [
      { label: 'Evaluated targets', value: String(a.evaluated) },
      { label: 'No reference structure', value: String(a.noReference) },
      { label: 'Evaluation failed', value: String(a.failed) },
      { label: 'Mean lDDT-Cα', value: score(a.meanLddtCa, 4) },
      { label: 'Mean lDDT (all atoms)', value: score(a.meanLddt, 4) },
      { label: 'Mean TM-score', value: score(a.meanTmScore, 4) },
      { label: 'Mean GDT-TS', value: score(a.meanGdtTs, 4) },
      { label: 'Mean RMSD-Cα', value: a.meanRmsdCa === null ? DASH : `${a.meanRmsdCa.toFixed(2)} Å` },
    ],
    comparison: a.comparison,
    source: a.published.source,
    scatterSvg: accuracyScatterSvg(
      evaluated
        .filter((t) => t.meanPlddt !== null && t.accuracy?.lddtCa != null)
        .map((t) => ({ tag: t.tag, meanPlddt: t.meanPlddt as number, lddtCa: t.accuracy?.lddtCa as number })),
    ),
    targets: report.targets
      .filter((t) => t.accuracy)
      .map((t) => {
        const x = t.accuracy!;
        return {
          tag: t.tag,
          status: x.status,
          reference: x.reference ?? DASH,
          note: x.reason ?? '',
          lddtCa: score(x.lddtCa),
          lddt: score(x.lddt),
          tmScore: score(x.tmScore),
          gdtTs: score(x.gdtTs),
          rmsdCa: x.rmsdCa === null ? DASH : x.rmsdCa.toFixed(2),
          dockq:
            Object.entries(x.dockq)
              .map(([pair, v]) => `${pair} ${v.toFixed(3)}`)
              .join(', ') || DASH,
          meanPlddt: formatPlddt(t.meanPlddt),
        };
      }),
  };
}

/** The template's view: every string already formatted, so the template holds no logic. */
export function reportView({ report, plddt }: Collected) {
  const runName = basename(resolve(report.run));
  const predicted = report.targets.filter((t) => t.status === 'predicted' && t.meanPlddt !== null && !t.duplicateOf);
  const withProfile = report.targets.filter((t) => !t.duplicateOf && plddt.has(t.tag));
  return {
    run: report.run,
    runName,
    openfold3: openfold3View(report),
    summaryRows: summaryRows(report),
    cost: costView(report.cost),
    bands: PLDDT_BANDS,
    scatterSvg: plddtScatterSvg(predicted.map((t) => ({ tag: t.tag, length: t.length, meanPlddt: t.meanPlddt as number }))),
    failures: report.targets
      .filter((t) => (t.status === 'failed' || t.status === 'unknown') && !t.duplicateOf)
      .map((t) => ({ tag: t.tag, status: t.status, reason: t.reason ?? DASH })),
    targets: report.targets.map((t) => targetRow(report.run, t)),
    totals: {
      targets: report.summary.targets,
      residues: report.summary.residues,
      predicted: report.summary.byStatus.predicted,
      alignSeconds: formatSeconds(report.summary.alignSeconds),
      gpuSeconds: formatSeconds(report.summary.gpuSeconds),
      meanPlddt: formatPlddt(report.summary.meanPlddt),
    },
    profiles: withProfile.slice(0, MAX_PROFILES).map((t) => {
      const values = plddt.get(t.tag) as number[];
      const duplicates = report.targets.filter((d) => d.duplicateOf === t.tag).map((d) => d.tag);
      return {
        tag: t.tag,
        caption: `${values.length} residues, mean ${formatPlddt(t.meanPlddt)}${duplicates.length ? ` (also ${duplicates.join(', ')})` : ''}`,
        svg: plddtProfileSvg(values, t.tag),
      };
    }),
    omittedProfiles: Math.max(0, withProfile.length - MAX_PROFILES),
    accuracy: accuracyView(report),
  };
}

/** report.hbs next to this module (a copied layout) or in the source tree (dist/ beside steps/). */
export function templatePath(): string {
  const candidates = [new URL('./report.hbs', import.meta.url), new URL('../../../steps/collect/report.hbs', import.meta.url)].map((u) =>
    fileURLToPath(u),
  );
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`report template not found (looked in ${candidates.join(', ')})`);
  return found;
}

let compiled: HandlebarsTemplateDelegate | undefined;

export function renderHtml(collected: Collected): string {
  compiled ??= Handlebars.compile(readFileSync(templatePath(), 'utf8'), { strict: true });
  return compiled(reportView(collected));
}

/** A few lines of Markdown: counts, time, mean pLDDT, the first failures. */
export function markdownSummary(report: Report, maxFailures = 20): string {
  const s = report.summary;
  const counts = STATUS_ORDER.filter((k) => s.byStatus[k] > 0).map((k) => `${s.byStatus[k]} ${k.replace('_', ' ')}`);
  const lines = [
    `## openfold-argo report: ${basename(resolve(report.run))}`,
    '',
    `- targets: ${s.targets} (${counts.join(', ')})${s.duplicates ? `, ${plural(s.duplicates, 'duplicate sequence')}` : ''}`,
    `- alignment: ${s.aligned} aligned, ${formatSeconds(s.alignSeconds)} on CPU nodes`,
    `- prediction: ${formatSeconds(s.gpuSeconds)} on GPUs; mean pLDDT ${formatPlddt(s.meanPlddt)}`,
    `- first to last completion: ${formatSeconds(s.wallSeconds)}`,
    ...costMarkdown(report.cost),
  ];
  if (report.accuracy) lines.push(`- accuracy: ${report.accuracy.comparison}`);
  // Every target without a structure and a final outcome (pending ones are not over yet).
  const failures = report.targets.filter((t) => ['failed', 'unknown', 'not_run'].includes(t.status) && !t.duplicateOf);
  if (failures.length) {
    lines.push('', `### failures (${failures.length})`, '');
    for (const t of failures.slice(0, maxFailures)) lines.push(`- \`${t.tag}\` ${t.status}: ${t.reason ?? DASH}`);
    if (failures.length > maxFailures) lines.push(`- … ${failures.length - maxFailures} more in report.json`);
  }
  return lines.join('\n');
}

async function writeAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, content);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** The collect step: writes RUN/report.json and RUN/report.html, returns the report and its Markdown summary. */
export async function writeReport(run: string, opts: CollectOptions = {}): Promise<{ report: Report; markdown: string; files: string[] }> {
  const collected = await collectRun(run, opts);
  const json = join(run, 'report.json');
  const html = join(run, 'report.html');
  await writeAtomic(json, `${JSON.stringify(collected.report, null, 2)}\n`);
  await writeAtomic(html, renderHtml(collected));
  return { report: collected.report, markdown: markdownSummary(collected.report), files: [json, html] };
}
