// The FASTA convention for protein complexes (OpenFold3 runs): one record per chain, the first word of the
// header `QUERY|CHAIN` (exactly one "|"; CHAIN is 1-4 letters or digits). The records of one complex are
// consecutive; identical sequences within it become one chain entry listing all their chain ids (a homomer:
// one alignment, OpenFold3 builds one copy per id). Any other header is a single-chain query, named as the
// AF2-class split names targets, with chain id A. So
//
//   >dimer|A            >dimer|B           >P69905 (sp|P69905|HBA_HUMAN)
//   MKT...              GSH...             VLSP...
//
// becomes the queries "dimer" (chains A and B) and "P69905" (chain A).
import { FastaError, showHeader, type FastaRecord } from './fasta.js';
import { CHAIN_ID, type Query, type QuerySet } from './query.js';
import { headerId } from './tags.js';

const COMPLEX_WORD = /^([^|\s]+)\|([^|\s]+)$/;

export interface ComplexRecord {
  /** The query this record belongs to. */
  query: string;
  chainId: string;
}

/** The complex and chain a header names, or undefined for a single-chain record. */
export function complexOf(header: string, index: number): ComplexRecord | undefined {
  const word = header.split(/\s+/)[0] ?? '';
  if (/^(sp|tr)\|/.test(word)) return undefined; // a UniProt header, not a chain
  const m = COMPLEX_WORD.exec(word);
  if (!m) return undefined;
  if (!CHAIN_ID.test(m[2]))
    throw new FastaError(`record ${index} (${showHeader(header)}): chain id ${JSON.stringify(m[2])} must be 1-4 letters or digits`);
  return { query: m[1], chainId: m[2] };
}

/** Queries from FASTA records (see the convention above), in input order. */
export function queriesFromFasta(records: FastaRecord[]): QuerySet {
  const queries: Record<string, Query> = {};
  const seen = new Map<string, number>();
  let open: string | undefined;
  for (const r of records) {
    const complex = complexOf(r.header, r.index);
    const name = complex?.query ?? headerId(r.header).name;
    const earlier = seen.get(name);
    if (earlier !== undefined && !(complex && open === name)) {
      throw new FastaError(
        `record ${r.index} (${showHeader(r.header)}): query ${JSON.stringify(name)} already used by record ${earlier}` +
          (complex ? '; the records of one complex must be consecutive' : '; give each record its own name'),
      );
    }
    if (earlier === undefined) seen.set(name, r.index);
    open = complex ? name : undefined;
    const query = (queries[name] ??= { chains: [] });
    const chainId = complex?.chainId ?? 'A';
    if (query.chains.some((c) => c.chain_ids.includes(chainId)))
      throw new FastaError(`record ${r.index} (${showHeader(r.header)}): chain ${chainId} appears twice in query ${JSON.stringify(name)}`);
    const same = query.chains.find((c) => c.sequence === r.sequence);
    if (same) same.chain_ids.push(chainId);
    else query.chains.push({ molecule_type: 'protein', chain_ids: [chainId], sequence: r.sequence });
  }
  return { queries };
}
