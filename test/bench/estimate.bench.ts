// How long the estimator takes (`npm run bench:estimate`): planning plus simulating CAMEO-92 and 10 000 and
// 100 000 UniProt-like lengths with the default config, five times each (min and median). The aim is under 5 s
// for 100 000 targets. Figures, not a timed test; the estimates' own numbers are printed for the README.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, resolveConfig } from '../../generators/config/load.js';
import { estimateTargets, type Estimate } from '../../estimate/estimate.js';
import { clusterNodes, parseEksctlCluster } from '../../estimate/cluster.js';
import { summaryLine } from '../../estimate/format.js';
import { EXAMPLES_DIR } from '../../generators/config/load.js';
import type { PlanTarget } from '../../steps/split/plan.js';
import { cameoLengths, seededRandom } from '../steps/split/synthetic.js';

const config = loadConfig({});
const clusterFile = join(EXAMPLES_DIR, 'eksctl-cluster.yaml');
const cluster = clusterNodes(parseEksctlCluster(readFileSync(clusterFile, 'utf8'), clusterFile), config, 'eksctl-cluster.yaml');

// UniProt-like lengths: log-normal with mean 367 residues (Swiss-Prot release 41.0: 44 986 459 amino acids in
// 122 564 entries) and median 300 (an ASSUMPTION for the shape), within 16..5000 residues; seeded.
export function uniprotLikeTargets(count: number, seed = 1): PlanTarget[] {
  const random = seededRandom(seed);
  const mu = Math.log(300);
  const sigma = Math.sqrt(2 * Math.log(367 / 300));
  return Array.from({ length: count }, (_, i) => {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return { tag: `U${String(i).padStart(6, '0')}`, length: Math.min(5000, Math.max(16, Math.round(Math.exp(mu + sigma * z)))) };
  });
}

// The same cluster with 32 GPUs (inference.maxConcurrentGpus and the gpu node group's maxSize).
const wide = resolveConfig({ inference: { maxConcurrentGpus: 32 } });
const wideCluster = { ...cluster, classes: { ...cluster.classes, predict: { ...cluster.classes.predict!, maxNodes: 32 } } };

function time(targets: PlanTarget[]): { ms: number[]; estimate: Estimate } {
  const ms: number[] = [];
  let estimate: Estimate | undefined;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    estimate = estimateTargets(targets, { config, cluster });
    ms.push(performance.now() - t0);
  }
  return { ms: ms.sort((a, b) => a - b), estimate: estimate as Estimate };
}

const cameo = cameoLengths().map((length, i) => ({ tag: `T${i}`, length }));
for (const [name, targets] of [
  ['CAMEO-92', cameo],
  ['10 000 UniProt-like', uniprotLikeTargets(10_000)],
  ['100 000 UniProt-like', uniprotLikeTargets(100_000)],
] as const) {
  const { ms, estimate } = time(targets);
  console.log(
    `${name}: estimate in min ${ms[0].toFixed(1)} ms, median ${ms[2].toFixed(1)} ms (5 runs); ` +
      `${estimate.alignGroups} align groups, ${estimate.chunks.standard} + ${estimate.chunks.long} long chunks, ${estimate.residues} residues`,
  );
  const variants: [string, Estimate][] = [
    ['', estimate],
    ['', estimateTargets(targets, { config, cluster, mode: 'mmseqs' })],
    ['32 GPUs: ', estimateTargets(targets, { config: wide, cluster: wideCluster, mode: 'mmseqs' })],
  ];
  for (const [label, e] of variants) {
    const nodes = Object.entries(e.nodeHours).map(([k, h]) => `${k} ${h.toFixed(1)}`);
    console.log(`  ${label}${summaryLine(e)}; node-hours ${nodes.join(', ')}; FSx $${e.fsxUsd.toFixed(2)}`);
    for (const w of e.warnings) console.log(`    warning: ${w}`);
  }
}
