// The database searches of each alignment mode and their order (hhsearch needs the UniRef90 / MMseqs2 MSA).
// Used for the per-database fan-out; names match `openfold-argo align --search NAME`.
export interface SearchSpec {
  name: string;
  after?: string;
  optional?: boolean;
}

export const SEARCHES: Record<'full_dbs' | 'mmseqs', SearchSpec[]> = {
  full_dbs: [{ name: 'uniref90' }, { name: 'mgnify' }, { name: 'bfd_uniref30' }, { name: 'pdb70', after: 'uniref90' }],
  mmseqs: [{ name: 'uniref30' }, { name: 'colabfold_env', optional: true }, { name: 'pdb70', after: 'uniref30' }],
};
