// WorkflowTemplate `openfold-align`: MSA and template searches with OpenFold's flags (steps/align).
// `align-group` aligns one group of the plan (the pipeline fans out over groups); `align-one` aligns one
// FASTA (standalone use); `align-group-by-database` runs each database search of a group as its own pod.
import type { Config } from '../config/types.js';
import type { DagTask, Template, WorkflowTemplate } from '../argo/types.js';
import { dagTemplate, localTask } from '../argo/dag.js';
import { patchAfter } from '../argo/expression.js';
import { metadata } from '../argo/metadata.js';
import { args, input, ref } from '../argo/params.js';
import { mebibytes, memoryBytes, wholeCores } from '../argo/units.js';
import { AFTER_OOM_KILL } from '../argo/retry.js';
import { argoHas } from '../argo/version.js';
import { podRoom } from '../fit.js';
import {
  ALIGN_MODES,
  SEMAPHORE_CONFIGMAP,
  SEMAPHORE_KEYS,
  TEMPLATE_NAMES,
  cliStep,
  nodeClassOf,
  stepMounts,
  stepVolumes,
  workflowDefaults,
} from './common.js';
import { searchesFor } from '../../steps/align/contract.js';

export const ALIGN_GROUP = 'align-group';
export const ALIGN_ONE = 'align-one';
export const ALIGN_GROUP_BY_DATABASE = 'align-group-by-database';
/** An align group answered by the ColabFold MSA server: light pods under the cluster-wide msa-server semaphore. */
export const ALIGN_GROUP_SERVER = 'align-group-msa-server';
const ALIGN_SEARCH = 'align-search';
const ALIGN_FINALIZE = 'align-finalize';

/** Modes whose searches run in the pod (colabfold_server asks the MSA server instead). */
const LOCAL_MODES = ['full_dbs', 'mmseqs'] as const;

const modeInput = (c: Config) =>
  input('mode', {
    description:
      'full_dbs (jackhmmer, hhblits, hhsearch), mmseqs (MMseqs2, fast) or colabfold_server (the configured ColabFold MSA server).',
    default: c.alignment.mode,
    enum: [...ALIGN_MODES],
  });
const groupInputs = (c: Config) => [
  input('plan', { description: 'Path of the run plan (RUN/split/plan.json).' }),
  input('group', { description: 'Align group id in the plan.' }),
  input('out', { description: 'Alignments directory (RUN/alignments).' }),
  modeInput(c),
];
const groupArgs = ['--plan', ref.input('plan'), '--group', ref.input('group'), '--out', ref.input('out'), '--mode', ref.input('mode')];

/**
 * The memory of attempt i after an OOM kill: the pod's memory times oomMemoryFactor^i, capped at what a pod can
 * get on a node of the alignment class (fit.ts podRoom). Consecutive equal rungs are merged.
 */
export function memoryRungs(c: Config): string[] {
  const room = podRoom(nodeClassOf(c, c.alignment.nodeClass)).memoryBytes;
  const base = memoryBytes(c.alignment.resources.memory);
  const rungs: string[] = [];
  for (let i = 0; i <= c.retries.limit; i++) {
    const rung = mebibytes(Math.min(base * c.alignment.oomMemoryFactor ** i, Math.max(room, base)));
    if (rungs[rungs.length - 1] !== rung) rungs.push(rung);
  }
  return rungs;
}

/**
 * An OOM-killed search is retried with more memory; any other failure (a lost node, a deadline, a broken
 * mount) is retried with the same. Argo substitutes lastRetry.* into the template from v3.7 only: before that,
 * a retry cannot tell an OOM kill from any other failure, so there is no ladder (undefined). A retry after a
 * non-OOM failure gets the base memory again; a later OOM kill climbs to the rung of its retry number.
 */
export function memoryLadder(c: Config): string | undefined {
  if (!argoHas(c.argoVersion, 'lastRetryInTemplate') || c.retries.limit === 0) return undefined;
  const patches = memoryRungs(c).map((memory) => ({
    containers: [{ name: 'main', resources: { requests: { memory }, limits: { memory } } }],
  }));
  return patches.length > 1 ? patchAfter(AFTER_OOM_KILL, patches) : undefined;
}

function alignContainer(c: Config, name: string, inputs: ReturnType<typeof groupInputs>, argv: string[], withSemaphore = true): Template {
  return cliStep(c, {
    name,
    step: 'align',
    image: 'msa',
    args: ['align', ...argv, '--cpu', String(wholeCores(c.alignment.resources.cpu))],
    inputs,
    resources: { cpu: c.alignment.resources.cpu, memory: String(c.alignment.resources.memory) },
    nodeClass: c.alignment.nodeClass,
    long: true,
    deadline: 'align',
    volumes: stepVolumes(c),
    volumeMounts: stepMounts(c, 'read-only'),
    podSpecPatch: memoryLadder(c),
    synchronization: withSemaphore
      ? { semaphores: [{ configMapKeyRef: { name: SEMAPHORE_CONFIGMAP, key: SEMAPHORE_KEYS.align } }] }
      : undefined,
  });
}

const taskName = (mode: string, search: string) => `${mode.replace('_', '-')}-${search.replace(/_/g, '-')}`;

/** One pod per database search (the step's contract lists them and their order), then one --finalize pod. */
function byDatabaseDag(c: Config): Template {
  const passGroup = { plan: ref.input('plan'), group: ref.input('group'), out: ref.input('out'), mode: ref.input('mode') };
  const tasks: DagTask[] = [];
  for (const mode of LOCAL_MODES) {
    for (const s of searchesFor(mode, c.databases.paths)) {
      tasks.push(
        localTask(taskName(mode, s.name), ALIGN_SEARCH, {
          arguments: args({ ...passGroup, search: s.name }),
          when: `'${ref.input('mode')}' == '${mode}'`,
          ...(s.after.length ? { depends: s.after.map((a) => taskName(mode, a)).join(' && ') } : {}),
        }),
      );
    }
  }
  tasks.push(
    localTask('finalize', ALIGN_FINALIZE, {
      arguments: args(passGroup),
      depends: tasks.map((t) => `(${t.name}.Succeeded || ${t.name}.Skipped)`).join(' && '),
    }),
  );
  return dagTemplate({ name: ALIGN_GROUP_BY_DATABASE, inputs: groupInputs(c), tasks, failFast: true });
}

/** One pod per align group asking the MSA server: one CPU and 512Mi (it waits on the network and unpacks a few MB of MSAs), the msa-server semaphore. */
function serverContainer(c: Config): Template {
  return cliStep(c, {
    name: ALIGN_GROUP_SERVER,
    step: 'align',
    image: 'msa',
    args: ['align', '--plan', ref.input('plan'), '--group', ref.input('group'), '--out', ref.input('out'), '--mode', 'colabfold_server'],
    inputs: groupInputs(c).filter((p) => p.name !== 'mode'),
    resources: { cpu: 1, memory: '512Mi' },
    nodeClass: c.alignment.nodeClass,
    long: true,
    deadline: 'align',
    volumes: stepVolumes(c),
    volumeMounts: stepMounts(c, 'read-only'),
    synchronization: { semaphores: [{ configMapKeyRef: { name: SEMAPHORE_CONFIGMAP, key: SEMAPHORE_KEYS.msaServer } }] },
  });
}

export function alignWorkflowTemplate(c: Config): WorkflowTemplate {
  const templates: Template[] = [
    alignContainer(
      c,
      ALIGN_ONE,
      [
        input('fasta', { description: 'FASTA file of one target on the shared volume.' }),
        input('out', { description: 'Directory that receives <tag>/ with the MSAs, template hits and a done-manifest.' }),
        modeInput(c),
      ],
      ['--fasta', ref.input('fasta'), '--out', ref.input('out'), '--mode', ref.input('mode')],
    ),
    alignContainer(c, ALIGN_GROUP, groupInputs(c), groupArgs),
    byDatabaseDag(c),
    alignContainer(
      c,
      ALIGN_SEARCH,
      [...groupInputs(c), input('search', { description: 'One database search of the group.' })],
      [...groupArgs, '--search', ref.input('search')],
    ),
    alignContainer(c, ALIGN_FINALIZE, groupInputs(c), [...groupArgs, '--finalize'], false),
    serverContainer(c),
  ];
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTemplate',
    metadata: metadata(
      TEMPLATE_NAMES.align,
      c.namespace,
      'align',
      "MSA and template searches for OpenFold (jackhmmer, hhblits, hhsearch with OpenFold's flags, or MMseqs2): submit for one FASTA, or reuse align-group from the pipeline.",
    ),
    spec: {
      entrypoint: ALIGN_ONE,
      arguments: {
        parameters: [
          input('fasta', {
            description: 'FASTA file of one target on the shared volume.',
            default: `${c.volume.mountPath}/input/target.fasta`,
          }),
          input('out', { description: 'Output directory on the shared volume.', default: `${c.input.runsRoot}/standalone/alignments` }),
          modeInput(c),
        ],
      },
      ...workflowDefaults(c, 'align'),
      templates,
    },
  };
}
