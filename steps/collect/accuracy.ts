// Accuracy in the report: what the evaluate step measured against reference structures
// (RUN/evaluation/<tag>/evaluation.json), per target and summed up, and the comparison of the mean lDDT-Cα
// with the figure OpenFold published for its CAMEO validation set. Nothing is estimated: a target without an
// evaluation has accuracy null.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvaluationStatus, TargetEvaluation } from '../evaluate/evaluate.js';

/** OpenFold's published mean validation lDDT-Cα of its finetuning_ptm_2 weights. */
export const OPENFOLD_PUBLISHED = {
  checkpoint: 'finetuning_ptm_2',
  meanLddtCa: 0.9097,
  set: 'about 180 chains drawn from CAMEO over a three-month period at the end of 2021 (OpenFold’s validation set)',
  source:
    'OpenFold model parameters v. 06_22: aqlaboratory/openfold, docs/source/OpenFold_Parameters.md ' +
    '(commit a432a93664d0689bedbae5c809c213c189e33ae2), "Average validation LDDT-Ca scores"',
} as const;

export interface TargetAccuracy {
  status: EvaluationStatus;
  reason?: string;
  /** PDB entry and chains of the reference (7ELF C). */
  reference: string | null;
  lddtCa: number | null;
  lddt: number | null;
  tmScore: number | null;
  gdtTs: number | null;
  rmsdCa: number | null;
  /** DockQ of each interface of a complex ("A/B": 0.81). */
  dockq: Record<string, number>;
}

export interface AccuracySummary {
  evaluated: number;
  noReference: number;
  failed: number;
  meanLddtCa: number | null;
  meanLddt: number | null;
  meanTmScore: number | null;
  meanGdtTs: number | null;
  meanRmsdCa: number | null;
  /** The comparison with OpenFold's published figure; which sets and models, stated. */
  published: typeof OPENFOLD_PUBLISHED;
  /** Checkpoints and presets this run's evaluated models came from (from the configs the steps recorded). */
  models: string[];
  comparison: string;
}

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const mean = (values: (number | null)[]): number | null => {
  const xs = values.filter((v): v is number => v !== null);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
};

/** The target's evaluation, or null when the evaluate step has not written one. */
export async function readAccuracy(run: string, tag: string): Promise<TargetAccuracy | null> {
  let e: TargetEvaluation;
  try {
    e = JSON.parse(await readFile(join(run, 'evaluation', tag, 'evaluation.json'), 'utf8')) as TargetEvaluation;
  } catch {
    return null;
  }
  if (e?.tag !== tag || !['evaluated', 'no_reference', 'failed'].includes(e.status)) return null;
  const s = e.status === 'evaluated' ? e.scores : undefined;
  return {
    status: e.status,
    ...(e.reason ? { reason: e.reason } : {}),
    reference: e.reference ? `${e.reference.pdb}${e.reference.chains.length ? ` ${e.reference.chains.join(',')}` : ''}` : null,
    lddtCa: finite(s?.lddt_ca),
    lddt: finite(s?.lddt),
    tmScore: finite(s?.tm_score),
    gdtTs: finite(s?.gdt_ts),
    rmsdCa: finite(s?.rmsd_ca),
    dockq: Object.fromEntries((s?.dockq ?? []).map((d) => [d.reference_chains.join('/'), d.dockq])),
  };
}

/** Summary over the unique targets' accuracies; null when nothing was evaluated or attempted. */
export function summarizeAccuracy(accuracies: (TargetAccuracy | null)[], models: string[]): AccuracySummary | null {
  const present = accuracies.filter((a): a is TargetAccuracy => a !== null);
  if (!present.length) return null;
  const evaluated = present.filter((a) => a.status === 'evaluated');
  const meanLddtCa = mean(evaluated.map((a) => a.lddtCa));
  const ours =
    meanLddtCa === null
      ? 'no target of this run has an lDDT-Cα yet'
      : `mean lDDT-Cα ${meanLddtCa.toFixed(4)} over this run's ${evaluated.length} evaluated target${evaluated.length === 1 ? '' : 's'}` +
        ` (${models.length ? models.join(', ') : 'model not recorded'})`;
  return {
    evaluated: evaluated.length,
    noReference: present.filter((a) => a.status === 'no_reference').length,
    failed: present.filter((a) => a.status === 'failed').length,
    meanLddtCa,
    meanLddt: mean(evaluated.map((a) => a.lddt)),
    meanTmScore: mean(evaluated.map((a) => a.tmScore)),
    meanGdtTs: mean(evaluated.map((a) => a.gdtTs)),
    meanRmsdCa: mean(evaluated.map((a) => a.rmsdCa)),
    published: OPENFOLD_PUBLISHED,
    models,
    comparison:
      `${ours}; OpenFold published ${OPENFOLD_PUBLISHED.meanLddtCa} for ${OPENFOLD_PUBLISHED.checkpoint} on ${OPENFOLD_PUBLISHED.set}. ` +
      'Different target sets and dates: a guide, not a like-for-like comparison.',
  };
}
