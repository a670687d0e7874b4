// `npm run bench:plan`: figures, not a test. Plan time and the sizes that matter to Argo for 92 (CAMEO),
// 10 000 and 100 000 targets (synthetic lengths drawn from CAMEO's, seeded).
import { readFileSync } from 'node:fs';
import { chunkItems, planRun, type Plan, type PlanTarget } from '../../steps/split/plan.js';
import { manifestFor } from '../../steps/split/split.js';
import { parseFasta } from '../../steps/split/fasta.js';
import { CAMEO_FASTA, cameoLengths, syntheticTargets } from '../steps/split/synthetic.js';

const LIMITS = { residuesPerBatch: 4000, longThreshold: 1000, targetsPerAlignGroup: 1 };

/**
 * Argo nodes of the pipeline: per chunk its DAG node, one pod per align group, the withSequence fan-out
 * group node and the predict pod; plus the workflow's root, split, collect and the chunks' withParam group.
 */
export function argoNodeEstimate(plan: Plan): number {
  const perChunk = plan.chunks.reduce((n, c) => n + 1 + (c.last - c.first + 1) + 1 + 1, 0);
  return perChunk + 4;
}

function measure(label: string, targets: PlanTarget[]) {
  planRun(targets, LIMITS); // warm up the JIT so the figure is the steady-state time
  const runs = 5;
  const started = performance.now();
  let plan: Plan | undefined;
  for (let i = 0; i < runs; i++) plan = planRun(targets, LIMITS);
  const ms = (performance.now() - started) / runs;
  const p = plan as Plan;
  return {
    input: label,
    targets: targets.length,
    residues: targets.reduce((n, t) => n + t.length, 0),
    'plan ms': Number(ms.toFixed(1)),
    chunks: p.chunks.length,
    'batches/chunk (max)': Math.max(...p.chunks.map((c) => c.batches.length)),
    'align groups': p.alignGroups.length,
    'targets/group': p.limits.targetsPerAlignGroup,
    'chunks.json bytes': Buffer.byteLength(JSON.stringify(chunkItems(p))),
    'plan.json bytes': Buffer.byteLength(JSON.stringify(p, null, 2)),
    'argo nodes (est.)': argoNodeEstimate(p),
  };
}

const cameo = manifestFor(parseFasta(readFileSync(CAMEO_FASTA, 'utf8'))).targets;
const lengths = cameoLengths();
const rows = [
  measure('CAMEO', cameo),
  measure('synthetic', syntheticTargets(10_000, lengths)),
  measure('synthetic', syntheticTargets(100_000, lengths)),
];
console.log(`plan limits: ${JSON.stringify(LIMITS)}, maxChunks 500, maxAlignGroups 5000`);
console.table(rows);
