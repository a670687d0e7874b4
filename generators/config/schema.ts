// JSON Schema of `openfold-argo.yaml`: the one source of truth for defaults, descriptions and limits.
// The loader applies the defaults (ajv useDefaults), the Helm chart's values.schema.json is derived from it,
// and the README's configuration reference is generated from the descriptions.

import { costSchema } from './cost.js';

type Schema = Record<string, unknown>;

const str = (description: string, def?: string, extra: Schema = {}): Schema => ({
  type: 'string',
  description,
  ...(def === undefined ? {} : { default: def }),
  ...extra,
});
const int = (description: string, def: number, minimum = 0, extra: Schema = {}): Schema => ({
  type: 'integer',
  description,
  default: def,
  minimum,
  ...extra,
});
const bool = (description: string, def: boolean): Schema => ({ type: 'boolean', description, default: def });
const obj = (description: string, properties: Record<string, Schema>, extra: Schema = {}): Schema => ({
  type: 'object',
  description,
  additionalProperties: false,
  default: {},
  properties,
  ...extra,
});

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const ABS_PATH = '^/';
const DURATION = '^[0-9]+(s|m|h|d)$';
const QUANTITY = '^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$';
const DATE = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
const DATE_OR_TODAY = '^([0-9]{4}-[0-9]{2}-[0-9]{2}|today)$';

const quantity = (description: string, def: string | number): Schema => ({
  type: ['string', 'number'],
  description,
  default: def,
  pattern: QUANTITY,
  exclusiveMinimum: 0,
});
const requiredQuantity = (description: string): Schema => {
  const { default: _none, ...q } = quantity(description, 1);
  void _none;
  return q;
};
const duration = (description: string, def: string): Schema => str(description, def, { pattern: DURATION });

const toleration: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    key: { type: 'string' },
    operator: { enum: ['Exists', 'Equal'] },
    value: { type: 'string' },
    effect: { enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
    tolerationSeconds: { type: 'integer' },
  },
};
const GPU_TOLERATION = [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }];

const nodeClassRef = (who: string, def: string): Schema =>
  str(`Node class (a key of nodeClasses) of ${who}: their placement, and the allocatable resources their requests must fit.`, def, {
    pattern: DNS_LABEL,
  });

const CLASS_LABEL = 'openfold-argo.io/node-class';

/** One class of nodes: what a pod on it can get, and how a pod is placed on it. */
const nodeClassSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['allocatable'],
  properties: {
    instanceType: str('The instance type the allocatable figures are for (README: "Node classes"); informational.', ''),
    allocatable: {
      type: 'object',
      additionalProperties: false,
      required: ['cpu', 'memory', 'gpus'],
      description:
        "The node's allocatable resources (kubectl get node -o jsonpath='{.status.allocatable}'): capacity less kube-reserved and the eviction threshold.",
      properties: {
        cpu: requiredQuantity('Allocatable CPU (cores, or millicores such as 31850m).'),
        memory: requiredQuantity('Allocatable memory (such as 239554Mi).'),
        gpus: { type: 'integer', minimum: 0, description: 'GPUs (the extended resource of the GPU classes) per node.' },
      },
    },
    reserved: obj(
      'Left on every node for DaemonSets (VPC CNI, kube-proxy, CSI node plugins, GPU device plugin): no pod request may use it.',
      {
        cpu: quantity('CPU left for DaemonSets.', '500m'),
        memory: quantity('Memory left for DaemonSets.', '1Gi'),
      },
    ),
    nodeSelector: {
      type: 'object',
      description: 'Node labels the pods of the class must match.',
      additionalProperties: { type: 'string' },
      default: {},
    },
    tolerations: { type: 'array', description: 'Taints the pods of the class tolerate.', items: toleration, default: [] },
    priorityClassName: str('PriorityClass of the pods of the class (empty: none); it must exist in the cluster.', '', {
      pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$',
    }),
    capacityType: {
      enum: ['', 'on-demand', 'spot'],
      default: '',
      description:
        'Only nodes of this capacity type: a node affinity on karpenter.sh/capacity-type (Karpenter) or eks.amazonaws.com/capacityType (EKS managed node groups); empty: any.',
    },
  },
};

/** A default class: the figures are derived in the README ("Node classes") from EKS's formulas. */
const nodeClass = (name: string, instanceType: string, allocatable: { cpu: string; memory: string; gpus: number }, gpu: boolean) => ({
  instanceType,
  allocatable,
  reserved: { cpu: '500m', memory: '1Gi' },
  nodeSelector: { [CLASS_LABEL]: name },
  tolerations: gpu ? GPU_TOLERATION : [],
  priorityClassName: '',
  capacityType: '',
});

// docker/distribution's reference grammar (reference/regexp.go, v0.6.0): what a registry and the kubelet accept.
const ALPHANUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?`;
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
/** An image name: [domain[:port]/]path-component[/path-component...]. */
export const IMAGE_REPOSITORY = `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`;
export const IMAGE_TAG = '^[\\w][\\w.-]{0,127}$';

/**
 * Defaults name the images `npm run images` builds and tags on this machine: no public registry publishes
 * openfold-argo images, and a default that named one would send a cluster to pull an image nobody built (or
 * anyone could publish under that name). A cluster needs `npm run images -- --push REGISTRY` and the
 * repository and digest it prints; `render` warns while an image is a tag without a digest.
 */
export const LOCAL_IMAGE_REPOSITORY = 'localhost/openfold-argo';
export const LOCAL_IMAGE_TAG = 'dev';

const image = (what: string, name: string): Schema =>
  obj(`Container image for ${what}.`, {
    repository: str(
      'Image repository: [registry[:port]/]path, the registry reference grammar (the default is the local build of `npm run images`).',
      `${LOCAL_IMAGE_REPOSITORY}/${name}`,
      { pattern: IMAGE_REPOSITORY, maxLength: 255 },
    ),
    tag: str('Image tag (ignored when digest is set).', LOCAL_IMAGE_TAG, { pattern: IMAGE_TAG }),
    digest: str('Image digest (sha256:…); pins the image exactly and wins over the tag.', undefined, {
      pattern: '^sha256:[a-f0-9]{64}$',
    }),
  });

const gpuClassProps = (what: string, nodeClass: string, cpu: number, memory: string, shm: string): Record<string, Schema> => ({
  nodeClass: nodeClassRef(`the ${what} pods`, nodeClass),
  resource: str('Extended resource name of the GPU.', 'nvidia.com/gpu', { minLength: 1 }),
  count: int(`GPUs per ${what} pod.`, 1, 1),
  cpu: quantity(`CPU request and limit of a ${what} pod.`, cpu),
  memory: quantity(`Memory request and limit of a ${what} pod (the /dev/shm files count against it).`, memory),
  shm: quantity(
    'Size of /dev/shm (a memory emptyDir; PyTorch data loaders need more than the 64Mi default). Its pages are charged to the pod, so it must not exceed the memory.',
    shm,
  ),
});

const schedule = (description: string, schedules: string[], enabled: boolean, extra: Record<string, Schema> = {}): Schema =>
  obj(description, {
    enabled: bool('Create this CronWorkflow (a disabled one is rendered suspended).', enabled),
    schedules: {
      type: 'array',
      description: 'Cron expressions (five fields); Argo v4 `schedules`.',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      default: schedules,
    },
    timezone: str('IANA time zone of the schedules.', 'UTC', { minLength: 1 }),
    ...extra,
  });

// The README's eksctl node groups ("Node classes" shows the arithmetic): allocatable = capacity - kube-reserved -
// the 100Mi eviction threshold, with EKS's formulas (amazon-eks-ami nodeadm) and Karpenter's 7.5% VM memory overhead.
export const DEFAULT_NODE_CLASSES = {
  cpu: nodeClass('cpu', 'r6i.8xlarge', { cpu: '31850m', memory: '239554Mi', gpus: 0 }, false),
  gpu: nodeClass('gpu', 'g5.4xlarge', { cpu: '15890m', memory: '57691Mi', gpus: 1 }, true),
  'gpu-large': nodeClass('gpu-large', 'p4d.24xlarge', { cpu: '95690m', memory: '1082712Mi', gpus: 8 }, true),
};

export const configSchema: Schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://openfold-argo.dev/schema/openfold-argo.json',
  title: 'openfold-argo.yaml',
  description: 'Configuration of the openfold-argo pipeline. Every field has a default (EKS + FSx for Lustre).',
  type: 'object',
  additionalProperties: false,
  properties: {
    namespace: str('Kubernetes namespace of the workflows.', 'openfold', { pattern: DNS_LABEL, maxLength: 63 }),
    serviceAccount: str('ServiceAccount the workflow pods run as (IRSA-annotated on EKS; no secrets in YAML).', 'openfold-workflow', {
      pattern: DNS_LABEL,
      maxLength: 63,
    }),
    model: {
      enum: ['openfold', 'openfold3'],
      default: 'openfold',
      description:
        'Structure model: openfold (AF2-class OpenFold, protein monomers from a FASTA) or openfold3 (OpenFold3: complexes, ligands, nucleic acids from an OpenFold3 query JSON or a FASTA). The default of the pipeline parameter `model`.',
    },
    argoVersion: str('Argo Workflows version the resources target (the linter uses its schema).', 'v4.1.2', {
      pattern: '^v[0-9]+\\.[0-9]+\\.[0-9]+$',
    }),
    volume: obj('The shared ReadWriteMany volume (FSx for Lustre on EKS).', {
      claimName: str('PersistentVolumeClaim of the shared volume.', 'fsx-claim', { pattern: DNS_LABEL }),
      mountPath: str('Where the volume is mounted in every step.', '/fsx', { pattern: '^/[^\\s]*[^/]$' }),
    }),
    nodeClasses: {
      type: 'object',
      description:
        "Classes of nodes, by name: allocatable resources (render refuses a request that does not fit), placement, priority and capacity type. The defaults are the README's eksctl node groups.",
      propertyNames: { pattern: DNS_LABEL },
      additionalProperties: nodeClassSchema,
      default: DEFAULT_NODE_CLASSES,
    },
    defaultNodeClass: nodeClassRef('the small steps (split, collect, evaluate, the CAMEO week step)', 'cpu'),
    podAnnotations: obj('Annotations of the step pods.', {
      all: {
        type: 'object',
        description: 'On every step pod.',
        additionalProperties: { type: 'string' },
        default: {},
      },
      longSteps: {
        type: 'object',
        description:
          'On the pods of the long steps (databases, align, predict): Karpenter does not consolidate or expire a node while such a pod runs on it.',
        additionalProperties: { type: 'string' },
        default: { 'karpenter.sh/do-not-disrupt': 'true' },
      },
    }),
    images: obj('Container images of the steps.', {
      pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'], default: 'IfNotPresent', description: 'Image pull policy.' },
      tools: image('the databases, split and collect steps (Node.js and the openfold-argo CLI)', 'tools'),
      msa: image('the alignment steps (hmmer, hh-suite, mmseqs2)', 'msa'),
      openfold: image('the prediction step with AF2-class OpenFold (CUDA)', 'openfold'),
      openfold3: image('the prediction step with OpenFold3 (PyTorch from PyPI)', 'openfold3'),
    }),
    databases: obj('Reference databases and OpenFold weights on the shared volume.', {
      root: str('Directory of the databases on the shared volume.', '/fsx/databases', { pattern: ABS_PATH }),
      preset: {
        enum: ['full_dbs', 'mmseqs'],
        default: 'full_dbs',
        description: 'Which databases to download: full_dbs (OpenFold/AlphaFold set) or mmseqs (fast mode).',
      },
      version: str('Version label of the database set, recorded in done-manifests.', '2022-05', { minLength: 1 }),
      manifest: str('A database manifest JSON file to use instead of the built-in one for the preset (a mirror, the demo).', ''),
      source: obj('Where the database archives are downloaded from (public S3, unsigned requests).', {
        bucket: str('S3 bucket of the database archives.', 'aws-hcls-ml', { minLength: 1 }),
        prefix: str('Key prefix of the archives.', 'public_assets_support_materials/guidance-for-protein-folding/compressed/'),
        region: str('Region of the buckets.', 'us-east-1', { minLength: 1 }),
        endpoint: str('S3-compatible endpoint URL, or file:///DIR for a local mirror (the demo); empty for AWS S3.', '', {
          pattern: '^(|https?://.+|file:///.+)$',
        }),
        weightsBucket: str('Bucket of the OpenFold weights (the public RODA bucket).', 'openfold', { minLength: 1 }),
        weightsPrefix: str('Key prefix of the OpenFold weights.', 'openfold_params/'),
        openfold3Bucket: str("Bucket of the OpenFold3 weights (setup_openfold's public bucket).", 'openfold3-data', { minLength: 1 }),
        openfold3Prefix: str('Key prefix of the OpenFold3 weights.', 'openfold3-parameters/'),
      }),
      paths: obj("Database files, relative to `databases.root`, with OpenFold's file names.", {
        uniref90: str('UniRef90 FASTA (jackhmmer).', 'uniref90/uniref90.fasta'),
        mgnify: str('MGnify clusters FASTA (jackhmmer).', 'mgnify/mgy_clusters_2022_05.fa'),
        bfd: str('BFD HH-suite database prefix (hhblits).', 'bfd/bfd_metaclust_clu_complete_id30_c90_final_seq.sorted_opt'),
        uniref30: str('UniRef30 HH-suite database prefix (hhblits).', 'uniref30/UniRef30_2021_03'),
        uniref30Mmseqs: str('UniRef30 MMseqs2 database (fast mode).', 'mmseqs/uniref30_2103_db'),
        pdb70: str('PDB70 HH-suite database prefix (hhsearch templates).', 'pdb70/pdb70'),
        pdbMmcif: str('Directory of template mmCIF files.', 'pdb_mmcif/mmcif_files'),
        obsoletePdbs: str('Obsolete PDB list.', 'pdb_mmcif/obsolete.dat'),
        pdbSeqres: str('PDB seqres FASTA (multimer templates).', 'pdb_seqres/pdb_seqres.txt'),
        uniprot: str('UniProt FASTA (multimer pairing).', 'uniprot/uniprot.fasta'),
        colabfoldEnv: str('ColabFold environmental MMseqs2 database under colabfold_env/ (fast mode, optional; empty to skip).', ''),
        openfoldParams: str('Directory of the OpenFold weights.', 'openfold_params'),
        openfold3Params: str('Directory of the OpenFold3 weights.', 'openfold3_params'),
      }),
      download: obj('How the databases step downloads.', {
        stallTimeout: duration(
          'A response or body that sends nothing for this long is dropped and requested again from its last good byte (with backoff); five silent attempts in a row fail the download.',
          '30s',
        ),
        lockWait: duration(
          'How long an install waits for another install of the same database on the same root to finish (then skips it); 0s refuses at once, naming the holder.',
          '12h',
        ),
      }),
      nodeClass: nodeClassRef('the download pods', 'cpu'),
      resources: obj('Resources of a database download pod.', {
        cpu: quantity('CPU of a download pod.', 4),
        memory: quantity('Memory of a download pod.', '8Gi'),
      }),
    }),
    input: obj('The proteins to fold.', {
      fasta: str('Multi-FASTA on the shared volume (absolute path) or an s3:// URL.', '/fsx/input/cameo_protein_targets.fasta', {
        pattern: '^(/|s3://).+',
      }),
      runsRoot: str('Directory on the shared volume where each run writes its outputs.', '/fsx/runs', { pattern: ABS_PATH }),
      keepRunsFor: str(
        "Retention of run folders: each run's collect step deletes the run folders under runsRoot unchanged for longer than this (30d); empty: kept forever. Longer than deadlines.workflow.",
        '',
        { pattern: '^([0-9]+(s|m|h|d))?$' },
      ),
    }),
    alignment: obj('MSA and template searches.', {
      mode: {
        enum: ['full_dbs', 'mmseqs', 'colabfold_server'],
        default: 'full_dbs',
        description:
          "full_dbs: jackhmmer + hhblits + hhsearch with OpenFold's flags; mmseqs: MMseqs2 (fast); colabfold_server: a ColabFold MSA server (sends the sequences to alignment.msaServer.url: opt in per run).",
      },
      perDatabaseFanOut: bool('Run each database search of a target as its own pod instead of concurrently in one pod.', false),
      nodeClass: nodeClassRef('the alignment pods', 'cpu'),
      resources: obj('Resources of one alignment pod (three share an r6i.8xlarge: README, "Node classes").', {
        cpu: quantity('CPU of an alignment pod (and the --cpu of its searches).', 10),
        memory: quantity(
          'Memory of an alignment pod; after an OOM kill the retry gets oomMemoryFactor times more, up to what its node class can give.',
          '64Gi',
        ),
      }),
      maxParallelPods: int('Most alignment pods running at once (a semaphore).', 32, 1),
      targetsPerPod: int('Targets aligned by one pod, one after another (raise it for very large runs).', 1, 1),
      oomMemoryFactor: {
        type: 'number',
        minimum: 1,
        default: 2,
        description:
          'Memory multiplier per retry after an OOM kill (only then; Argo >= 3.7), capped at what the node class can give a pod.',
      },
      cacheDir: str('Alignment cache on the shared volume, keyed by sequence sha256 + database identity.', '/fsx/cache/alignments', {
        pattern: ABS_PATH,
      }),
      msaServer: obj('The ColabFold MSA server of the colabfold_server mode (ticket API: submit, poll, download).', {
        url: str('Server URL (a self-hosted ColabFold MSA server, or the public one).', 'https://api.colabfold.com', {
          pattern: '^https?://[^\\s]+$',
        }),
        maxConcurrent: int('Most requests in flight to the server from the whole cluster (a semaphore).', 1, 1),
        userAgent: str('User-Agent sent to the server (name/version and a contact, as ColabFold asks).', 'openfold-argo/0.1.0', {
          minLength: 1,
        }),
        pairing: bool('Also request paired MSAs (ticket/pair) for queries with several protein chains.', true),
        pollSeconds: int('Seconds between status polls (plus up to 5 s of jitter).', 5, 1),
        maxWaitMinutes: int('Give up on one search after this long.', 60, 1),
        maxRetries: int('Retries of a rate-limited (RATELIMIT, 429) or failing (5xx, network) request, with doubling backoff.', 8, 0),
      }),
    }),
    inference: obj('OpenFold inference.', {
      configPreset: str('OpenFold config preset (--config_preset).', 'model_1_ptm', { pattern: '^[a-z0-9_]+$' }),
      checkpoint: str(
        'Weights: a .pt OpenFold checkpoint or a params_<preset>.npz, relative to databases.root or absolute.',
        'openfold_params/finetuning_ptm_2.pt',
        {
          pattern: '\\.(pt|npz)$',
        },
      ),
      gpu: obj('The standard GPU class.', gpuClassProps('prediction', 'gpu', 12, '48Gi', '16Gi')),
      longSequence: obj(
        'The long-sequence GPU class (bigger GPU; --long_sequence_inference); a CUDA out-of-memory on the standard class moves the chunk here.',
        {
          threshold: int('Targets longer than this many residues go to the long-sequence class.', 1000, 1),
          ...gpuClassProps('long-sequence prediction', 'gpu-large', 10, '120Gi', '32Gi'),
        },
      ),
      mode: {
        enum: ['batch', 'server'],
        default: 'batch',
        description:
          'batch: each predict pod loads the model (run_openfold predict per batch); server: the predict pods send their batches to `openfold-argo serve` at serverUrl (model: openfold3), which writes the same files.',
      },
      serverUrl: str('The `openfold-argo serve` base URL for inference.mode server (e.g. http://openfold-argo-serve:8000).', '', {
        pattern: '^(https?://[A-Za-z0-9.:\\[\\]_-]+(/[A-Za-z0-9._~/-]*)?)?$',
      }),
      maxConcurrentGpus: int('Most GPU pods running at once (a semaphore).', 4, 1),
      residuesPerBatch: int('Residue budget of one prediction batch (one model load serves the batch).', 4000, 1),
      relax: bool('Run Amber relaxation (otherwise --skip_relaxation).', false),
      maxTemplateDate: str(
        "Newest template release date allowed (YYYY-MM-DD), or today (the date the prediction starts, recorded in each result). A benchmark pins it: the day before its targets' release.",
        'today',
        {
          pattern: DATE_OR_TODAY,
        },
      ),
      randomSeed: int('Data random seed (--data_random_seed).', 42, 0),
      cifOutput: bool('Write mmCIF instead of PDB (--cif_output).', false),
      saveOutputs: bool('Save the raw model outputs (--save_outputs).', false),
      traceModel: bool('Trace the model with TorchScript (--trace_model).', false),
      runtime: obj('Where OpenFold is installed (in the openfold image; set it to run predictions on a local machine).', {
        openfoldDir: str('OpenFold repository (holds run_pretrained_openfold.py); empty means no OpenFold runtime.', '/opt/openfold'),
        python: str('Python interpreter with OpenFold installed.', 'python3', { minLength: 1 }),
      }),
    }),
    openfold3: obj('OpenFold3 inference (model: openfold3). GPU classes, concurrency and the template date are those of `inference`.', {
      checkpoint: str(
        'Weights: a .pt OpenFold3 checkpoint, relative to databases.root or absolute (the databases step fetches the default one).',
        'openfold3_params/of3-ob-2025-06-30-174k.pt',
        { pattern: '\\.pt$' },
      ),
      seeds: {
        type: 'array',
        description: 'Model seeds (OpenFold3 reads them from its runner yaml; a query file\'s "seeds" is ignored).',
        items: { type: 'integer', minimum: 0 },
        minItems: 1,
        default: [42],
      },
      diffusionSamples: int('Diffusion samples per seed (--num_diffusion_samples); the best by sample_ranking_score is reported.', 5, 1),
      tokensPerBatch: int('Token budget of one prediction batch (one model load serves the batch).', 6000, 1),
      longThreshold: int('Queries with more tokens than this go to the long-sequence GPU class.', 1500, 1),
      outputFormat: {
        enum: ['cif', 'pdb'],
        default: 'cif',
        description: 'Structure file format (mmCIF, or PDB for single-letter chain ids).',
      },
      useTemplates: bool('Use template hits where the alignments provide them (templates need databases.paths.pdbMmcif).', true),
      device: {
        enum: ['gpu', 'cpu'],
        default: 'gpu',
        description: 'Lightning accelerator; cpu also turns off the Triton kernels (for local runs without a GPU).',
      },
      runnerSettings: {
        type: 'object',
        description:
          "Expert settings deep-merged into OpenFold3's runner yaml (e.g. model_update.custom.architecture.shared.num_recycles); the MSA server stays off and seeds come from openfold3.seeds.",
        default: {},
      },
      runtime: obj('Where OpenFold3 is installed (in the openfold3 image; set it to run predictions on a local machine).', {
        runOpenfold: str('The run_openfold program of an OpenFold3 0.5.0 installation; empty means no OpenFold3 runtime.', 'run_openfold'),
      }),
    }),
    evaluation: obj('Accuracy against reference structures: the evaluate step, before collect.', {
      references: str(
        'Folder of reference mmCIF files named by PDB id (openfold-argo cameo fetch --references DIR); empty: no evaluation.',
        '',
        { pattern: '^(/.*)?$' },
      ),
    }),
    retries: obj('Retries of failed steps.', {
      limit: int('Retries per step.', 3, 0, { maximum: 20 }),
      backoff: obj('Backoff between retries.', {
        duration: duration('First delay.', '30s'),
        factor: int('Delay multiplier.', 2, 1),
        maxDelay: duration(
          "Longest delay between two attempts (Argo's backoff.cap, from Argo v3.7; older versions cannot cap the delay). Argo's backoff.maxDuration is not used: it is a window over all attempts that also cuts the retries' deadlines.",
          '10m',
        ),
      }),
    }),
    deadlines: obj('activeDeadlineSeconds of each step, as durations (30s, 10m, 6h, 2d).', {
      databases: duration('One database download.', '12h'),
      split: duration('Split and plan.', '15m'),
      align: duration('One alignment pod.', '12h'),
      predict: duration('One prediction batch.', '8h'),
      evaluate: duration('Scoring the predictions against reference structures.', '2h'),
      collect: duration('Collect and report.', '30m'),
      workflow: duration('The whole workflow.', '7d'),
      pending: str(
        'How long a step\'s pod may stay Pending (no node can take it) before the step fails and frees its semaphore slot: Argo\'s pendingTimeout, emitted for argoVersion >= v4.1 (README: "Node classes"); empty: none.',
        '1h',
        { pattern: '^([0-9]+(s|m|h|d))?$' },
      ),
    }),
    podGC: obj('Pod garbage collection.', {
      strategy: {
        enum: ['OnPodCompletion', 'OnPodSuccess', 'OnWorkflowCompletion', 'OnWorkflowSuccess'],
        default: 'OnPodSuccess',
        description: 'When pods are deleted (failed pods are kept for their logs with OnPodSuccess).',
      },
      deleteDelayDuration: duration('Delay before a pod is deleted.', '5m'),
    }),
    ttl: obj('How long finished workflows are kept.', {
      secondsAfterCompletion: int('Any finished workflow.', 604800),
      secondsAfterSuccess: int('A succeeded workflow.', 259200),
      secondsAfterFailure: int('A failed workflow.', 604800),
    }),
    cron: obj('Scheduled workflows.', {
      databaseRefresh: schedule('Weekly refresh of the weekly-changing data (pdb_mmcif, pdb_seqres).', ['0 3 * * 0'], true),
      benchmark: schedule('Weekly CAMEO benchmark.', ['0 6 * * 1'], false, {
        fasta: str('FASTA of the benchmark targets.', '/fsx/input/cameo_protein_targets.fasta', { pattern: '^(/|s3://).+' }),
        maxTemplateDate: str('max_template_date of the benchmark: the day before its targets were released.', '2022-04-08', {
          pattern: DATE,
        }),
      }),
      cameoWeekly: schedule(
        "Weekly CAMEO targets from CAMEO's current listing: predicted with max_template_date the day before their week, scored when evaluation.references is set.",
        ['0 6 * * 4'],
        false,
        {
          listingUrl: str("CAMEO's site; the listing is <url>/modeling/targets/1-week/ajax/?to_date=DATE.", 'https://www.cameo3d.org', {
            pattern: '^https?://.+',
          }),
          referencesUrl: str(
            'Where reference mmCIF files are downloaded from: <url>/<ID>.cif.gz (RCSB).',
            'https://files.rcsb.org/download',
            {
              pattern: '^https?://.+',
            },
          ),
          references: str(
            'Folder of the reference files and the ledger of targets not released yet (on the shared volume).',
            '/fsx/references/cameo',
            {
              pattern: '^/.+',
            },
          ),
        },
      ),
    }),
    // Prices and time model of the estimate and the measured cost (generators/config/cost.ts).
    cost: costSchema,
  },
};
