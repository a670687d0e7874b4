// Well-known small proteins used as the demo's queries and as the seeds of the synthetic database families.
// Sequences as deposited (UniProt / PDB); lengths are asserted in the tests.

export interface DemoProtein {
  /** Short identifier, also the FASTA tag. */
  id: string;
  description: string;
  sequence: string;
}

export const DEMO_PROTEINS: readonly DemoProtein[] = [
  {
    id: 'ubiquitin',
    description: 'Ubiquitin, Homo sapiens (76 aa; PDB 1UBQ)',
    sequence: 'MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG',
  },
  {
    id: 'gb1',
    description: 'Protein G B1 domain, Streptococcus sp. group G (56 aa; PDB 1PGA)',
    sequence: 'MTYKLILNGKTLKGETTTEAVDAATAEKVFKQYANDNGVDGEWTYDDATKTFTVTE',
  },
  {
    id: 'villin_hp35',
    description: 'Villin headpiece subdomain HP35, Gallus gallus (35 aa)',
    sequence: 'LSDEDFKAVFGMTRSAFANLPLWKQQNLKKEKGLF',
  },
  {
    id: 'trp_cage',
    description: 'Trp-cage miniprotein TC5b (20 aa; PDB 1L2Y)',
    sequence: 'NLYIQWLKDGGPSSGRPPPS',
  },
  {
    id: 'crambin',
    description: 'Crambin, Crambe hispanica subsp. abyssinica (46 aa; PDB 1CRN)',
    sequence: 'TTCCPSIVARSNFNVCRLPGTPEAICATYTGCIIIPGATCPGDYAN',
  },
  {
    id: 'bpti',
    description: 'Bovine pancreatic trypsin inhibitor, Bos taurus (58 aa; PDB 5PTI)',
    sequence: 'RPDFCLEPPYTGPCKARIIRYFYNAKAGLCQTFVYGGCRAKRNNFKSAEDCMRTCGGA',
  },
  {
    id: 'insulin_b',
    description: 'Insulin B chain, Homo sapiens (30 aa)',
    sequence: 'FVNQHLCGSHLVEALYLVCGERGFFYTPKT',
  },
  {
    id: 'lysozyme',
    description: 'Lysozyme C, Gallus gallus egg white (129 aa; PDB 1LYZ)',
    sequence:
      'KVFGRCELAAAMKRHGLDNYRGYSLGNWVCAAKFESNFNTQATNRNTDGSTDYGILQINSRWWCNDGRTPGSRNLCNIPCSALLSSDITASVNCAKKIVSDGNGMNAWVAWRNRCKGTDVQAWIRGCRL',
  },
  {
    id: 'calmodulin',
    description: 'Calmodulin, Homo sapiens (149 aa with the initiator Met)',
    sequence:
      'MADQLTEEQIAEFKEAFSLFDKDGDGTITTKELGTVMRSLGQNPTEAELQDMINEVDADGNGTIDFPEFLTMMARKMKDTDSEEEIREAFRVFDKDGNGYISAAELRHVMTNLGEKLTDEEVDEMIREADIDGDGQVNYEEFVQMMTAK',
  },
  {
    id: 'myoglobin',
    description: 'Myoglobin, Physeter catodon (sperm whale) (153 aa, mature chain)',
    sequence:
      'VLSEGEWQLVLHVWAKVEADVAGHGQDILIRLFKSHPETLEKFDRFKHLKTEAEMKASEDLKKHGVTVLTALGAILKKKGHHEAELKPLAQSHATKHKIPIKYLEFISEAIIHVLHSRHPGDFGADAQGAMNKALELFRKDIAAKYKELGYQG',
  },
];

/** The demo's FASTA text for the first `count` proteins (header `>id description`). */
export function demoFasta(count = 4): string {
  return DEMO_PROTEINS.slice(0, count)
    .map((p) => `>${p.id} ${p.description}\n${p.sequence}\n`)
    .join('');
}
