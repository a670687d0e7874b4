// Fan-out: the items of withItems / withParam / withSequence, the scope an item adds (`{{item}}`,
// `{{item.field}}`) and the label Argo gives an expanded node (`align(0:0)`, `chunk(1:first:1,gpu:standard,...)`).
import { stringify } from './expression.js';
import type { Scope } from './template-string.js';

export interface Sequence {
  count?: string | number;
  start?: string | number;
  end?: string | number;
  format?: string;
}

function integer(v: string | number | undefined, field: string, fallback?: number): number {
  if (v === undefined || v === '') {
    if (fallback === undefined) throw new Error(`withSequence.${field}: missing`);
    return fallback;
  }
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`withSequence.${field}: must be an integer, got ${JSON.stringify(v)}`);
  return n;
}

/** printf for the integer verbs Argo's sequences use: %d, %5d, %05d, %x, %X, %o. */
function formatInt(format: string, n: number): string {
  return format.replace(/%(0?)(\d*)([dxXo])|%%/g, (whole, zero: string, width: string, verb: string) => {
    if (whole === '%%') return '%';
    let s = verb === 'd' ? String(Math.abs(n)) : Math.abs(n).toString(verb === 'o' ? 8 : 16);
    if (verb === 'X') s = s.toUpperCase();
    const w = Number(width || 0);
    const sign = n < 0 ? '-' : '';
    return zero ? sign + s.padStart(w - sign.length, '0') : (sign + s).padStart(w, ' ');
  });
}

/** Argo's expandSequence: start (default 0) to end inclusive, counting down when end < start, or count items. */
export function expandSequence(seq: Sequence): string[] {
  const start = integer(seq.start, 'start', 0);
  let end: number;
  if (seq.end !== undefined && seq.end !== '') end = integer(seq.end, 'end');
  else if (seq.count !== undefined && seq.count !== '') {
    const count = integer(seq.count, 'count');
    if (count === 0) return [];
    end = start + count - 1;
  } else throw new Error('withSequence: neither end nor count was specified');
  const format = seq.format || '%d';
  const out: string[] = [];
  if (start <= end) for (let i = start; i <= end; i++) out.push(formatInt(format, i));
  else for (let i = start; i >= end; i--) out.push(formatInt(format, i));
  return out;
}

/** Parses a substituted withParam value: it must be a JSON list. */
export function parseWithParam(value: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`withParam value could not be parsed as a JSON list: ${value.trim().slice(0, 200)}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`withParam value is not a JSON list: ${value.trim().slice(0, 200)}`);
  return parsed;
}

/** `{{item}}` and, for a map item, `{{item.<key>}}`. The raw item also serves `{{= item.key }}`. */
export function itemScope(item: unknown): Scope {
  const scope: Scope = { item: item !== null && typeof item === 'object' && !Array.isArray(item) ? item : stringify(item) };
  if (item !== null && typeof item === 'object' && !Array.isArray(item))
    for (const [k, v] of Object.entries(item as Record<string, unknown>)) scope[`item.${k}`] = v;
  return scope;
}

/** The text between the parentheses of an expanded node's name, after `i:`. */
export function itemLabel(item: unknown): string {
  if (item !== null && typeof item === 'object' && !Array.isArray(item))
    return Object.keys(item as object)
      .sort()
      .map((k) => `${k}:${stringify((item as Record<string, unknown>)[k])}`)
      .join(',');
  return stringify(item);
}
