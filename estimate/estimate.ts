// The estimate of a run: the split step's plan, the time model's durations, the simulated schedule, and the
// price of every pod-hour. Pure: the CLI, `submit` and the split step (which stores it as RUN/split/estimate.json
// for the report to compare with what the run measured) all call estimatePlan / estimateTargets.
import type { AlignMode, Config } from '../generators/config/types.js';
import { NODE_CLASSES, type NodeClassName } from '../generators/config/cost.js';
import { durationSeconds } from '../generators/argo/units.js';
import { limitsFromConfig, planRun, type Plan, type PlanTarget } from '../steps/split/plan.js';
import { classPrices, fitWarnings, type ClassPrice } from './resources.js';
import { simulate, type SimInput, type SimPod, type Stage } from './simulate.js';
import { alignTargetSeconds, inferenceSeconds, resolveTimeModel, type TimeModel } from './time-model.js';
import { withClusterInstances, type ClusterNodes } from './cluster.js';

export const ESTIMATE_VERSION = 1;
export const STAGES: readonly Stage[] = ['split', 'align', 'predict', 'collect'];
/** AWS bills monthly storage by 730 hours a month. */
export const HOURS_PER_MONTH = 730;

export interface Money {
  onDemand: number;
  spot: number;
}

export interface StageEstimate {
  startHours: number;
  endHours: number;
  makespanHours: number;
  pods: number;
  podHours: number;
  cpuHours: number;
  gpuHours: number;
  nodeHours: Partial<Record<NodeClassName, number>>;
  costUsd: Money;
}

export interface NodeClassEstimate {
  instanceType: string;
  podsPerNode: number;
  share: number;
  usdPerNodeHour: Money;
  gpuModel?: string;
  /** Pods of this class that may run at once (semaphore, node group); null: unlimited. */
  concurrentPods: number | null;
}

export interface Estimate {
  version: typeof ESTIMATE_VERSION;
  alignMode: AlignMode;
  /** Every FASTA record, duplicates included (each gets a structure). */
  targets: number;
  uniqueTargets: number;
  residues: number;
  alignGroups: number;
  chunks: { standard: number; long: number };
  /** 'none': predict pods run no inference (a run without an OpenFold runtime, replayed by --calibrate). */
  inference: 'run' | 'none';
  makespanHours: number;
  cpuHours: number;
  gpuHours: number;
  nodeHours: Record<NodeClassName, number>;
  /** Compute and FSx for the run's duration. */
  costUsd: Money;
  computeUsd: Money;
  fsxUsd: number;
  perStructureUsd: Money;
  stages: Record<Stage, StageEstimate>;
  nodeClasses: Record<NodeClassName, NodeClassEstimate>;
  deadlines: {
    workflowHours: number;
    longestAlignPodHours: number;
    alignDeadlineHours: number;
    longestPredictPodHours: number;
    predictDeadlineHours: number;
  };
  cluster: string | null;
  maxParallel: number | null;
  prices: { region: string; asOf: string };
  warnings: string[];
  timeModel: TimeModel;
}

export interface EstimateOptions {
  config: Config;
  /** Default: alignment.mode (the pipeline's align-mode parameter overrides it at submit). */
  mode?: AlignMode;
  /** Node groups from --cluster: instance types and node counts per class. */
  cluster?: ClusterNodes;
  /** Pods running at once in the whole workflow (the local executor's --max-parallel). */
  maxParallel?: number;
  inference?: 'run' | 'none';
}

/** The pods' durations for a plan: what the time model says each pod of the DAG takes. */
export function podDurations(
  plan: Plan,
  length: (tag: string) => number,
  targets: number,
  m: TimeModel,
  o: { mode: AlignMode; gpuModel: Record<'standard' | 'long', string | undefined>; inference: 'run' | 'none' },
): SimInput {
  const light = (s: { fixedSeconds: number; secondsPerTarget: number }): number =>
    m.podStartSeconds.light + s.fixedSeconds + s.secondsPerTarget * targets;
  const groups: SimPod[] = plan.alignGroups.map((g) => ({
    stage: 'align',
    nodeClass: 'align',
    seconds:
      m.podStartSeconds.align + m.align[o.mode].groupSeconds + g.tags.reduce((s, tag) => s + alignTargetSeconds(m, o.mode, length(tag)), 0),
  }));
  const chunks = plan.chunks.map((c) => {
    const nodeClass: NodeClassName = c.gpu === 'long' ? 'long' : 'predict';
    let seconds = m.podStartSeconds[nodeClass];
    if (o.inference === 'run') {
      for (const b of c.batches) {
        seconds += m.predict.modelLoadSeconds;
        for (const tag of b.tags) seconds += m.predict.targetSeconds + inferenceSeconds(m, c.gpu, o.gpuModel[c.gpu], length(tag));
      }
    }
    return { first: c.first, last: c.last, predict: { stage: 'predict' as const, nodeClass, seconds } };
  });
  return {
    split: { stage: 'split', nodeClass: 'light', seconds: light(m.split) },
    groups,
    chunks,
    collect: { stage: 'collect', nodeClass: 'light', seconds: light(m.collect) },
  };
}

type StageTotals = { cpuHours: number; gpuHours: number; costUsd: Money };

/** A run's totals from its stages: CPU/GPU-hours, compute, FSx for `hours`, and per structure. */
export function runTotals(stages: Record<Stage, StageTotals>, hours: number, c: Config, structures: number) {
  const sum = (f: (s: StageTotals) => number) => STAGES.reduce((n, s) => n + f(stages[s]), 0);
  const computeUsd = { onDemand: sum((s) => s.costUsd.onDemand), spot: sum((s) => s.costUsd.spot) };
  const fsxUsd = (c.cost.fsx.capacityGb * c.cost.fsx.usdPerGbMonth * hours) / HOURS_PER_MONTH;
  const costUsd = { onDemand: computeUsd.onDemand + fsxUsd, spot: computeUsd.spot + fsxUsd };
  const n = Math.max(1, structures);
  return {
    cpuHours: sum((s) => s.cpuHours),
    gpuHours: sum((s) => s.gpuHours),
    computeUsd,
    fsxUsd,
    costUsd,
    perStructureUsd: { onDemand: costUsd.onDemand / n, spot: costUsd.spot / n },
  };
}

const money = (hours: number, p: ClassPrice): Money => ({ onDemand: hours * p.onDemand, spot: hours * p.spot });
const addMoney = (a: Money, b: Money): Money => ({ onDemand: a.onDemand + b.onDemand, spot: a.spot + b.spot });
const ZERO: Money = { onDemand: 0, spot: 0 };

/** Pods of each class its node group holds at most (node group size x pods per node), from --cluster. */
function nodeCapacity(prices: Record<NodeClassName, ClassPrice>, cluster?: ClusterNodes): Partial<Record<NodeClassName, number>> {
  const out: Partial<Record<NodeClassName, number>> = {};
  for (const [k, n] of Object.entries(cluster?.classes ?? {})) {
    const cls = k as NodeClassName;
    if (n) out[cls] = n.maxNodes * Math.max(1, prices[cls].podsPerNode);
  }
  return out;
}

const atMost = (semaphore: number, nodes: number | undefined): number => Math.min(semaphore, nodes ?? Infinity);

/** Estimates a run of an existing plan. `targets` lists every FASTA record (duplicates too) with its length. */
export function estimatePlan(plan: Plan, targets: PlanTarget[], opts: EstimateOptions): Estimate {
  const config = opts.cluster ? withClusterInstances(opts.config, opts.cluster) : opts.config;
  const mode = opts.mode ?? config.alignment.mode;
  const inference = opts.inference ?? 'run';
  const model = resolveTimeModel(config.cost.timeModel);
  const prices = classPrices(config);
  const lengths = new Map(targets.map((t) => [t.tag, t.length]));
  const length = (tag: string) => lengths.get(tag) ?? 0;
  const sim = podDurations(plan, length, targets.length, model, {
    mode,
    inference,
    gpuModel: { standard: prices.predict.gpuModel, long: prices.long.gpuModel },
  });
  const classCapacity = nodeCapacity(prices, opts.cluster);
  const concurrent: Record<NodeClassName, number | null> = {
    align: atMost(config.alignment.maxParallelPods, classCapacity.align),
    predict: atMost(config.inference.maxConcurrentGpus, classCapacity.predict),
    long: atMost(config.inference.maxConcurrentGpus, classCapacity.long),
    light: null,
  };
  const result = simulate(sim, {
    align: config.alignment.maxParallelPods,
    gpu: config.inference.maxConcurrentGpus,
    classCapacity,
    global: opts.maxParallel,
    dispatchSeconds: model.dispatchSeconds,
  });

  const stages = Object.fromEntries(
    STAGES.map((s) => [
      s,
      { startHours: Infinity, endHours: 0, makespanHours: 0, pods: 0, podHours: 0, cpuHours: 0, gpuHours: 0, nodeHours: {}, costUsd: ZERO },
    ]),
  ) as Record<Stage, StageEstimate>;
  const nodeHours = Object.fromEntries(NODE_CLASSES.map((k) => [k, 0])) as Record<NodeClassName, number>;
  let longestAlign = 0;
  let longestPredict = 0;
  for (const p of result.pods) {
    const st = stages[p.stage];
    const price = prices[p.nodeClass];
    const hours = (p.end - p.start) / 3600;
    st.startHours = Math.min(st.startHours, p.start / 3600);
    st.endHours = Math.max(st.endHours, p.end / 3600);
    st.pods++;
    st.podHours += hours;
    st.cpuHours += hours * price.requests.cpu;
    st.gpuHours += hours * price.requests.gpu;
    st.nodeHours[p.nodeClass] = (st.nodeHours[p.nodeClass] ?? 0) + hours * price.share;
    st.costUsd = addMoney(st.costUsd, money(hours * price.share, price));
    nodeHours[p.nodeClass] += hours * price.share;
    if (p.stage === 'align') longestAlign = Math.max(longestAlign, hours);
    if (p.stage === 'predict') longestPredict = Math.max(longestPredict, hours);
  }
  for (const st of Object.values(stages)) {
    if (st.pods === 0) st.startHours = 0;
    st.makespanHours = st.endHours - st.startHours;
  }
  const makespanHours = result.makespanSeconds / 3600;
  const deadlines = {
    workflowHours: durationSeconds(config.deadlines.workflow) / 3600,
    longestAlignPodHours: longestAlign,
    alignDeadlineHours: durationSeconds(config.deadlines.align) / 3600,
    longestPredictPodHours: longestPredict,
    predictDeadlineHours: durationSeconds(config.deadlines.predict) / 3600,
  };
  return {
    version: ESTIMATE_VERSION,
    alignMode: mode,
    targets: targets.length,
    uniqueTargets: targets.filter((t) => !t.duplicateOf).length,
    residues: targets.reduce((n, t) => n + t.length, 0),
    alignGroups: plan.alignGroups.length,
    chunks: { standard: plan.chunks.filter((c) => c.gpu === 'standard').length, long: plan.chunks.filter((c) => c.gpu === 'long').length },
    inference,
    makespanHours,
    ...runTotals(stages, makespanHours, config, targets.length),
    nodeHours,
    stages,
    nodeClasses: Object.fromEntries(
      NODE_CLASSES.map((k) => [
        k,
        {
          instanceType: prices[k].instanceType,
          podsPerNode: prices[k].podsPerNode,
          share: prices[k].share,
          usdPerNodeHour: { onDemand: prices[k].onDemand, spot: prices[k].spot },
          ...(prices[k].gpuModel ? { gpuModel: prices[k].gpuModel } : {}),
          concurrentPods: concurrent[k],
        },
      ]),
    ) as Record<NodeClassName, NodeClassEstimate>,
    deadlines,
    cluster: opts.cluster?.source ?? null,
    maxParallel: opts.maxParallel ?? null,
    prices: { region: config.cost.region, asOf: config.cost.pricesAsOf },
    warnings: [...fitWarnings(prices, config), ...deadlineWarnings(deadlines, config, makespanHours)],
    timeModel: model,
  };
}

function deadlineWarnings(d: Estimate['deadlines'], c: Config, makespanHours: number): string[] {
  const out: string[] = [];
  const h = (x: number) => `${x.toFixed(1)} h`;
  if (makespanHours > d.workflowHours)
    out.push(`the makespan (${h(makespanHours)}) exceeds deadlines.workflow (${c.deadlines.workflow}): the workflow would be stopped`);
  if (d.longestAlignPodHours > d.alignDeadlineHours)
    out.push(`the longest align pod (${h(d.longestAlignPodHours)}) exceeds deadlines.align (${c.deadlines.align}): it would be killed`);
  if (d.longestPredictPodHours > d.predictDeadlineHours)
    out.push(
      `the longest predict pod (${h(d.longestPredictPodHours)}) exceeds deadlines.predict (${c.deadlines.predict}): it would be killed`,
    );
  return out;
}

/** Plans the targets as the split step does, then estimates the run. */
export function estimateTargets(targets: PlanTarget[], opts: EstimateOptions): Estimate {
  return estimatePlan(planRun(targets, limitsFromConfig(opts.config)), targets, opts);
}

/** Whether the estimated run would outlive the workflow's activeDeadlineSeconds. */
export const exceedsWorkflowDeadline = (e: Estimate): boolean => e.makespanHours > e.deadlines.workflowHours;
