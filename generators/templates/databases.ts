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
const VERIFY_DESCRIPTION =
  'Hash every file of the installed databases again (sizes are checked on every run); a changed one is installed again.';

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
    // `--verify true` hashes every installed file again.
    args: ['databases', '--only', ref.input('name'), '--refresh', ref.input('refresh'), '--verify', ref.input('verify')],
    inputs: [
      input('name', { description: 'Database to download (a name from the preset manifest, or "all").' }),
      input('refresh', {
        description: 'Fetch only new or changed objects (incremental refresh).',
        default: 'false',
        enum: ['false', 'true'],
      }),
      input('verify', { description: VERIFY_DESCRIPTION, default: 'false', enum: ['false', 'true'] }),
    ],
    resources: { cpu: c.databases.resources.cpu, memory: String(c.databases.resources.memory) },
    placement: c.databases.placement,
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
    placement: c.databases.placement,
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
      arguments: args({ name: ref.item(), refresh: ref.input('refresh'), verify: ref.input('verify') }),
    }),
  ];
  return dagTemplate({
    name: DATABASES_ENTRY,
    inputs: [
      input('only', { description: 'Comma-separated databases to download, or "all".', default: 'all' }),
      input('refresh', { description: 'Fetch only new or changed objects.', default: 'false', enum: ['false', 'true'] }),
      input('verify', { description: VERIFY_DESCRIPTION, default: 'false', enum: ['false', 'true'] }),
      modelInput(c),
    ],
    tasks,
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
          input('verify', { description: VERIFY_DESCRIPTION, default: 'false', enum: ['false', 'true'] }),
          modelInput(c),
        ],
      },
      ...workflowDefaults(c, 'databases'),
      templates: [databasesDag(c), selectTemplate(c), downloadTemplate(c)],
    },
  };
}
