// The evaluate step's contract: what the generator and the local executor need to run it.
export interface EvaluateArgs {
  /** The run directory RUN on the shared volume. */
  run: string;
  /** Folder of reference mmCIF files named by PDB id (evaluation.references). */
  references: string;
}

export const evaluateContract = {
  name: 'evaluate',
  /** The tools image carries the CLI and the step's Python (biotite, DockQ) with Debian's TMscore. */
  image: 'tools',
  resourceClass: 'light',
  /** One Python process scores the targets one after another; the largest complexes need a few GiB. */
  resources: { cpu: 1, memory: '4Gi' },
  tools: { biotite: '1.6.0', DockQ: '2.1.3', TMscore: '20190822 (Debian tm-align)' },
  inputs: [
    { name: 'manifest', path: 'split/manifest.json', description: 'the targets and their FASTA headers (split)' },
    { name: 'results', path: 'results/<tag>/result.json', description: 'the predicted model of each target (predict)' },
    { name: 'references', path: '<evaluation.references>/<pdbid>.cif[.gz]', description: 'reference structures (cameo fetch)' },
  ],
  outputs: [{ name: 'evaluation', path: 'evaluation/<tag>/evaluation.json', description: 'scores or the reason there are none' }],
  exitCodes: {
    0: 'ok (also when targets have no reference: their file says so)',
    1: 'a target could not be scored',
    2: 'bad input',
    127: 'no Python environment',
  },
  command(args: EvaluateArgs): string[] {
    return ['openfold-argo', 'evaluate', args.run, '--references', args.references];
  },
} as const;
