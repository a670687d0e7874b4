// The typed shape of `openfold-argo.yaml` after defaults are applied.
// schema.ts is the source of truth for defaults, descriptions and limits; this file mirrors it for the compiler.
import type { CostConfig } from './cost.js';

export type DatabasePreset = 'full_dbs' | 'mmseqs';
export type AlignMode = 'full_dbs' | 'mmseqs' | 'colabfold_server';
export type ModelName = 'openfold' | 'openfold3';

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface NodeClass {
  /** The instance type the allocatable figures are for (informational). */
  instanceType: string;
  allocatable: { cpu: number | string; memory: string; gpus: number };
  /** Left on every node for DaemonSets: no pod request may use it. */
  reserved: { cpu: number | string; memory: string };
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  /** Empty: none. */
  priorityClassName: string;
  /** Empty: any capacity type. */
  capacityType: '' | 'on-demand' | 'spot';
}

export interface ImageRef {
  repository: string;
  tag: string;
  /** sha256:… digest; when set it wins over the tag. */
  digest?: string;
}

export interface ResourceClass {
  cpu: number | string;
  memory: string;
}

export interface GpuClass {
  /** Key of Config.nodeClasses. */
  nodeClass: string;
  /** Extended resource name, e.g. nvidia.com/gpu. */
  resource: string;
  count: number;
  cpu: number | string;
  memory: string;
  /** Size of the /dev/shm memory emptyDir. */
  shm: string;
}

export interface DatabasePaths {
  uniref90: string;
  mgnify: string;
  bfd: string;
  uniref30: string;
  uniref30Mmseqs: string;
  pdb70: string;
  pdbMmcif: string;
  obsoletePdbs: string;
  pdbSeqres: string;
  uniprot: string;
  colabfoldEnv: string;
  openfoldParams: string;
  openfold3Params: string;
}

export interface Schedule {
  enabled: boolean;
  schedules: string[];
  timezone: string;
}

export interface Backoff {
  duration: string;
  factor: number;
  /** Longest delay between two attempts (Argo backoff.cap, v3.7+). */
  maxDelay: string;
}

export interface MsaServer {
  url: string;
  maxConcurrent: number;
  userAgent: string;
  pairing: boolean;
  pollSeconds: number;
  maxWaitMinutes: number;
  maxRetries: number;
}

export interface Openfold3Settings {
  checkpoint: string;
  seeds: number[];
  diffusionSamples: number;
  tokensPerBatch: number;
  longThreshold: number;
  outputFormat: 'cif' | 'pdb';
  useTemplates: boolean;
  device: 'gpu' | 'cpu';
  /** Deep-merged into OpenFold3's runner yaml. */
  runnerSettings: Record<string, unknown>;
  runtime: { runOpenfold: string };
}

export interface Config {
  namespace: string;
  serviceAccount: string;
  model: ModelName;
  argoVersion: string;
  nodeClasses: Record<string, NodeClass>;
  /** Node class of split, collect, evaluate and the CAMEO week step. */
  defaultNodeClass: string;
  podAnnotations: { all: Record<string, string>; longSteps: Record<string, string> };
  volume: {
    claimName: string;
    mountPath: string;
  };
  images: {
    pullPolicy: 'Always' | 'IfNotPresent' | 'Never';
    tools: ImageRef;
    msa: ImageRef;
    openfold: ImageRef;
    openfold3: ImageRef;
  };
  databases: {
    root: string;
    preset: DatabasePreset;
    version: string;
    /** Path of a manifest JSON replacing the built-in one of the preset; empty for the built-in. */
    manifest: string;
    source: {
      bucket: string;
      prefix: string;
      region: string;
      /** S3-compatible endpoint URL; empty means AWS S3 in `region`. */
      endpoint: string;
      weightsBucket: string;
      weightsPrefix: string;
      openfold3Bucket: string;
      openfold3Prefix: string;
    };
    paths: DatabasePaths;
    download: {
      /** A response or body that sends nothing for this long is requested again from its last good byte. */
      stallTimeout: string;
      /** How long an install waits for another install of the same database to finish; "0s" refuses at once. */
      lockWait: string;
    };
    nodeClass: string;
    resources: ResourceClass;
  };
  input: {
    fasta: string;
    runsRoot: string;
    /** Retention of run folders, enforced by collect; '' keeps them. */
    keepRunsFor: string;
  };
  alignment: {
    mode: AlignMode;
    perDatabaseFanOut: boolean;
    nodeClass: string;
    resources: ResourceClass;
    maxParallelPods: number;
    targetsPerPod: number;
    /** Memory multiplier applied per retry after an OOM kill. */
    oomMemoryFactor: number;
    cacheDir: string;
    msaServer: MsaServer;
  };
  inference: {
    configPreset: string;
    checkpoint: string;
    gpu: GpuClass;
    longSequence: GpuClass & { threshold: number };
    maxConcurrentGpus: number;
    residuesPerBatch: number;
    relax: boolean;
    maxTemplateDate: string;
    randomSeed: number;
    cifOutput: boolean;
    saveOutputs: boolean;
    traceModel: boolean;
    runtime: { openfoldDir: string; python: string };
  };
  openfold3: Openfold3Settings;
  evaluation: {
    /** Folder of reference mmCIF files named by PDB id; empty: no evaluation. */
    references: string;
  };
  retries: {
    limit: number;
    backoff: Backoff;
  };
  deadlines: {
    databases: string;
    split: string;
    align: string;
    predict: string;
    evaluate: string;
    collect: string;
    workflow: string;
    /** Argo >= 4.1 pendingTimeout of the step templates; '' for none. */
    pending: string;
  };
  podGC: {
    strategy: 'OnPodCompletion' | 'OnPodSuccess' | 'OnWorkflowCompletion' | 'OnWorkflowSuccess';
    deleteDelayDuration: string;
  };
  ttl: {
    secondsAfterCompletion: number;
    secondsAfterSuccess: number;
    secondsAfterFailure: number;
  };
  cron: {
    databaseRefresh: Schedule;
    benchmark: Schedule & { fasta: string; maxTemplateDate: string };
    cameoWeekly: Schedule & { listingUrl: string; referencesUrl: string; references: string };
  };
  /** Prices and time model of the estimate and the measured cost (cost.ts). */
  cost: CostConfig;
}
