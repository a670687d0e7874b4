// Multi-FASTA parsing and residue validation. Pure functions over text; the caller reads the file.
// Accepts CRLF/CR line ends, blank lines, wrapped or single-line sequences, lowercase and spaces inside
// sequence lines. Letters OpenFold maps to X (B, J, O, U, Z: see README.md) are written as X so the aligners
// and the model see the same sequence.
import { gunzipSync } from 'node:zlib';

export interface FastaRecord {
  /** 1-based position of the record in the file. */
  index: number;
  /** The header line without the leading '>' (trimmed). */
  header: string;
  /** 1-based line number of the header. */
  line: number;
  /** Upper-case residues, B/J/O/U/Z already mapped to X. */
  sequence: string;
  /** How many residues were mapped to X from B/J/O/U/Z. */
  mappedToX: number;
}

/** A problem with the input that names the record and position; the CLI turns it into exit code 2. */
export class FastaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FastaError';
  }
}

/** Letters outside the 20 standard ones that OpenFold's sequence_to_onehot(map_unknown_to_x=True) reads as X. */
export const MAPPED_TO_X = 'BJOUZ';
const GZIP_MAGIC = [0x1f, 0x8b];

/** Decodes input bytes: gunzips when the gzip magic bytes are present, drops a UTF-8 byte-order mark. */
export function decodeFastaBytes(bytes: Uint8Array, source: string): string {
  let data = bytes;
  if (data.length >= 2 && data[0] === GZIP_MAGIC[0] && data[1] === GZIP_MAGIC[1]) {
    try {
      data = gunzipSync(data);
    } catch (e) {
      throw new FastaError(`${source}: starts like gzip but cannot be decompressed (${(e as Error).message})`);
    }
  }
  const text = new TextDecoder('utf-8').decode(data);
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** Shows a header in a message: quoted, shortened. */
export function showHeader(header: string): string {
  const short = header.length > 80 ? `${header.slice(0, 77)}...` : header;
  return JSON.stringify(`>${short}`);
}

const recordName = (index: number, header: string): string => `record ${index} (${showHeader(header)})`;

function describeChar(ch: string): string {
  if (ch === '\t') return 'a tab';
  const code = ch.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f ? `control character U+${code.toString(16).padStart(4, '0')}` : JSON.stringify(ch);
}

function hintFor(ch: string): string {
  if (ch === '*') return ' (a stop codon mark: remove it)';
  if (ch === '-' || ch === '.') return ' (an alignment gap: give the unaligned sequence)';
  if (/[0-9]/.test(ch)) return ' (numbers are not residues: remove position numbers)';
  return '';
}

interface Pending {
  index: number;
  header: string;
  line: number;
  parts: string[];
  residues: number;
  mappedToX: number;
}

// Checked before upper-casing: toUpperCase turns some non-ASCII letters into ASCII ones (ß -> SS).
const VALID_LINE = /^[ACDEFGHIKLMNPQRSTVWYXBJOUZacdefghiklmnpqrstvwyxbjouz]*$/;
const MAPPED_RE = /[BJOUZ]/g;

/** Normalises one sequence line onto `rec`, or throws naming the record, residue position, line and column. */
function addSequenceLine(rec: Pending, raw: string, lineNo: number): void {
  // Whole-line string operations: building sequences character by character costs gigabytes at 100 000 targets.
  const stripped = raw.replace(/[ \t]+/g, '');
  if (!VALID_LINE.test(stripped)) throw invalidCharacter(rec, raw, lineNo);
  const line = stripped.toUpperCase();
  const mapped = line.match(MAPPED_RE)?.length ?? 0;
  rec.mappedToX += mapped;
  rec.parts.push(mapped ? line.replace(MAPPED_RE, 'X') : line);
  rec.residues += line.length;
}

/** The error for the first character of `raw` that is not a residue, with its residue number and column. */
function invalidCharacter(rec: Pending, raw: string, lineNo: number): FastaError {
  let residue = rec.residues;
  for (let col = 0; col < raw.length; col++) {
    const ch = raw[col];
    if (ch === ' ' || ch === '\t') continue;
    residue++;
    if (VALID_LINE.test(ch)) continue;
    return new FastaError(
      `${recordName(rec.index, rec.header)}: invalid character ${describeChar(ch)} at residue ${residue} ` +
        `(line ${lineNo}, column ${col + 1})${hintFor(ch)}; allowed: the 20 standard amino acids, X, and B/J/O/U/Z (read as X)`,
    );
  }
  return new FastaError(`${recordName(rec.index, rec.header)}: invalid characters on line ${lineNo}`);
}

function finish(rec: Pending): FastaRecord {
  if (rec.header === '') throw new FastaError(`record ${rec.index} (line ${rec.line}): empty header; every record needs a name after ">"`);
  if (rec.residues === 0) throw new FastaError(`${recordName(rec.index, rec.header)}: no residues`);
  return { index: rec.index, header: rec.header, line: rec.line, sequence: rec.parts.join(''), mappedToX: rec.mappedToX };
}

/** Parses a multi-FASTA text into validated records; throws FastaError on the first problem. */
export function parseFasta(text: string, source = 'input'): FastaRecord[] {
  const lines = text.split(/\r\n|\r|\n/);
  const records: FastaRecord[] = [];
  let current: Pending | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineNo = i + 1;
    if (line.trim() === '') continue;
    if (line.startsWith('>')) {
      if (current) records.push(finish(current));
      current = { index: records.length + 1, header: line.slice(1).trim(), line: lineNo, parts: [], residues: 0, mappedToX: 0 };
      continue;
    }
    if (!current) throw new FastaError(`${source}: line ${lineNo}: sequence before the first header (a FASTA record starts with ">name")`);
    addSequenceLine(current, line, lineNo);
  }
  if (current) records.push(finish(current));
  if (records.length === 0) throw new FastaError(`${source}: empty input: no FASTA records (a record starts with ">name")`);
  return records;
}
