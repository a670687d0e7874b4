// The collect step's contract: what the generator and the local executor need to run it.
export interface CollectArgs {
  /** The run directory RUN on the shared volume. */
  run: string;
}

export const contract = {
  name: 'collect',
  image: 'tools',
  /** Light CPU work: reads small JSON files and renders one HTML page. */
  resourceClass: 'light',
  resources: { cpu: 1, memory: '2Gi' },
  inputs: [
    { name: 'manifest', path: 'split/manifest.json', description: 'the targets (split)' },
    { name: 'alignments', path: 'alignments/<tag>/manifest.json', description: 'align done-manifests; may be missing' },
    { name: 'results', path: 'results/<tag>/result.json', description: 'predict results; may be missing' },
  ],
  outputs: [
    { name: 'report', path: 'report.json', description: '{ targets: [...], summary: {...} }' },
    { name: 'html', path: 'report.html', description: 'self-contained page: table, totals, pLDDT plots, failures' },
  ],
  exitCodes: { 0: 'ok (also when targets failed or have not run: the report says so)', 1: 'failed', 2: 'not a run directory' },
  command(args: CollectArgs): string[] {
    return ['openfold-argo', 'report', args.run];
  },
} as const;
