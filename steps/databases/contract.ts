// The databases step's contract: what the generator and the local executor need to run it. One workflow task
// per database runs `openfold-argo databases --only NAME`; the downloads are independent of each other.

export const contract = {
  name: 'databases',
  image: 'tools',
  /** Resource class in the config: databases.resources (network and unpacking; tar and gzip run beside Node). */
  resourceClass: 'databases',
  inputs: [
    { name: 'name', description: 'A database of the manifest (databaseNames(preset) or the config manifest file), or "all"' },
    { name: 'refresh', description: 'true: fetch only new or changed objects of the incremental databases (pdb_mmcif, pdb_seqres)' },
  ],
  outputs: [
    { name: 'database', path: '<databases.root>/<name>/', description: "the unpacked database with OpenFold's file names" },
    {
      name: 'done-manifest',
      path: '<databases.root>/<name>/.openfold-argo-done.json',
      description: 'source, version, keys, sizes, ETags, checksums and what verified them, time, every file with size and sha256',
    },
  ],
  /** System tools the step calls (the tools image has them). */
  tools: ['tar', 'gzip'],
  exitCodes: {
    0: 'ok (installed, refreshed or already installed)',
    1: 'failed: download, missing object, checksum mismatch, corrupt or unsafe archive, not enough space or disk full, locked by another install (a retry resumes)',
    2: 'bad input: unknown database name, invalid manifest',
    127: 'tar or gzip missing',
  },
  /** Container argv of one database task. */
  command(name: string, opts: { refresh?: boolean } = {}): string[] {
    return ['openfold-argo', 'databases', '--only', name, ...(opts.refresh ? ['--refresh'] : [])];
  },
} as const;

/** Container argv of one database task: `openfold-argo databases --only NAME`. */
export const databasesCommand = (name: string): string[] => contract.command(name);
