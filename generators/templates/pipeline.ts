// WorkflowTemplate `openfold-pipeline`: databases -> split -> per chunk (align its groups -> predict it)
// -> collect. The fan-out is `withParam` over the chunks the split step writes at run time, so the spec
// does not grow with the number of targets; a chunk predicts as soon as its own alignments exist.
import type { Config } from '../config/types.js';
import type { DagTask, Template, WorkflowTemplate } from '../argo/types.js';
import { afterAnyOutcome, dagTemplate, localTask, refTask } from '../argo/dag.js';
import { metadata } from '../argo/metadata.js';
import { args, input, ref } from '../argo/params.js';
import { ALIGN_MODES, MODELS, TEMPLATE_NAMES, runDir, workflowDefaults } from './common.js';
import { DATABASES_ENTRY, VERIFY_INSTALLED } from './databases.js';
import { ALIGN_GROUP, ALIGN_GROUP_BY_DATABASE, ALIGN_GROUP_SERVER } from './align.js';
import { PREDICT_CHUNK, PREDICT_CHUNK_LONG, PREDICT_OPENFOLD3_CHUNK, PREDICT_OPENFOLD3_CHUNK_LONG, escalatesInPlace } from './predict.js';
import { predictContract } from '../../steps/predict/contract.js';
import { SPLIT, splitTemplate } from './split.js';
import { COLLECT, collectTemplate } from './collect.js';
import { EVALUATE, evaluateTemplate } from './evaluate.js';
import { CHECK_PARAMETERS, checkParametersTemplate } from './check-parameters.js';

/** The pipeline's DAG; its inputs are the workflow's parameters (Argo hands spec.arguments to the entrypoint),
 * so another workflow can run it with values it computed (templateRef openfold-pipeline / main). */
export const PIPELINE_MAIN = 'main';
const MAIN = PIPELINE_MAIN;
const PROCESS_CHUNK = 'process-chunk';
const ALIGN_RANGE = 'align-range';

export const PIPELINE_PARAMETERS = (c: Config) => [
  input('input-fasta', {
    description:
      'The targets, a path on the shared volume or an s3:// URL: a multi-FASTA (openfold); an OpenFold3 query JSON, or a FASTA with one record per chain (>QUERY|CHAIN) (openfold3).',
    default: c.input.fasta,
  }),
  input('model', {
    description: 'openfold: AF2-class OpenFold (protein monomers); openfold3: OpenFold3 (complexes, ligands, nucleic acids).',
    default: c.model,
    enum: [...MODELS],
  }),
  input('align-mode', {
    description:
      "full_dbs: jackhmmer + hhblits + hhsearch with OpenFold's flags; mmseqs: MMseqs2, fast; colabfold_server: the configured ColabFold MSA server (sends the sequences there: opt in per run).",
    default: c.alignment.mode,
    enum: [...ALIGN_MODES],
  }),
  input('max-template-date', {
    description:
      "Newest template release date (YYYY-MM-DD), or today (recorded in each result). A benchmark pins the day before its targets' release.",
    default: c.inference.maxTemplateDate,
  }),
  input('skip-databases', {
    description: 'Skip the database download/verify step (the data is already in place).',
    default: 'false',
    enum: ['false', 'true'],
  }),
];

function mainDag(c: Config): Template {
  const run = runDir(c);
  return dagTemplate({
    name: MAIN,
    inputs: PIPELINE_PARAMETERS(c).map((p) => input(p.name, { description: p.description ?? '', enum: p.enum })),
    tasks: [
      // First: the parameters Argo does not check (a pattern, or an enum of a Workflow submitted by reference).
      localTask(CHECK_PARAMETERS, CHECK_PARAMETERS, {
        arguments: args(Object.fromEntries(PIPELINE_PARAMETERS(c).map((p) => [p.name, ref.input(p.name)]))),
      }),
      // Its `when` reads skip-databases only once check-parameters has found it "true" or "false".
      refTask('databases', TEMPLATE_NAMES.databases, DATABASES_ENTRY, {
        depends: `${CHECK_PARAMETERS}.Succeeded`,
        // Once installed, the pipeline only verifies: another run may be reading what a reinstall would replace.
        arguments: args({ only: 'all', refresh: 'false', [VERIFY_INSTALLED]: 'true', model: ref.input('model') }),
        when: `'${ref.input('skip-databases')}' != 'true'`,
      }),
      localTask(SPLIT, SPLIT, {
        depends: '(databases.Succeeded || databases.Skipped)',
        arguments: args({
          fasta: ref.input('input-fasta'),
          run,
          model: ref.input('model'),
          'align-mode': ref.input('align-mode'),
        }),
      }),
      // Chains several chunks need (OpenFold3) are aligned once, before the chunks; an empty list skips this.
      localTask('align-shared', ALIGN_RANGE, {
        depends: `${SPLIT}.Succeeded`,
        withParam: ref.taskOutput(SPLIT, 'shared'),
        arguments: args({ run, first: ref.item('first'), last: ref.item('last'), 'align-mode': ref.input('align-mode') }),
      }),
      localTask('chunk', PROCESS_CHUNK, {
        depends: `${SPLIT}.Succeeded && ${afterAnyOutcome('align-shared')}`,
        withParam: ref.taskOutput(SPLIT, 'chunks'),
        arguments: args({
          run,
          chunk: ref.item('id'),
          gpu: ref.item('gpu'),
          align: ref.item('align'),
          first: ref.item('first'),
          last: ref.item('last'),
          model: ref.input('model'),
          'align-mode': ref.input('align-mode'),
          'max-template-date': ref.input('max-template-date'),
        }),
      }),
      // With reference structures configured, the predictions are scored before the report (which shows them).
      ...(c.evaluation.references ? [localTask(EVALUATE, EVALUATE, { depends: afterAnyOutcome('chunk'), arguments: args({ run }) })] : []),
      localTask(COLLECT, COLLECT, { depends: afterAnyOutcome(c.evaluation.references ? EVALUATE : 'chunk'), arguments: args({ run }) }),
    ],
  });
}

/** The align tasks of a range of groups: local searches, or the MSA server under its own semaphore. */
function alignTasks(c: Config, run: string, when?: string) {
  const group = { plan: `${run}/split/plan.json`, group: ref.item(), out: `${run}/alignments` };
  const server = `'${ref.input('align-mode')}' == 'colabfold_server'`;
  const both = (cond: string) => (when ? `${when} && ${cond}` : cond);
  return [
    refTask('align', TEMPLATE_NAMES.align, c.alignment.perDatabaseFanOut ? ALIGN_GROUP_BY_DATABASE : ALIGN_GROUP, {
      withSequence: { start: ref.input('first'), end: ref.input('last') },
      when: both(`'${ref.input('align-mode')}' != 'colabfold_server'`),
      arguments: args({ ...group, mode: ref.input('align-mode') }),
    }),
    refTask('align-server', TEMPLATE_NAMES.align, ALIGN_GROUP_SERVER, {
      withSequence: { start: ref.input('first'), end: ref.input('last') },
      when: both(server),
      arguments: args(group),
    }),
  ];
}

function alignRange(c: Config): Template {
  return dagTemplate({
    name: ALIGN_RANGE,
    inputs: [
      input('run', { description: 'Run directory.' }),
      input('first', { description: 'First align group.' }),
      input('last', { description: 'Last align group.' }),
      input('align-mode', { description: "The run's alignment mode.", enum: [...ALIGN_MODES] }),
    ],
    tasks: alignTasks(c, ref.input('run')),
  });
}

function processChunk(c: Config): Template {
  const run = ref.input('run');
  const predictArgs = args({
    plan: `${run}/split/plan.json`,
    chunk: ref.input('chunk'),
    alignments: `${run}/alignments`,
    output: `${run}/predictions/${ref.input('chunk')}`,
    results: `${run}/results`,
    'max-template-date': ref.input('max-template-date'),
  });
  return dagTemplate({
    name: PROCESS_CHUNK,
    inputs: [
      input('run', { description: 'Run directory.' }),
      input('chunk', { description: 'Chunk id.' }),
      input('gpu', { description: 'GPU class of the chunk.', enum: ['standard', 'long'] }),
      input('align', { description: 'Whether the chunk has align groups of its own.', enum: ['true', 'false'] }),
      input('first', { description: 'First align group of the chunk.' }),
      input('last', { description: 'Last align group of the chunk.' }),
      input('model', { description: 'openfold or openfold3.', enum: [...MODELS] }),
      input('align-mode', { description: "The run's alignment mode.", enum: [...ALIGN_MODES] }),
      input('max-template-date', { description: 'Newest template release date (YYYY-MM-DD or today).' }),
    ],
    tasks: [
      ...alignTasks(c, run, `'${ref.input('align')}' == 'true'`),
      // Predict what aligned even if some groups failed: targets without alignments are reported as failed.
      ...predictTasks.map(([name, template, model, gpu]) =>
        refTask(name, TEMPLATE_NAMES.predict, template, {
          depends: `${afterAnyOutcome('align')} && ${afterAnyOutcome('align-server')}`,
          when: `'${ref.input('model')}' == '${model}' && '${ref.input('gpu')}' == '${gpu}'`,
          arguments: predictArgs,
        }),
      ),
      ...cudaOomLeftovers(c, predictArgs),
    ],
  });
}

/** One predict task per model and GPU class; `when` picks the one of the run's model and the chunk's class. */
const predictTasks = [
  ['predict', PREDICT_CHUNK, 'openfold', 'standard'],
  ['predict-long', PREDICT_CHUNK_LONG, 'openfold', 'long'],
  ['predict-openfold3', PREDICT_OPENFOLD3_CHUNK, 'openfold3', 'standard'],
  ['predict-openfold3-long', PREDICT_OPENFOLD3_CHUNK_LONG, 'openfold3', 'long'],
] as const;

/**
 * Argo < 3.7 cannot switch a retry to the long class after a CUDA out-of-memory (no lastRetry in the template):
 * the standard-class step then ends with exit 86 (not retried, predict.ts) and this task runs the chunk again
 * on the long class, from the step's own exit code; the step resumes, so it predicts only the targets left.
 * Both models' steps use the same exit codes.
 */
function cudaOomLeftovers(c: Config, predictArgs: ReturnType<typeof args>): DagTask[] {
  if (escalatesInPlace(c)) return [];
  const leftovers = (task: string, template: string) =>
    refTask(`${task}-leftovers`, TEMPLATE_NAMES.predict, template, {
      depends: `${task}.Failed`,
      when: `'{{tasks.${task}.exitCode}}' == '${predictContract.exitCodes.cudaOom}'`,
      arguments: predictArgs,
    });
  return [leftovers('predict', PREDICT_CHUNK_LONG), leftovers('predict-openfold3', PREDICT_OPENFOLD3_CHUNK_LONG)];
}

export function pipelineWorkflowTemplate(c: Config): WorkflowTemplate {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTemplate',
    metadata: metadata(
      TEMPLATE_NAMES.pipeline,
      c.namespace,
      'pipeline',
      'OpenFold or OpenFold3 structure prediction: databases -> split (FASTA or OpenFold3 query JSON) -> align (fan-out per group of targets or unique chains) -> predict (GPU batches, as soon as their alignments exist) -> collect (report.json, report.html).',
    ),
    spec: {
      entrypoint: MAIN,
      arguments: { parameters: PIPELINE_PARAMETERS(c) },
      ...workflowDefaults(c, 'pipeline'),
      templates: [
        mainDag(c),
        alignRange(c),
        processChunk(c),
        checkParametersTemplate(
          c,
          PIPELINE_PARAMETERS(c).map((p) => p.name),
        ),
        splitTemplate(c),
        ...(c.evaluation.references ? [evaluateTemplate(c)] : []),
        collectTemplate(c),
      ],
    },
  };
}
