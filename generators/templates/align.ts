// WorkflowTemplate `openfold-align`: MSA and template searches with OpenFold's flags (steps/align).
// `align-group` aligns one group of the plan (the pipeline fans out over groups); `align-one` aligns one
// FASTA (standalone use); `align-group-by-database` runs each database search of a group as its own pod.
import type { Config } from '../config/types.js';
import type { DagTask, Template, WorkflowTemplate } from '../argo/types.js';
import { dagTemplate, localTask } from '../argo/dag.js';
import { patchByRetry } from '../argo/expression.js';
import { metadata } from '../argo/metadata.js';
import { args, input, ref } from '../argo/params.js';
import { scaleMemory, wholeCores } from '../argo/units.js';
import {
  ALIGN_MODES,
  SEMAPHORE_CONFIGMAP,
  SEMAPHORE_KEYS,
  TEMPLATE_NAMES,
  cliStep,
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

/** An OOM-killed search is retried with more memory: the limit grows by oomMemoryFactor per retry. */
export function memoryLadder(c: Config): string {
  const steps = Array.from({ length: c.retries.limit + 1 }, (_, i) => {
    const memory = scaleMemory(c.alignment.resources.memory, c.alignment.oomMemoryFactor ** i);
    return { containers: [{ name: 'main', resources: { requests: { memory }, limits: { memory } } }] };
  });
  return patchByRetry(steps);
}

function alignContainer(c: Config, name: string, inputs: ReturnType<typeof groupInputs>, argv: string[], withSemaphore = true): Template {
  return cliStep(c, {
    name,
    step: 'align',
    image: 'msa',
    args: ['align', ...argv, '--cpu', String(wholeCores(c.alignment.resources.cpu))],
    inputs,
    resources: { cpu: c.alignment.resources.cpu, memory: String(c.alignment.resources.memory) },
    placement: c.alignment.placement,
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

/** One pod per align group asking the MSA server: one CPU (it waits on the network), the msa-server semaphore. */
function serverContainer(c: Config): Template {
  return cliStep(c, {
    name: ALIGN_GROUP_SERVER,
    step: 'align',
    image: 'msa',
    args: ['align', '--plan', ref.input('plan'), '--group', ref.input('group'), '--out', ref.input('out'), '--mode', 'colabfold_server'],
    inputs: groupInputs(c).filter((p) => p.name !== 'mode'),
    resources: { cpu: 1, memory: '2Gi' },
    placement: c.alignment.placement,
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
