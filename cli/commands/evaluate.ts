// `openfold-argo evaluate`: accuracy of predicted structures against reference structures (lDDT, TM-score,
// GDT-TS, RMSD-Cα, DockQ per interface), for one model or for every predicted target of a run.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { loadConfig } from '../../generators/config/load.js';
import { evaluatePair, evaluateRun, type Scores } from '../../steps/evaluate/evaluate.js';

const USAGE = `usage: openfold-argo evaluate --model FILE --reference FILE [--reference-chains A,B] [--json]
       openfold-argo evaluate RUN_DIR [--references DIR] [--force] [--json] [--config FILE]

One model: PDB or mmCIF model and reference; chains are matched by sequence, residues mapped by sequence
alignment (to the reference's SEQRES when it is mmCIF). --reference-chains restricts the reference to those
author chains. --json prints the whole result: lddt_ca, lddt, tm_score, gdt_ts, gdt_ha, rmsd_ca, dockq (one
entry per interface of a complex), chains, per_residue.

A run: every predicted target whose FASTA header names a reference (CAMEO: "pdbid: 7ELF | chain: C") is scored
against DIR/<pdbid>.cif[.gz] (--references, else the config's evaluation.references) and written to
RUN_DIR/evaluation/<tag>/evaluation.json; targets already scored against the same files are kept (--force
scores them again). Scores are 0..1 (GDT-TS too), RMSD in Å.`;

const fmt = (v: number | null, digits = 4) => (v === null ? '—' : v.toFixed(digits));

function describe(s: Scores): string {
  const lines = [
    `lDDT-Cα ${fmt(s.lddt_ca)}  lDDT ${fmt(s.lddt)}  TM-score ${fmt(s.tm_score)}  GDT-TS ${fmt(s.gdt_ts)}  RMSD-Cα ${fmt(s.rmsd_ca, 2)} Å`,
    `${s.aligned_residues} of ${s.reference_residues} reference residues mapped; chains (model->reference): ` +
      s.chains.map((c) => `${c.model}->${c.reference} (${(c.identity * 100).toFixed(1)}% identity)`).join(', '),
  ];
  for (const d of s.dockq)
    lines.push(
      `DockQ ${d.reference_chains.join('/')}: ${fmt(d.dockq, 3)} (fnat ${fmt(d.fnat, 3)}, iRMSD ${fmt(d.irmsd, 2)} Å, LRMSD ${fmt(d.lrmsd, 2)} Å)`,
    );
  return lines.join('\n');
}

export const command: Command = {
  summary: 'score predicted structures against reference structures (lDDT, TM-score, GDT-TS, RMSD, DockQ)',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        reference: { type: 'string' },
        'reference-chains': { type: 'string' },
        references: { type: 'string' },
        force: { type: 'boolean' },
        json: { type: 'boolean' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (values.model || values.reference) {
      if (!values.model || !values.reference || positionals.length)
        throw new UserError(`--model and --reference go together, without a run directory\n${USAGE}`);
      const chains = (values['reference-chains'] ?? '').split(',').filter(Boolean);
      const scores = await evaluatePair(resolve(values.model), resolve(values.reference), chains);
      console.log(values.json ? JSON.stringify(scores, null, 2) : describe(scores));
      return 0;
    }
    if (positionals.length !== 1) throw new UserError(`expected --model/--reference or one run directory\n${USAGE}`);
    const references = values.references ?? loadConfig({ file: values.config }).evaluation.references;
    if (!references) throw new UserError('no reference folder: pass --references DIR or set evaluation.references in the config');
    const summary = await evaluateRun(resolve(positionals[0]), { references: resolve(references), force: values.force });
    if (values.json) console.log(JSON.stringify(summary));
    else
      console.log(
        `evaluated ${summary.evaluated}, kept ${summary.reused}, no reference ${summary.noReference}, failed ${summary.failed}, ` +
          `not predicted ${summary.notPredicted} (RUN_DIR/evaluation/<tag>/evaluation.json)`,
      );
    return summary.failed ? 1 : 0;
  },
};
