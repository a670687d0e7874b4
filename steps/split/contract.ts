// The split step's contract: what the generator and the local executor need to run it.
export interface SplitArgs {
  /** FASTA path on the shared volume or s3://bucket/key. */
  fasta: string;
  /** RUN/split */
  out: string;
  config?: string;
}

export const contract = {
  name: 'split',
  image: 'tools',
  /** Light CPU work: parsing and planning 100 000 targets takes seconds and well under 1 GiB. */
  resourceClass: 'light',
  resources: { cpu: 1, memory: '2Gi' },
  inputs: [
    {
      name: 'fasta',
      description: 'Multi-FASTA (plain or gzip), or (model openfold3) an OpenFold3 query JSON: an absolute path or an s3:// URL',
    },
  ],
  outputs: [
    { name: 'fasta', path: 'fasta/', description: 'one FASTA per target, header line `>tag`' },
    { name: 'manifest', path: 'manifest.json', description: '{ targets: [ { tag, header, length, sha256, duplicateOf? } ] }' },
    { name: 'plan', path: 'plan.json', description: 'align groups and prediction chunks (steps/README.md)' },
    { name: 'chunks', path: 'chunks.json', description: '[{ id, gpu, align, first, last }]: the list the pipeline fans out over' },
    {
      name: 'shared',
      path: 'shared.json',
      description: '[] or [{ first, last }]: align groups every chunk waits for (OpenFold3 chains of several chunks)',
    },
    { name: 'queries', path: 'queries/', description: '(model openfold3) one OpenFold3 query JSON per query' },
  ],
  exitCodes: { 0: 'ok', 1: 'failed (download, file system)', 2: 'bad input (the message names the record and position)' },
  command(args: SplitArgs): string[] {
    return ['openfold-argo', 'split', args.fasta, '--out', args.out, ...(args.config ? ['--config', args.config] : [])];
  },
} as const;
