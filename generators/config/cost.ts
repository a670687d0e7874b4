// The `cost` block of openfold-argo.yaml: instance prices, which instance type each node class runs on, the
// FSx price, and the time model's calibrated coefficients. `openfold-argo estimate` (before a run) and the
// collect step (after it) read it. Kept apart from schema.ts so the node-class work of other issues composes:
// node classes are named by what runs on them (align, predict, long, light), instance types are keys of
// `cost.prices`.
//
// Prices: us-east-1, Linux, on-demand list prices as recorded on 2025-06-15 (p4d after AWS's June 2025 P4/P5
// price reduction). They were not re-read from AWS's price list on the machine that built this table, and
// spot prices move every few minutes: the spot figures are indicative (about 35-45 % of on-demand, the
// author's reading of 2025 spot history), not quotes. Set your own region's prices (`aws pricing
// get-products`, `aws ec2 describe-spot-price-history`).
//
// Allocatable: what the kubelet of the EKS-optimized AMI leaves to pods, computed by eks.ts (nodeadm's
// kube-reserved CPU and memory, the eviction threshold, Karpenter's 7.5 % VM memory overhead) from the same
// instance table as the default node classes. An 8-CPU pod therefore fits once, not twice, on a 16-vCPU node
// (15.89 allocatable).

import { eksAllocatableNumbers } from './eks.js';

type Schema = Record<string, unknown>;

export type NodeClassName = 'align' | 'predict' | 'long' | 'light';
export const NODE_CLASSES: readonly NodeClassName[] = ['align', 'predict', 'long', 'light'];

export interface InstancePrice {
  /** USD per instance-hour. */
  onDemand: number;
  spot: number;
  /** GPU model, which selects the prediction time curve (estimate/time-model.ts). */
  gpuModel?: string;
  allocatable: { cpu: number; memoryGiB: number; gpu: number };
}

/** Overrides of the time model's defaults (estimate/time-model.ts); `openfold-argo estimate --calibrate` writes them. */
export interface TimeModelOverrides {
  dispatchSeconds?: number;
  podStartSeconds?: Partial<Record<NodeClassName, number>>;
  split?: { fixedSeconds?: number; secondsPerTarget?: number };
  collect?: { fixedSeconds?: number; secondsPerTarget?: number };
  align?: Partial<Record<'full_dbs' | 'mmseqs', { groupSeconds?: number; targetSeconds?: number; secondsPerResidue?: number }>>;
  predict?: { modelLoadSeconds?: number; targetSeconds?: number; inferenceScale?: { standard?: number; long?: number } };
}

export interface CostConfig {
  region: string;
  pricesAsOf: string;
  instanceTypes: Record<NodeClassName, string>;
  prices: Record<string, InstancePrice>;
  fsx: { usdPerGbMonth: number; capacityGb: number };
  timeModel: TimeModelOverrides;
}

const price = (instanceType: string, onDemand: number, spot: number, gpuModel?: string): [string, InstancePrice] => [
  instanceType,
  { onDemand, spot, ...(gpuModel ? { gpuModel } : {}), allocatable: eksAllocatableNumbers(instanceType) },
];

export const DEFAULT_PRICES: Record<string, InstancePrice> = Object.fromEntries([
  price('m6i.large', 0.096, 0.04),
  price('m6i.4xlarge', 0.768, 0.3),
  price('m6i.8xlarge', 1.536, 0.6),
  price('r6i.4xlarge', 1.008, 0.4),
  price('r6i.8xlarge', 2.016, 0.8),
  price('g5.xlarge', 1.006, 0.4, 'A10G'),
  price('g5.2xlarge', 1.212, 0.48, 'A10G'),
  price('g5.4xlarge', 1.624, 0.65, 'A10G'),
  price('p3.2xlarge', 3.06, 1.1, 'V100'),
  price('p4d.24xlarge', 21.96, 9.9, 'A100'),
]);

const num = (description: string, extra: Schema = {}): Schema => ({ type: 'number', minimum: 0, description, ...extra });
const leaves = (description: string, props: Record<string, string>): Schema => ({
  type: 'object',
  description,
  additionalProperties: false,
  properties: Object.fromEntries(Object.entries(props).map(([k, d]) => [k, num(d)])),
});
const alignModel = (mode: string) =>
  leaves(`Alignment time in ${mode} mode.`, {
    groupSeconds: 'Once per align pod (an MMseqs2 index load).',
    targetSeconds: 'Per target, whatever its length.',
    secondsPerResidue: 'Per residue of a target.',
  });

const timeModelSchema: Schema = {
  type: 'object',
  description:
    'Time model coefficients that replace the published defaults (estimate/README.md); `openfold-argo estimate --calibrate RUN_DIR...` prints them fitted to earlier runs.',
  additionalProperties: false,
  default: {},
  properties: {
    dispatchSeconds: num('Seconds from a step becoming runnable to its process starting (controller and scheduler latency).'),
    podStartSeconds: leaves('Seconds a pod of each node class spends before its step starts (node, image pull, container start).', {
      align: 'Alignment pods.',
      predict: 'Standard GPU pods.',
      long: 'Long-sequence GPU pods.',
      light: 'Split and collect pods.',
    }),
    split: leaves('The split step.', { fixedSeconds: 'Per run.', secondsPerTarget: 'Per target.' }),
    collect: leaves('The collect step.', { fixedSeconds: 'Per run.', secondsPerTarget: 'Per target.' }),
    align: {
      type: 'object',
      description: 'Alignment.',
      additionalProperties: false,
      properties: { full_dbs: alignModel('full_dbs'), mmseqs: alignModel('mmseqs') },
    },
    predict: {
      type: 'object',
      description: 'Prediction.',
      additionalProperties: false,
      properties: {
        modelLoadSeconds: num('Per batch (one OpenFold process loads the model once).'),
        targetSeconds: num('Per target besides inference (features, template realignment, writing).'),
        inferenceScale: leaves("Multiplier of the published inference-time curve of the class's GPU.", {
          standard: 'Standard GPU class.',
          long: 'Long-sequence class (--long_sequence_inference).',
        }),
      },
    },
  },
};

const allocatable: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['cpu', 'memoryGiB', 'gpu'],
  properties: {
    cpu: { type: 'number', exclusiveMinimum: 0 },
    memoryGiB: { type: 'number', exclusiveMinimum: 0 },
    gpu: { type: 'integer', minimum: 0 },
  },
};

export const costSchema: Schema = {
  type: 'object',
  description: 'Prices and the time model of `openfold-argo estimate` and of the measured cost in the report.',
  additionalProperties: false,
  default: {},
  properties: {
    region: { type: 'string', minLength: 1, default: 'us-east-1', description: 'Region the prices are for.' },
    pricesAsOf: {
      type: 'string',
      pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
      default: '2025-06-15',
      description: 'Date the prices were recorded; the defaults are us-east-1 list prices: set your own.',
    },
    instanceTypes: {
      type: 'object',
      description: 'Instance type (a key of cost.prices) each node class runs on.',
      additionalProperties: false,
      default: {},
      properties: {
        align: {
          type: 'string',
          minLength: 1,
          default: 'r6i.8xlarge',
          description: 'Alignment pods (the instance type of alignment.nodeClass).',
        },
        predict: { type: 'string', minLength: 1, default: 'g5.4xlarge', description: 'Standard GPU pods (inference.gpu).' },
        long: { type: 'string', minLength: 1, default: 'p4d.24xlarge', description: 'Long-sequence GPU pods (inference.longSequence).' },
        light: { type: 'string', minLength: 1, default: 'r6i.8xlarge', description: 'Split and collect pods (defaultNodeClass).' },
      },
    },
    prices: {
      type: 'object',
      description:
        'Instance type -> { onDemand, spot } USD per hour, gpuModel, and allocatable { cpu, memoryGiB, gpu }. Defaults: us-east-1 as of pricesAsOf; spot is indicative.',
      minProperties: 1,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['onDemand', 'spot', 'allocatable'],
        properties: {
          onDemand: { type: 'number', minimum: 0 },
          spot: { type: 'number', minimum: 0 },
          gpuModel: { type: 'string' },
          allocatable,
        },
      },
      default: DEFAULT_PRICES,
    },
    fsx: {
      type: 'object',
      description: 'The shared FSx for Lustre volume, charged for the run duration.',
      additionalProperties: false,
      default: {},
      properties: {
        usdPerGbMonth: num('USD per GB-month (PERSISTENT_2, 125 MB/s/TiB, us-east-1).', { default: 0.145 }),
        capacityGb: num('Capacity (the full databases need about 3 TiB; PERSISTENT_2 grows in 2.4 TiB steps).', { default: 4800 }),
      },
    },
    timeModel: timeModelSchema,
  },
};

/** Problems the JSON schema cannot express: every node class must name a priced instance type. */
export function costProblems(cost: CostConfig): string[] {
  return NODE_CLASSES.filter((k) => !(cost.instanceTypes[k] in cost.prices)).map(
    (k) => `cost.instanceTypes.${k}: ${JSON.stringify(cost.instanceTypes[k])} has no entry in cost.prices`,
  );
}
