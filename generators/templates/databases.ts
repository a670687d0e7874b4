// WorkflowTemplate `openfold-databases`: a first task checks `only` against the configured manifest and
// writes the selected names; the downloads fan out over that list (withParam), one pod per database in
// parallel, each running `openfold-argo databases --only NAME` (download, verify, unpack, done-manifest; a
// rerun skips what is done). `only` never reaches an expression. The pipeline and the refresh CronWorkflow
// reuse it through templateRef.
import type { Config } from '../config/types.js';
import type { DagTask, Template, WorkflowTemplate } from '../argo/types.js';
import { databaseNames } from '../../steps/databases/manifest.js';
import { dagTemplate, localTask } from '../argo/dag.js';
import { DATABASE_NAMES_ANNOTATION, metadata } from '../argo/metadata.js';
import { args, input, outputFromFile, ref } from '../argo/params.js';
import { TEMPLATE_NAMES, cliStep, stepMounts, stepVolumes, workflowDefaults } from './common.js';

export const DATABASES_ENTRY = 'databases';
export const DOWNLOAD_TEMPLATE = 'download-database';
export const SELECT_TEMPLATE = 'select-databases';
const SELECT_TASK = 'select';
/**
 * The lock of the databases folder: held by every install, verify and refresh (this DAG, whoever runs it: the
 * pipeline's data step, the refresh CronWorkflow, a standalone install), so none of them runs while another
 * replaces or refreshes a database.
 */
export const DATABASES_MUTEX = 'openfold-databases';
/** Per-database mutexes: openfold-database-<name>. */
export const DATABASE_MUTEX_PREFIX = 'openfold-database-';
export const VERIFY_INSTALLED = 'verify-installed';
const VERIFY_DESCRIPTION =
  'Hash every file of the installed databases again (sizes are checked on every run); a changed one is installed again.';
const verifyInput = input('verify', { description: VERIFY_DESCRIPTION, default: 'false', enum: ['false', 'true'] });

const verifyInstalledInput = input(VERIFY_INSTALLED, {
  description: 'An installed database is only verified, never reinstalled (a damaged one fails): what the pipeline passes.',
  default: 'false',
  enum: ['false', 'true'],
});

/** The databases the DAG fans out over: the preset's, or one task for a custom manifest (read in the pod). */
export function databaseTasksFor(c: Config): string[] {
  if (c.databases.manifest) return ['all'];
  const names = databaseNames(c.databases.preset);
  if (c.databases.preset === 'mmseqs' && c.databases.paths.colabfoldEnv) names.push('colabfold_env');
  return names;
}

function downloadTemplate(c: Config): Template {
  return cliStep(c, {
    name: DOWNLOAD_TEMPLATE,
    step: 'databases',
    image: 'tools',
    // `--only all` downloads every database of a custom manifest; `--refresh true` fetches only changed objects;
    // `--verify true` hashes every installed file again; `--verify-installed true` never replaces an installed one.
    args: [
      'databases',
      '--only',
      ref.input('name'),
      '--refresh',
      ref.input('refresh'),
      '--verify',
      ref.input('verify'),
      '--verify-installed',
      ref.input(VERIFY_INSTALLED),
    ],
    inputs: [
      input('name', { description: 'Database to download (a name from the preset manifest, or "all").' }),
      input('refresh', {
        description: 'Fetch only new or changed objects (incremental refresh).',
        default: 'false',
        enum: ['false', 'true'],
      }),
      verifyInput,
      verifyInstalledInput,
    ],
    // Two installs of one database (a second pipeline, a standalone install) never write the same staging folder.
    synchronization: { mutexes: [{ name: `${DATABASE_MUTEX_PREFIX}${ref.input('name')}` }] },
    resources: { cpu: c.databases.resources.cpu, memory: String(c.databases.resources.memory) },
    nodeClass: c.databases.nodeClass,
    long: true,
    deadline: 'databases',
    volumes: stepVolumes(c),
    volumeMounts: stepMounts(c, 'read-write'),
  });
}

const modelInput = (c: Config) =>
  input('model', {
    description: "openfold or openfold3: with only=all, download that model's weights.",
    default: c.model,
    enum: ['openfold', 'openfold3'],
  });

/** Where the select step writes the names it chose (on the volume, per workflow; the step prunes old ones). */
const selectedFile = (c: Config) => `${c.databases.root}/.openfold-argo/selected/{{workflow.name}}.json`;

function selectTemplate(c: Config): Template {
  return cliStep(c, {
    name: SELECT_TEMPLATE,
    step: 'select-databases',
    image: 'tools',
    // Checks `only` (names of the configured manifest, or "all": every database but the weights of the model
    // not in use); exit 2 with one line naming an unknown one.
    args: ['databases', '--only', ref.input('only'), '--model', ref.input('model'), '--select', selectedFile(c)],
    inputs: [input('only', { description: 'Comma-separated databases to download, or "all".' }), modelInput(c)],
    outputs: [outputFromFile('names', selectedFile(c), 'The selected database names (JSON list).')],
    resources: { cpu: '100m', memory: '256Mi' },
    nodeClass: c.databases.nodeClass,
    deadline: 'split',
    volumes: stepVolumes(c),
    volumeMounts: stepMounts(c, 'read-write'),
  });
}

function databasesDag(c: Config): Template {
  const tasks: DagTask[] = [
    localTask(SELECT_TASK, SELECT_TEMPLATE, { arguments: args({ only: ref.input('only'), model: ref.input('model') }) }),
    localTask('download', DOWNLOAD_TEMPLATE, {
      depends: `${SELECT_TASK}.Succeeded`,
      withParam: ref.taskOutput(SELECT_TASK, 'names'),
      arguments: args({
        name: ref.item(),
        refresh: ref.input('refresh'),
        verify: ref.input('verify'),
        [VERIFY_INSTALLED]: ref.input(VERIFY_INSTALLED),
      }),
    }),
  ];
  return dagTemplate({
    name: DATABASES_ENTRY,
    inputs: [
      input('only', { description: 'Comma-separated databases to download, or "all".', default: 'all' }),
      input('refresh', { description: 'Fetch only new or changed objects.', default: 'false', enum: ['false', 'true'] }),
      verifyInput,
      verifyInstalledInput,
      modelInput(c),
    ],
    tasks,
    synchronization: { mutexes: [{ name: DATABASES_MUTEX }] },
  });
}

export function databasesWorkflowTemplate(c: Config): WorkflowTemplate {
  const names = databaseTasksFor(c).join(', ');
  const meta = metadata(
    TEMPLATE_NAMES.databases,
    c.namespace,
    'databases',
    `Download and verify OpenFold's reference databases and weights (${c.databases.preset}: ${names}) onto the shared volume, in parallel; a rerun skips what is done.`,
  );
  // The names `only` may list, for `openfold-argo submit` to check before it creates anything (a custom
  // manifest's names are known only to the select step, which reads it).
  if (!c.databases.manifest) meta.annotations = { ...meta.annotations, [DATABASE_NAMES_ANNOTATION]: databaseTasksFor(c).join(',') };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTemplate',
    metadata: meta,
    spec: {
      entrypoint: DATABASES_ENTRY,
      arguments: {
        parameters: [
          input('only', { description: `Comma-separated databases to download (${names}), or "all".`, default: 'all' }),
          input('refresh', {
            description: 'Fetch only new or changed objects (the weekly refresh).',
            default: 'false',
            enum: ['false', 'true'],
          }),
          verifyInput,
          modelInput(c),
        ],
      },
      ...workflowDefaults(c, 'databases'),
      templates: [databasesDag(c), selectTemplate(c), downloadTemplate(c)],
    },
  };
}
