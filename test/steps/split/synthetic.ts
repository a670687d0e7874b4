// Synthetic targets for plan tests and the plan benchmark: lengths drawn (seeded) from the CAMEO set.
import { readFileSync } from 'node:fs';
import { CAMEO_FASTA } from '../../helpers/fixtures.js';
import { parseFasta } from '../../../steps/split/fasta.js';
import type { PlanTarget } from '../../../steps/split/plan.js';

export { CAMEO_FASTA };

export function cameoLengths(): number[] {
  return parseFasta(readFileSync(CAMEO_FASTA, 'utf8')).map((r) => r.sequence.length);
}

/** mulberry32: a tiny deterministic PRNG, so every run plans the same synthetic set. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticTargets(count: number, lengths: number[], seed = 1): PlanTarget[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => ({
    tag: `T${String(i).padStart(6, '0')}`,
    length: lengths[Math.floor(random() * lengths.length)],
  }));
}
