// Per-residue pLDDT from OpenFold's output structures. OpenFold writes the pLDDT of each residue into the
// B-factor of every atom of that residue; the CA atom's value is read, once per residue, in file order.

/** pLDDT per residue from a PDB file's text: B-factor (columns 61-66) of each residue's CA atom. */
export function parsePdbPlddt(pdb: string): number[] {
  const values: number[] = [];
  const seen = new Set<string>();
  for (const line of pdb.split(/\r?\n/)) {
    if (line.startsWith('ENDMDL')) break; // first model only
    if (!line.startsWith('ATOM') && !line.startsWith('HETATM')) continue;
    if (line.slice(12, 16).trim() !== 'CA') continue;
    // chain (22) + residue number (23-26) + insertion code (27): an alternate location repeats it.
    const residue = line.slice(21, 27);
    if (seen.has(residue)) continue;
    seen.add(residue);
    const value = Number(line.slice(60, 66));
    if (line.length < 66 || !Number.isFinite(value)) throw new Error(`PDB line without a B-factor: ${JSON.stringify(line.trimEnd())}`);
    values.push(value);
  }
  return values;
}

/** Splits an mmCIF data line into values, honouring '…' and "…" quoting. */
function cifTokens(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** pLDDT per residue from an mmCIF file's text (OpenFold --cif_output): B_iso_or_equiv of CA atoms. */
export function parseCifPlddt(cif: string): number[] {
  const lines = cif.split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim().startsWith('_atom_site.'));
  if (start < 0) return [];
  const columns: string[] = [];
  let i = start;
  for (; i < lines.length && lines[i].trim().startsWith('_atom_site.'); i++) columns.push(lines[i].trim().split(/\s+/)[0]);
  const col = (name: string) => columns.indexOf(`_atom_site.${name}`);
  const [atom, bfactor, chain, seq, model] = [
    col('label_atom_id'),
    col('B_iso_or_equiv'),
    col('label_asym_id'),
    col('label_seq_id'),
    col('pdbx_PDB_model_num'),
  ];
  if (atom < 0 || bfactor < 0) throw new Error('mmCIF _atom_site loop without label_atom_id or B_iso_or_equiv');
  const values: number[] = [];
  const seen = new Set<string>();
  let firstModel: string | undefined;
  for (; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line === '#' || line.startsWith('_') || line.startsWith('loop_') || line.startsWith('data_')) break;
    const row = cifTokens(line);
    if (model >= 0) {
      firstModel ??= row[model];
      if (row[model] !== firstModel) break;
    }
    if (row[atom] !== 'CA') continue;
    const residue = `${row[chain] ?? ''}:${row[seq] ?? values.length}`;
    if (seen.has(residue)) continue;
    seen.add(residue);
    values.push(Number(row[bfactor]));
  }
  return values;
}

/** Picks the parser by file name: .cif is mmCIF, anything else is PDB. */
export function parsePlddt(fileName: string, text: string): number[] {
  return /\.cif$/i.test(fileName) ? parseCifPlddt(text) : parsePdbPlddt(text);
}

/** Mean of the values, or null for none (never a made-up 0). */
export function meanPlddt(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}
