// Small pure parsers and converters for the alignment formats OpenFold reads: Stockholm (jackhmmer), A3M
// (hhblits, MMseqs2) and HHR (hhsearch). The conversions port openfold/data/parsers.py line for line, so the
// template search sees the same input as under OpenFold's own pipeline.

export interface MsaRow {
  /** First word of the header (Stockholm: the row name, e.g. "UniRef90_X/3-70"). */
  name: string;
  description: string;
  /** Aligned sequence as written in the file (A3M keeps lowercase inserts). */
  sequence: string;
}

/** Lines as Python's str.splitlines() gives them (no trailing empty line). */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const isData = (line: string) => line.trim() !== '' && !line.startsWith('#') && !line.startsWith('//');

/** Rows of a Stockholm MSA in file order (blocks concatenated per name); the query comes first. */
export function parseStockholm(text: string): MsaRow[] {
  const rows = new Map<string, MsaRow>();
  const descriptions = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#=GS ')) {
      const [, name, feature, ...rest] = line.split(/\s+/);
      if (feature === 'DE') descriptions.set(name, rest.join(' '));
      continue;
    }
    if (!isData(line)) continue;
    const parts = line.split(/\s+/);
    if (parts.length !== 2) throw new Error(`Stockholm: expected "name sequence", got ${JSON.stringify(line.slice(0, 80))}`);
    const [name, seq] = parts;
    const row = rows.get(name);
    if (row) row.sequence += seq;
    else rows.set(name, { name, description: '', sequence: seq });
  }
  for (const row of rows.values()) row.description = descriptions.get(row.name) ?? '';
  return [...rows.values()];
}

/** Records of an A3M (or FASTA) text; blank and '#' lines are skipped as OpenFold's parse_fasta does. */
export function parseA3m(text: string): MsaRow[] {
  const rows: MsaRow[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('>')) {
      const header = line.slice(1);
      const space = header.search(/\s/);
      rows.push({
        name: space < 0 ? header : header.slice(0, space),
        description: space < 0 ? '' : header.slice(space + 1).trim(),
        sequence: '',
      });
    } else if (line && !line.startsWith('#') && !line.startsWith('\0')) {
      if (rows.length === 0) throw new Error('A3M: sequence before the first ">" header');
      rows[rows.length - 1].sequence += line.replace(/\0/g, '');
    }
  }
  return rows;
}

/** Match columns of an A3M row: uppercase letters and '-' (lowercase letters and '.' are inserts). */
export const a3mMatchLength = (seq: string): number => seq.replace(/[a-z.]/g, '').length;

export interface HhrHit {
  index: number;
  /** First word of the hit's header, e.g. "1HF9_B". */
  name: string;
  description: string;
  probability: number;
  eValue: number;
  alignedCols: number;
}

export interface Hhr {
  query: string;
  matchColumns: number;
  hits: HhrHit[];
}

/** The header and the detailed hit sections ("No N") of an hhsearch/hhblits .hhr file. */
export function parseHhr(text: string): Hhr {
  const lines = text.split(/\r?\n/);
  const header = (key: string) =>
    lines
      .find((l) => l.startsWith(key))
      ?.slice(key.length)
      .trim() ?? '';
  if (!lines.some((l) => l.startsWith('Query '))) throw new Error('HHR: no "Query" line');
  const hits: HhrHit[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('No ')) return;
    const title = lines[i + 1] ?? '';
    const stats = lines[i + 2] ?? '';
    const m = /Probab=(\S+)\s+E-value=(\S+)\s+Score=\S+\s+Aligned_cols=(\d+)/.exec(stats);
    if (!title.startsWith('>') || !m) throw new Error(`HHR: hit section "${line.trim()}" is malformed`);
    const [name, ...desc] = title.slice(1).split(' ');
    hits.push({
      index: Number(line.slice(3).trim()),
      name,
      description: desc.join(' ').trim(),
      probability: Number(m[1]),
      eValue: Number(m[2]),
      alignedCols: Number(m[3]),
    });
  });
  return { query: header('Query'), matchColumns: Number(header('Match_columns')) || 0, hits };
}

// ---- Stockholm processing, as openfold/data/parsers.py does it ----

/** The first `max` distinct row names, in file order (truncate_stockholm_msa). */
export function firstStockholmNames(lines: Iterable<string>, max: number): Set<string> {
  const names = new Set<string>();
  for (const line of lines) {
    if (!isData(line)) continue;
    names.add(line.split(' ', 1)[0]);
    if (names.size >= max) break;
  }
  return names;
}

/** Whether a Stockholm line survives when only `names` are kept (_keep_line). */
export function keepStockholmLine(line: string, names: Set<string>): boolean {
  if (!line.trim()) return true;
  if (line.trim() === '//') return true;
  if (line.startsWith('# STOCKHOLM')) return true;
  if (line.startsWith('#=GC RF')) return true;
  if (line.startsWith('#=GS')) return names.has(line.split(/\s+/)[1]);
  if (line.startsWith('#')) return false;
  return names.has(line.split(' ', 1)[0]);
}

/** Keeps the first `max` sequences (truncate_stockholm_msa); `text` is the whole file. */
export function truncateStockholm(text: string, max: number): string {
  const lines = text.split(/(?<=\n)/);
  const names = firstStockholmNames(lines, max);
  return lines.filter((l) => keepStockholmLine(l.replace(/\r?\n$/, ''), names)).join('');
}

/** Drops rows identical to an earlier one once insertions w.r.t. the query are removed (deduplicate_stockholm_msa). */
export function deduplicateStockholm(text: string): string {
  const aligned = new Map<string, string>();
  for (const raw of splitLines(text)) {
    if (!isData(raw)) continue;
    const [name, seq] = raw.trim().split(/\s+/);
    aligned.set(name, (aligned.get(name) ?? '') + seq);
  }
  if (aligned.size === 0) return text;
  const query = aligned.values().next().value as string;
  const seen = new Set<string>();
  const keep = new Set<string>();
  for (const [name, seq] of aligned) {
    let masked = '';
    for (let i = 0; i < query.length; i++) if (query[i] !== '-') masked += seq[i];
    if (seen.has(masked)) continue;
    seen.add(masked);
    keep.add(name);
  }
  return `${splitLines(text)
    .filter((l) => keepStockholmLine(l, keep))
    .join('\n')}\n`;
}

/** Removes columns that are '-' in every row, block by block (remove_empty_columns_from_stockholm_msa). */
export function removeEmptyStockholmColumns(text: string): string {
  const lines = splitLines(text);
  const out: string[] = [];
  let block: number[] = [];
  const alignmentOf = (line: string) => line.slice(line.lastIndexOf(' ') + 1);
  const prefixOf = (line: string) => line.slice(0, line.lastIndexOf(' '));
  lines.forEach((line, i) => {
    if (line.startsWith('#=GC RF')) {
      const width = alignmentOf(line).length;
      const mask = Array.from({ length: width }, (_, j) => block.some((k) => alignmentOf(lines[k])[j] !== '-'));
      block.push(i);
      for (const k of block) {
        out[k] = mask.some(Boolean) ? `${prefixOf(lines[k])} ${[...alignmentOf(lines[k])].filter((_, j) => mask[j]).join('')}` : '';
      }
      block = [];
    } else if (isData(line)) {
      block.push(i);
    } else {
      out[i] = line;
    }
  });
  // Rows after the last "#=GC RF" line are left out, as in OpenFold.
  return out.filter((l) => l !== undefined).join('\n');
}

/** Stockholm to A3M with the query's gap columns turned into lowercase inserts (convert_stockholm_to_a3m). */
export function convertStockholmToA3m(text: string, maxSequences?: number): string {
  const sequences = new Map<string, string>();
  const descriptions = new Map<string, string>();
  let reachedMax = false;
  const lines = splitLines(text);
  for (const line of lines) {
    reachedMax = maxSequences !== undefined && maxSequences > 0 && sequences.size >= maxSequences;
    if (line.trim() && !line.startsWith('#') && !line.startsWith('//')) {
      const m = /^\s*(\S+)\s+(.*)$/.exec(line);
      if (!m) continue;
      const [, name, seq] = m;
      if (!sequences.has(name)) {
        if (reachedMax) continue;
        sequences.set(name, '');
      }
      sequences.set(name, sequences.get(name) + seq);
    }
  }
  for (const line of lines) {
    if (!line.startsWith('#=GS')) continue;
    const m = /^#=GS\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m || m[2] !== 'DE') continue;
    if (reachedMax && !sequences.has(m[1])) continue;
    descriptions.set(m[1], m[3]);
    if (descriptions.size === sequences.size) break;
  }
  if (sequences.size === 0) return '\n';
  const query = sequences.values().next().value as string;
  const queryNonGap = [...query].map((c) => c !== '-');
  const chunks: string[] = [];
  for (const [name, sto] of sequences) {
    const withoutDots = sto.replace(/\./g, '');
    let a3m = '';
    // zip() in OpenFold stops at the shorter of the two.
    const n = Math.min(queryNonGap.length, withoutDots.length);
    for (let i = 0; i < n; i++) {
      const res = withoutDots[i];
      if (queryNonGap[i]) a3m += res;
      else if (res !== '-') a3m += res.toLowerCase();
    }
    chunks.push(`>${name} ${descriptions.get(name) ?? ''}\n${a3m}`);
  }
  return `${chunks.join('\n')}\n`;
}

/** Sequences in an MSA file, by extension (.sto or .a3m); the query counts. */
export function msaDepth(fileName: string, text: string): number {
  if (fileName.endsWith('.sto')) return parseStockholm(text).length;
  if (fileName.endsWith('.a3m')) return parseA3m(text).length;
  throw new Error(`${fileName}: not an MSA (.sto or .a3m)`);
}
