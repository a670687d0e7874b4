// Small inline-SVG charts for the report: pure functions from numbers to markup, no dependencies.
// Colours follow the usual pLDDT bands (AlphaFold DB): >90 very high, 70-90 confident, 50-70 low, <50 very low.

export const PLDDT_BANDS = [
  { from: 90, to: 100, color: '#0053d6', label: 'very high (>90)' },
  { from: 70, to: 90, color: '#65cbf3', label: 'confident (70-90)' },
  { from: 50, to: 70, color: '#ffdb13', label: 'low (50-70)' },
  { from: 0, to: 50, color: '#ff7d45', label: 'very low (<50)' },
] as const;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export function bandColor(plddt: number): string {
  return (PLDDT_BANDS.find((b) => plddt >= b.from) ?? PLDDT_BANDS[PLDDT_BANDS.length - 1]).color;
}

const fixed = (n: number): string => String(Math.round(n * 10) / 10);

/** A "nice" axis maximum (1, 2 or 5 times a power of ten) at or above `value`. */
export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * step).find((v) => v >= value) ?? 10 * step;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const plotX = (f: Frame, v: number, max: number, min = 0): number => f.left + ((v - min) / (max - min || 1)) * (f.width - f.left - f.right);
const plotY = (f: Frame, plddt: number): number => f.top + (1 - plddt / 100) * (f.height - f.top - f.bottom);

/** Band backgrounds and the pLDDT axis (0, 50, 70, 90, 100) shared by both charts. */
function plddtAxis(f: Frame): string {
  const bands = PLDDT_BANDS.map(
    (b) =>
      `<rect x="${f.left}" y="${fixed(plotY(f, b.to))}" width="${f.width - f.left - f.right}" height="${fixed(plotY(f, b.from) - plotY(f, b.to))}" fill="${b.color}" fill-opacity="0.15"/>`,
  );
  const ticks = [0, 50, 70, 90, 100].map(
    (v) => `<text x="${f.left - 4}" y="${fixed(plotY(f, v) + 3)}" text-anchor="end" font-size="9" fill="#444">${v}</text>`,
  );
  return [...bands, ...ticks].join('');
}

function svgOpen(f: Frame, label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" role="img" aria-label="${escapeXml(label)}">`;
}

/** pLDDT along the sequence (one point per residue) of one target. */
export function plddtProfileSvg(values: number[], label: string, width = 520, height = 110): string {
  const f: Frame = { width, height, left: 28, right: 6, top: 6, bottom: 18 };
  const n = values.length;
  const xOf = (i: number) => (n === 1 ? plotX(f, 0.5, 1) : plotX(f, i, n - 1));
  const points = values.map((v, i) => `${fixed(xOf(i))},${fixed(plotY(f, Math.max(0, Math.min(100, v))))}`).join(' ');
  const xLabels =
    `<text x="${f.left}" y="${height - 5}" font-size="9" fill="#444">1</text>` +
    `<text x="${width - f.right}" y="${height - 5}" text-anchor="end" font-size="9" fill="#444">${n} (residue)</text>`;
  return (
    `${svgOpen(f, `${label}: pLDDT per residue`)}${plddtAxis(f)}${xLabels}` +
    `<polyline points="${points}" fill="none" stroke="#1b2a49" stroke-width="1.2"/></svg>`
  );
}

export interface ScatterPoint {
  tag: string;
  length: number;
  meanPlddt: number;
}

/** Mean pLDDT against sequence length, one dot per predicted target. */
export function plddtScatterSvg(points: ScatterPoint[], width = 640, height = 320): string {
  const f: Frame = { width, height, left: 34, right: 12, top: 10, bottom: 30 };
  const maxLength = niceMax(Math.max(0, ...points.map((p) => p.length)));
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((q) => {
    const v = Math.round(q * maxLength);
    return `<text x="${fixed(plotX(f, v, maxLength))}" y="${height - 16}" text-anchor="middle" font-size="9" fill="#444">${v}</text>`;
  });
  const dots = points.map(
    (p) =>
      `<circle cx="${fixed(plotX(f, p.length, maxLength))}" cy="${fixed(plotY(f, Math.max(0, Math.min(100, p.meanPlddt))))}" r="3.5" ` +
      `fill="${bandColor(p.meanPlddt)}" stroke="#1b2a49" stroke-width="0.6"><title>${escapeXml(p.tag)}: ${p.length} residues, mean pLDDT ${fixed(p.meanPlddt)}</title></circle>`,
  );
  const empty = points.length
    ? ''
    : `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="12" fill="#444">no predicted targets yet</text>`;
  return (
    `${svgOpen(f, 'mean pLDDT against sequence length')}${plddtAxis(f)}${xTicks.join('')}` +
    `<text x="${fixed((f.left + width - f.right) / 2)}" y="${height - 3}" text-anchor="middle" font-size="10" fill="#222">sequence length (residues)</text>` +
    `<text x="10" y="${fixed(height / 2)}" transform="rotate(-90 10 ${fixed(height / 2)})" text-anchor="middle" font-size="10" fill="#222">mean pLDDT</text>` +
    `${dots.join('')}${empty}</svg>`
  );
}

export interface IptmPoint {
  tag: string;
  ptm: number;
  iptm: number;
  hasClash: boolean;
}

/** ipTM against pTM of complexes (OpenFold3), one dot per query: both on 0..1, the diagonal drawn. */
export function iptmPtmSvg(points: IptmPoint[], width = 420, height = 320): string {
  const f: Frame = { width, height, left: 34, right: 12, top: 10, bottom: 30 };
  const x = (v: number) => plotX(f, Math.max(0, Math.min(1, v)), 1);
  const y = (v: number) => f.top + (1 - Math.max(0, Math.min(1, v))) * (height - f.top - f.bottom);
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1].map(
    (v) =>
      `<text x="${fixed(x(v))}" y="${height - 16}" text-anchor="middle" font-size="9" fill="#444">${v}</text>` +
      `<text x="${f.left - 4}" y="${fixed(y(v) + 3)}" text-anchor="end" font-size="9" fill="#444">${v}</text>`,
  );
  const frame = `<rect x="${f.left}" y="${f.top}" width="${width - f.left - f.right}" height="${height - f.top - f.bottom}" fill="#f3f5f9"/>`;
  const diagonal = `<line x1="${fixed(x(0))}" y1="${fixed(y(0))}" x2="${fixed(x(1))}" y2="${fixed(y(1))}" stroke="#9aa3b5" stroke-dasharray="3 3"/>`;
  const dots = points.map(
    (p) =>
      `<circle cx="${fixed(x(p.ptm))}" cy="${fixed(y(p.iptm))}" r="3.5" fill="${p.hasClash ? '#ff7d45' : '#0053d6'}" stroke="#1b2a49" stroke-width="0.6">` +
      `<title>${escapeXml(p.tag)}: pTM ${p.ptm.toFixed(3)}, ipTM ${p.iptm.toFixed(3)}${p.hasClash ? ', clash' : ''}</title></circle>`,
  );
  const empty = points.length
    ? ''
    : `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="12" fill="#444">no predicted complexes yet</text>`;
  return (
    `${svgOpen(f, 'ipTM vs pTM of complexes')}${frame}${diagonal}${ticks.join('')}` +
    `<text x="${fixed((f.left + width - f.right) / 2)}" y="${height - 3}" text-anchor="middle" font-size="10" fill="#222">pTM</text>` +
    `<text x="10" y="${fixed(height / 2)}" transform="rotate(-90 10 ${fixed(height / 2)})" text-anchor="middle" font-size="10" fill="#222">ipTM</text>` +
    `${dots.join('')}${empty}</svg>`
  );
}

export interface AccuracyPoint {
  tag: string;
  meanPlddt: number;
  lddtCa: number;
}

/** lDDT-Cα against the reference (y, 0-1) by mean pLDDT (x, 0-100), one dot per evaluated target; the
 * diagonal is where the confidence would equal the measured accuracy. */
export function accuracyScatterSvg(points: AccuracyPoint[], width = 640, height = 320): string {
  const f: Frame = { width, height, left: 34, right: 12, top: 10, bottom: 30 };
  const xOf = (plddt: number) => plotX(f, Math.max(0, Math.min(100, plddt)), 100);
  const yOf = (lddt: number) => plotY(f, 100 * Math.max(0, Math.min(1, lddt)));
  const xTicks = [0, 50, 70, 90, 100].map(
    (v) => `<text x="${fixed(xOf(v))}" y="${height - 16}" text-anchor="middle" font-size="9" fill="#444">${v}</text>`,
  );
  const yTicks = [0, 0.5, 0.7, 0.9, 1].map(
    (v) => `<text x="${f.left - 4}" y="${fixed(yOf(v) + 3)}" text-anchor="end" font-size="9" fill="#444">${v}</text>`,
  );
  const frame = `<rect x="${f.left}" y="${f.top}" width="${width - f.left - f.right}" height="${height - f.top - f.bottom}" fill="#f7f8fb" stroke="#d8dee9"/>`;
  const diagonal = `<line x1="${fixed(xOf(0))}" y1="${fixed(yOf(0))}" x2="${fixed(xOf(100))}" y2="${fixed(yOf(1))}" stroke="#9aa3b5" stroke-dasharray="4 3"/>`;
  const dots = points.map(
    (p) =>
      `<circle cx="${fixed(xOf(p.meanPlddt))}" cy="${fixed(yOf(p.lddtCa))}" r="3.5" fill="${bandColor(p.meanPlddt)}" stroke="#1b2a49" stroke-width="0.6">` +
      `<title>${escapeXml(p.tag)}: mean pLDDT ${fixed(p.meanPlddt)}, lDDT-Cα ${p.lddtCa.toFixed(3)}</title></circle>`,
  );
  const empty = points.length
    ? ''
    : `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="12" fill="#444">no evaluated targets yet</text>`;
  return (
    `${svgOpen(f, 'lDDT-Cα against mean pLDDT')}${frame}${diagonal}${xTicks.join('')}${yTicks.join('')}` +
    `<text x="${fixed((f.left + width - f.right) / 2)}" y="${height - 3}" text-anchor="middle" font-size="10" fill="#222">mean pLDDT (confidence)</text>` +
    `<text x="10" y="${fixed(height / 2)}" transform="rotate(-90 10 ${fixed(height / 2)})" text-anchor="middle" font-size="10" fill="#222">lDDT-Cα (accuracy)</text>` +
    `${dots.join('')}${empty}</svg>`
  );
}
