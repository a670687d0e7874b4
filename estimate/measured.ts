// What a run cost, from its usage records: each pod's run time x its node's price x the share of the node its
// requests keep (estimate/resources.ts), summed per stage, per target and per run, plus FSx for the run's
// duration. A pod killed before it could complete its record (OOM, deadline) counts until the next attempt
// of the same step started; with no later attempt its time is unknown and it is counted as such.
import type { Config } from '../generators/config/types.js';
import { durationSeconds } from '../generators/argo/units.js';
import { NODE_CLASSES, type NodeClassName } from '../generators/config/cost.js';
import type { Plan } from '../steps/split/plan.js';
import { runTotals, STAGES, type Money } from './estimate.js';
import { podsPerNode } from './resources.js';
import type { Stage } from './simulate.js';
import type { UsageRecord } from './usage.js';

export interface MeasuredStage {
  pods: number;
  podSeconds: number;
  cpuHours: number;
  gpuHours: number;
  costUsd: Money;
}

export interface MeasuredCost {
  pods: number;
  /** Pods whose end is not known (killed, with no later attempt): their time is not in the figures. */
  unknownPods: number;
  firstStartedAt: string | null;
  lastFinishedAt: string | null;
  makespanSeconds: number | null;
  cpuHours: number;
  gpuHours: number;
  nodeHours: Record<NodeClassName, number>;
  stages: Record<Stage, MeasuredStage>;
  computeUsd: Money;
  fsxUsd: number;
  costUsd: Money;
  perStructureUsd: Money;
}

export interface TargetWeights {
  /** Align wall seconds per tag (how a group's pod time is shared between its targets). */
  align: Map<string, number>;
  /** Inference seconds per tag, else residues (how a chunk's pod time is shared). */
  predict: Map<string, number>;
}

interface Timed {
  record: UsageRecord;
  seconds: number | null;
  endMs: number | null;
}

/**
 * Each record's seconds. An unfinished one (its process was killed) ends when the next attempt of the same pod
 * started, at most its step's deadline later (an upper bound: the retry's backoff, or the pause before a
 * resumed local run, is counted too); the running collect ends `nowMs`; otherwise its time is unknown.
 */
export function podSeconds(records: UsageRecord[], nowMs: number, deadlineSeconds: (step: Stage) => number = () => Infinity): Timed[] {
  return records.map((r, i) => {
    const start = Date.parse(r.startedAt);
    if (r.finishedAt) return { record: r, seconds: (Date.parse(r.finishedAt) - start) / 1000, endMs: Date.parse(r.finishedAt) };
    const next = records.slice(i + 1).find((o) => o.step === r.step && o.id === r.id);
    const until = next ? Date.parse(next.startedAt) : r.step === 'collect' ? nowMs : null;
    const end = until === null ? null : Math.min(until, start + deadlineSeconds(r.step) * 1000);
    return { record: r, seconds: end === null ? null : Math.max(0, (end - start) / 1000), endMs: end };
  });
}

/** The deadline of a step's pod, from the config. */
export const stepDeadline =
  (c: Config) =>
  (step: Stage): number =>
    durationSeconds(c.deadlines[step]);

const zeroStage = (): MeasuredStage => ({ pods: 0, podSeconds: 0, cpuHours: 0, gpuHours: 0, costUsd: { onDemand: 0, spot: 0 } });

/** The price of one pod-second of a record: its node's price x the share its requests keep. */
function pricePerSecond(c: Config, r: UsageRecord): Money & { share: number } {
  const p = c.cost.prices[c.cost.instanceTypes[r.nodeClass]];
  const n = podsPerNode(r.requests, p.allocatable);
  const share = n > 0 ? 1 / n : 1;
  return { onDemand: (p.onDemand * share) / 3600, spot: (p.spot * share) / 3600, share };
}

export function measureCost(records: UsageRecord[], c: Config, structures: number, nowMs = Date.now()): MeasuredCost {
  const timed = podSeconds(records, nowMs, stepDeadline(c));
  const stages = Object.fromEntries(STAGES.map((s) => [s, zeroStage()])) as Record<Stage, MeasuredStage>;
  const nodeHours = Object.fromEntries(NODE_CLASSES.map((k) => [k, 0])) as Record<NodeClassName, number>;
  let unknownPods = 0;
  for (const t of timed) {
    const st = stages[t.record.step];
    st.pods++;
    if (t.seconds === null) {
      unknownPods++;
      continue;
    }
    const p = pricePerSecond(c, t.record);
    st.podSeconds += t.seconds;
    st.cpuHours += (t.seconds * t.record.requests.cpu) / 3600;
    st.gpuHours += (t.seconds * t.record.requests.gpu) / 3600;
    st.costUsd = { onDemand: st.costUsd.onDemand + t.seconds * p.onDemand, spot: st.costUsd.spot + t.seconds * p.spot };
    nodeHours[t.record.nodeClass] += (t.seconds * p.share) / 3600;
  }
  const starts = timed.map((t) => Date.parse(t.record.startedAt));
  const ends = timed.map((t) => t.endMs).filter((x): x is number => x !== null);
  const first = starts.length ? Math.min(...starts) : null;
  const last = ends.length ? Math.max(...ends) : null;
  const makespanSeconds = first !== null && last !== null ? (last - first) / 1000 : null;
  return {
    pods: timed.length,
    unknownPods,
    firstStartedAt: first === null ? null : new Date(first).toISOString(),
    lastFinishedAt: last === null ? null : new Date(last).toISOString(),
    makespanSeconds,
    ...runTotals(stages, (makespanSeconds ?? 0) / 3600, c, structures),
    nodeHours,
    stages,
  };
}

/** Shares `total` between tags by weight (equally when every weight is missing or zero). */
function share(tags: string[], weight: (tag: string) => number | undefined, total: Money, out: Map<string, Money>): void {
  const w = tags.map((t) => Math.max(0, weight(t) ?? 0));
  const sum = w.reduce((a, b) => a + b, 0);
  tags.forEach((tag, i) => {
    const f = sum > 0 ? w[i] / sum : 1 / tags.length;
    const prev = out.get(tag) ?? { onDemand: 0, spot: 0 };
    out.set(tag, { onDemand: prev.onDemand + f * total.onDemand, spot: prev.spot + f * total.spot });
  });
}

/** Each target's share of its align group's and its chunk's pods (split, collect and FSx are per run). */
export function targetCosts(records: UsageRecord[], c: Config, plan: Plan, weights: TargetWeights, nowMs = Date.now()): Map<string, Money> {
  const out = new Map<string, Money>();
  const chunks = new Map(plan.chunks.map((ch) => [ch.id, ch.batches.flatMap((b) => b.tags)]));
  for (const t of podSeconds(records, nowMs, stepDeadline(c))) {
    if (t.seconds === null) continue;
    const p = pricePerSecond(c, t.record);
    const total = { onDemand: t.seconds * p.onDemand, spot: t.seconds * p.spot };
    if (t.record.step === 'align') {
      const group = plan.alignGroups[Number(t.record.id.split(':')[0])];
      if (group) share(group.tags, (tag) => weights.align.get(tag), total, out);
    } else if (t.record.step === 'predict') {
      const tags = chunks.get(t.record.id);
      if (tags) share(tags, (tag) => weights.predict.get(tag), total, out);
    }
  }
  return out;
}
