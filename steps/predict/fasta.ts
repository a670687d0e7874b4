// Minimal FASTA reading and writing for the prediction batch directory.

export interface FastaRecord {
  /** Header line without '>'. */
  header: string;
  /** Sequence, upper case, without white space. */
  sequence: string;
}

/** Parses FASTA text; `source` names the file in errors. */
export function parseFasta(text: string, source: string): FastaRecord[] {
  const records: FastaRecord[] = [];
  let current: { header: string; parts: string[]; line: number } | null = null;
  const finish = () => {
    if (!current) return;
    const sequence = current.parts.join('').toUpperCase();
    if (sequence === '') throw new Error(`${source}:${current.line}: record "${current.header}" has no sequence`);
    if (!/^[A-Z*-]+$/.test(sequence))
      throw new Error(`${source}:${current.line}: record "${current.header}" has characters other than letters in its sequence`);
    records.push({ header: current.header, sequence });
  };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith(';')) return;
    if (line.startsWith('>')) {
      finish();
      current = { header: line.slice(1).trim(), parts: [], line: i + 1 };
    } else {
      if (!current) throw new Error(`${source}:${i + 1}: sequence data before the first ">" header`);
      current.parts.push(line.replace(/\s+/g, ''));
    }
  });
  finish();
  return records;
}

/** One-record FASTA text whose header is exactly the tag, as OpenFold reads it. */
export function formatFasta(tag: string, sequence: string): string {
  return `>${tag}\n${sequence}\n`;
}
