import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { resolveConfig } from '../../generators/config/load.js';
import { generateResources } from '../../generators/index.js';
import { GENERATED_MARK, renderFiles } from '../../generators/render.js';
import type { DagTask, Template, WorkflowTemplate } from '../../generators/argo/types.js';
import { ROOT } from '../helpers/env.js';

const config = resolveConfig({});
const resources = generateResources(config).map((r) => r.resource);
const templates = resources.filter((r): r is WorkflowTemplate => r.kind === 'WorkflowTemplate');
const byName = (name: string) => templates.find((t) => t.metadata.name === name)!;
const allTemplates = templates.flatMap((t) => t.spec.templates ?? []);
const leaves = allTemplates.filter((t) => t.container);

test('GIVEN the default config WHEN generating THEN the pipeline and standalone templates exist', () => {
  assert.equal(templates.map((t) => t.metadata.name).sort(), [
    'openfold-align',
    'openfold-databases',
    'openfold-pipeline',
    'openfold-predict',
  ]);
  const crons = resources.filter((r) => r.kind === 'CronWorkflow').map((r) => r.metadata.name);
  assert.equal(crons, ['openfold-database-refresh', 'openfold-benchmark', 'openfold-cameo-weekly']);
});

test('the pipeline DAG is check-parameters -> databases -> split -> (shared alignments) -> chunk fan-out -> collect, fanned out with withParam', () => {
  const main = byName('openfold-pipeline').spec.templates!.find((t) => t.name === 'main')!;
  const tasks = main.dag!.tasks;
  assert.equal(
    tasks.map((t) => t.name),
    ['check-parameters', 'databases', 'split', 'align-shared', 'chunk', 'collect'],
  );
  // Every parameter of the workflow is checked first, as separate NAME=VALUE arguments.
  const check = byName('openfold-pipeline').spec.templates!.find((t) => t.name === 'check-parameters')!;
  assert.equal(check.container!.args, [
    'check-parameters',
    ...byName('openfold-pipeline').spec.arguments!.parameters!.map((p) => `${p.name}={{inputs.parameters.${p.name}}}`),
  ]);
  assert.is(tasks.find((t) => t.name === 'databases')!.depends, 'check-parameters.Succeeded');
  const chunk = tasks.find((t) => t.name === 'chunk')!;
  assert.is(chunk.withParam, '{{tasks.split.outputs.parameters.chunks}}');
  // Chains several chunks need (OpenFold3) are aligned once, before the chunks; an AF2-class split lists none.
  assert.is(tasks.find((t) => t.name === 'align-shared')!.withParam, '{{tasks.split.outputs.parameters.shared}}');
  assert.match(chunk.depends!, /align-shared\.Skipped/);
  assert.is(main.dag!.failFast, false, 'one failing target must not stop the others');
  assert.match(tasks.find((t) => t.name === 'databases')!.when!, /skip-databases/);
});

test('a chunk predicts right after its own alignments: align (withSequence) -> predict, no global barrier', () => {
  const chunk = byName('openfold-pipeline').spec.templates!.find((t) => t.name === 'process-chunk')!;
  const [align, alignServer, predict, predictLong, predict3, predict3Long] = chunk.dag!.tasks as DagTask[];
  assert.equal(align.withSequence, { start: '{{inputs.parameters.first}}', end: '{{inputs.parameters.last}}' });
  assert.equal(align.templateRef, { name: 'openfold-align', template: 'align-group' });
  assert.equal(alignServer.templateRef, { name: 'openfold-align', template: 'align-group-msa-server' });
  assert.match(align.when!, /'\{\{inputs\.parameters\.align\}\}' == 'true'/);
  assert.match(predict.depends!, /align\.Succeeded/);
  assert.match(predict.depends!, /align-server\.Skipped/);
  assert.equal(predict.templateRef, { name: 'openfold-predict', template: 'predict-chunk' });
  assert.equal(predictLong.templateRef, { name: 'openfold-predict', template: 'predict-chunk-long' });
  assert.equal(predict3.templateRef, { name: 'openfold-predict', template: 'predict-openfold3-chunk' });
  assert.equal(predict3Long.templateRef, { name: 'openfold-predict', template: 'predict-openfold3-chunk-long' });
  assert.match(predict3.when!, /'\{\{inputs\.parameters\.model\}\}' == 'openfold3'/);
});

test('the spec does not grow with the number of targets and stays far below Argo v4 limits', () => {
  for (const t of templates) {
    assert.ok((t.spec.templates ?? []).length < 20, t.metadata.name);
    for (const tpl of t.spec.templates ?? []) assert.ok((tpl.dag?.tasks.length ?? 0) < 30, tpl.name);
  }
});

test('every parameter has a description; choices have an enum', () => {
  for (const t of templates) {
    for (const p of t.spec.arguments?.parameters ?? []) assert.ok(p.description, `${t.metadata.name} argument ${p.name}`);
    for (const tpl of t.spec.templates ?? [])
      for (const p of tpl.inputs?.parameters ?? []) assert.ok(p.description, `${tpl.name} input ${p.name}`);
  }
  const params = byName('openfold-pipeline').spec.arguments!.parameters!;
  assert.equal(params.find((p) => p.name === 'align-mode')!.enum, ['full_dbs', 'mmseqs', 'colabfold_server']);
  assert.equal(params.find((p) => p.name === 'model')!.enum, ['openfold', 'openfold3']);
  assert.equal(params.find((p) => p.name === 'skip-databases')!.enum, ['false', 'true']);
});

test('no shell: every container runs the step program with an argv; parameters are whole arguments', () => {
  for (const t of leaves) {
    assert.equal(t.container!.command, ['openfold-argo'], t.name);
    for (const a of t.container!.args) assert.not.match(a, /[;&|`$]\s*|\bsh\b -c/, `${t.name}: ${a}`);
  }
  assert.not.ok(
    allTemplates.some((t) => 'script' in t),
    'no script templates',
  );
});

test('production settings on every leaf: resources, deadline, retries with backoff, security, metrics', () => {
  for (const t of leaves) {
    const c = t.container!;
    assert.ok(c.resources.requests.cpu && c.resources.limits.memory, `${t.name} resources`);
    assert.ok(t.activeDeadlineSeconds! > 0, `${t.name} deadline`);
    assert.is(t.retryStrategy!.limit, 3);
    assert.is(t.retryStrategy!.retryPolicy, 'Always');
    // No maxDuration: in Argo it is a window over all attempts (argo-workflows#13044); cap is the longest delay.
    assert.equal(t.retryStrategy!.backoff, { duration: '30s', factor: 2, cap: '10m' });
    assert.match(t.retryStrategy!.expression!, /exitCode\) != 2|exitCode\) in \[1, 2/);
    assert.is(c.securityContext!.allowPrivilegeEscalation, false);
    assert.is(c.securityContext!.runAsNonRoot, true);
    assert.ok(t.metrics!.prometheus.some((m) => m.name === 'openfold_step_duration_seconds'));
  }
  const pipeline = byName('openfold-pipeline').spec;
  assert.equal(pipeline.podGC, { strategy: 'OnPodSuccess', deleteDelayDuration: '5m' });
  assert.is(pipeline.ttlStrategy!.secondsAfterSuccess, 259200);
  assert.is(pipeline.securityContext!.runAsNonRoot, true);
});

test('prediction: GPU, /dev/shm in memory, semaphore, long class on retry', () => {
  const predict = byName('openfold-predict').spec.templates!;
  const chunk = predict.find((t) => t.name === 'predict-chunk')!;
  assert.is(chunk.container!.resources.limits['nvidia.com/gpu'], 1);
  assert.ok(chunk.volumes!.some((v) => (v as { emptyDir?: { medium?: string } }).emptyDir?.medium === 'Memory'));
  assert.ok(chunk.container!.volumeMounts!.some((m) => m.mountPath === '/dev/shm'));
  assert.equal(chunk.synchronization, { semaphores: [{ configMapKeyRef: { name: 'openfold-argo-semaphores', key: 'gpu' } }] });
  assert.equal(chunk.nodeSelector, { 'openfold-argo.io/node-class': 'gpu' });
  // Only a CUDA out-of-memory (exit 86) moves the retry to the long class; other retries stay on the standard one.
  assert.match(chunk.podSpecPatch!, /^\{\{=lastRetry\.exitCode == '86' \? '/);
  assert.match(chunk.podSpecPatch!, / : '\{\}'\}\}$/);
  assert.match(chunk.podSpecPatch!, /gpu-large/);
  assert.not.match(chunk.podSpecPatch!.slice(3, -2), /\}\}|\{\{/, 'no brace pairs inside the expression');
  // Not retried: bad input (2), a failure before any target (1); CUDA OOM (86) is, on the long class.
  assert.is(chunk.retryStrategy!.expression, 'lastRetry.status == "Error" || !(asInt(lastRetry.exitCode) in [1, 2])');
  const long = predict.find((t) => t.name === 'predict-chunk-long')!;
  assert.equal(long.nodeSelector, { 'openfold-argo.io/node-class': 'gpu-large' });
  assert.ok(long.container!.env!.some((e) => e.name === 'OPENFOLD_ARGO_GPU_CLASS' && e.value === 'long'));
  assert.is(long.retryStrategy!.expression, 'lastRetry.status == "Error" || !(asInt(lastRetry.exitCode) in [1, 2, 86])');
  assert.is(long.podSpecPatch, undefined);
});

test('the long-class patch of a CUDA-OOM retry carries the long class: resources, /dev/shm, selector, tolerations', () => {
  const chunk = byName('openfold-predict').spec.templates!.find((t) => t.name === 'predict-chunk')!;
  const literal = /\? '(.*)' : '\{\}'\}\}$/.exec(chunk.podSpecPatch!)![1];
  const patch = JSON.parse(literal.replace(/\\'/g, "'").replace(/\} \}/g, '}}'));
  assert.equal(patch.volumes, [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '32Gi' } }], '/dev/shm of the long class');
  assert.equal(patch.nodeSelector, { 'openfold-argo.io/node-class': 'gpu-large' });
  assert.equal(patch.containers[0].resources.limits, { cpu: 10, memory: '120Gi', 'nvidia.com/gpu': 1 });
  assert.equal(patch.containers[0].env, [{ name: 'OPENFOLD_ARGO_GPU_CLASS', value: 'long' }]);
  assert.is(patch.affinity, null);
});

test('Argo 3.6 (no lastRetry in templates): no escalation by retry count; CUDA-OOM leftovers go to the long class by exit code', () => {
  const c = resolveConfig({ argoVersion: 'v3.6.19' });
  const out = generateResources(c).map((r) => r.resource);
  const wt = (n: string) => out.find((r) => r.metadata.name === n) as WorkflowTemplate;
  const chunk = wt('openfold-predict').spec.templates!.find((t) => t.name === 'predict-chunk')!;
  assert.is(chunk.podSpecPatch, undefined, 'a retry cannot know why the last attempt failed: no class change');
  assert.match(chunk.retryStrategy!.expression!, /in \[1, 2, 86\]/, 'exit 86 is not retried on the standard class');
  const group = wt('openfold-align').spec.templates!.find((t) => t.name === 'align-group')!;
  assert.is(group.podSpecPatch, undefined, 'no memory ladder without knowing the last attempt was OOM-killed');
  const tasks = wt('openfold-pipeline').spec.templates!.find((t) => t.name === 'process-chunk')!.dag!.tasks;
  const leftovers = tasks.find((t) => t.name === 'predict-leftovers')!;
  assert.equal(leftovers.templateRef, { name: 'openfold-predict', template: 'predict-chunk-long' });
  assert.is(leftovers.depends, 'predict.Failed');
  assert.is(leftovers.when, "'{{tasks.predict.exitCode}}' == '86'");
  const defaults = byName('openfold-pipeline').spec.templates!.find((t) => t.name === 'process-chunk')!.dag!.tasks;
  assert.not.ok(
    defaults.some((t) => t.name === 'predict-leftovers'),
    'Argo >= 3.7 escalates within the step',
  );
});

test('alignment: memory grows only after an OOM kill, capped at its node class; databases read-only; semaphore', () => {
  const group = byName('openfold-align').spec.templates!.find((t) => t.name === 'align-group')!;
  assert.match(group.podSpecPatch!, /^\{\{=lastRetry\.message matches 'OOMKilled' \? /);
  assert.match(group.podSpecPatch!, / : '\{\}'\}\}$/, 'any other failure: the same memory');
  // 64Gi doubled per retry: 128Gi, then 256Gi capped at an r6i.8xlarge's 239554Mi allocatable less 1Gi for DaemonSets.
  for (const mem of ['65536Mi', '131072Mi', '238530Mi']) assert.ok(group.podSpecPatch!.includes(mem), mem);
  assert.not.ok(group.podSpecPatch!.includes('262144Mi'), 'no rung above what the node can give');
  assert.ok(group.container!.volumeMounts!.some((m) => m.mountPath === '/fsx/databases' && m.readOnly && m.subPath === 'databases'));
  assert.ok(group.container!.args.includes('--cpu'));
  assert.equal(group.synchronization!.semaphores![0].configMapKeyRef.key, 'align');
});

test('databases: a mutex per database, one lock for every install, verify and refresh; the pipeline only verifies', () => {
  const spec = byName('openfold-databases').spec;
  const download = spec.templates!.find((t) => t.name === 'download-database')!;
  assert.equal(download.synchronization, { mutexes: [{ name: 'openfold-database-{{inputs.parameters.name}}' }] });
  assert.ok(download.container!.args.includes('--verify-installed'));
  const dag = spec.templates!.find((t) => t.name === 'databases')!;
  assert.equal(dag.synchronization, { mutexes: [{ name: 'openfold-databases' }] });
  // The refresh CronWorkflow runs that DAG (the template's entrypoint), so it takes the same lock.
  const refresh = resources.find((r) => r.metadata.name === 'openfold-database-refresh') as unknown as {
    spec: { workflowSpec: { workflowTemplateRef: { name: string } } };
  };
  assert.is(refresh.spec.workflowSpec.workflowTemplateRef.name, 'openfold-databases');
  assert.is(spec.entrypoint, 'databases');
  const main = byName('openfold-pipeline').spec.templates!.find((t) => t.name === 'main')!;
  const data = main.dag!.tasks.find((t) => t.name === 'databases')!;
  assert.equal(data.templateRef, { name: 'openfold-databases', template: 'databases' });
  assert.ok(data.arguments!.parameters!.some((p) => p.name === 'verify-installed' && p.value === 'true'));
});

test('per-database fan-out: hhsearch waits for the UniRef90 MSA', () => {
  const c = resolveConfig({ alignment: { perDatabaseFanOut: true } });
  const align = generateResources(c).find((r) => r.resource.metadata.name === 'openfold-align')!.resource as WorkflowTemplate;
  const dag = align.spec.templates!.find((t) => t.name === 'align-group-by-database')!.dag!;
  assert.is(dag.tasks.find((t) => t.name === 'full-dbs-pdb70')!.depends, 'full-dbs-uniref90');
  const pipeline = generateResources(c).find((r) => r.resource.metadata.name === 'openfold-pipeline')!.resource as WorkflowTemplate;
  const chunk = pipeline.spec.templates!.find((t: Template) => t.name === 'process-chunk')!;
  assert.is(chunk.dag!.tasks[0].templateRef!.template, 'align-group-by-database');
});

test('databases: a select step checks `only`, the downloads fan out over its list; the refresh cron updates pdb_mmcif and pdb_seqres', () => {
  const dag = byName('openfold-databases').spec.templates!.find((t) => t.name === 'databases')!.dag!;
  assert.equal(
    dag.tasks.map((t) => [t.name, t.template, t.withParam ?? null]),
    [
      ['select', 'select-databases', null],
      ['download', 'download-database', '{{tasks.select.outputs.parameters.names}}'],
    ],
  );
  const select = byName('openfold-databases').spec.templates!.find((t) => t.name === 'select-databases')!;
  assert.equal(select.container!.args.slice(0, 3), ['databases', '--only', '{{inputs.parameters.only}}']);
  const download = byName('openfold-databases').spec.templates!.find((t) => t.name === 'download-database')!;
  assert.equal(download.container!.args.slice(-6), [
    '--refresh',
    '{{inputs.parameters.refresh}}',
    '--verify',
    '{{inputs.parameters.verify}}',
    '--verify-installed',
    '{{inputs.parameters.verify-installed}}',
  ]);
  const refresh = resources.find((r) => r.metadata.name === 'openfold-database-refresh')!;
  const spec = (
    refresh as { spec: { schedules: string[]; workflowSpec: { arguments: { parameters: { name: string; value: string }[] } } } }
  ).spec;
  assert.equal(spec.schedules, ['0 3 * * 0']);
  assert.equal(spec.workflowSpec.arguments.parameters, [
    { name: 'only', value: 'pdb_mmcif,pdb_seqres' },
    { name: 'refresh', value: 'true' },
  ]);
});

test('no `when` reads a free-form parameter; a parameter it reads has an enum and is checked before it is read', () => {
  for (const wt of templates)
    for (const tpl of wt.spec.templates ?? [])
      for (const task of tpl.dag?.tasks ?? []) {
        if (!task.when) continue;
        const where = `${wt.metadata.name}/${tpl.name}/${task.name}`;
        assert.not.match(task.when, 'parameters.only', where);
        for (const [, name] of task.when.matchAll(/\{\{inputs\.parameters\.([\w-]+)\}\}/g)) {
          const declared = tpl.inputs?.parameters?.find((p) => p.name === name);
          assert.ok(declared?.enum?.length, `${where}: when reads ${name}, which has no enum`);
        }
      }
  const main = byName('openfold-pipeline').spec.templates!.find((t) => t.name === 'main')!;
  for (const task of main.dag!.tasks.filter((t) => t.when?.includes('inputs.parameters')))
    assert.match(task.depends ?? '', 'check-parameters.Succeeded', `${task.name} reads a parameter before it is checked`);
});

test('collect exports target outcomes as Prometheus gauges from its outputs', () => {
  const collect = byName('openfold-pipeline').spec.templates!.find((t) => t.name === 'collect')!;
  assert.ok(collect.container!.args.includes('--metrics-dir'));
  assert.equal(
    collect.outputs!.parameters.map((p) => p.name),
    ['targets-predicted', 'targets-failed', 'targets-not-run'],
  );
  const gauges = collect.metrics!.prometheus.filter((m) => m.name === 'openfold_targets');
  assert.equal(
    gauges.map((g) => g.gauge!.value),
    ['{{outputs.parameters.targets-predicted}}', '{{outputs.parameters.targets-failed}}', '{{outputs.parameters.targets-not-run}}'],
  );
  for (const g of gauges) assert.equal(g.labels![0], { key: 'workflow', value: '{{workflow.name}}' }, 'one series per run');
});

test('step durations are a histogram (every step counted, quantiles possible), not a last-value gauge', () => {
  for (const t of leaves) {
    const d = t.metrics!.prometheus.find((m) => m.name === 'openfold_step_duration_seconds')!;
    assert.is(d.gauge, undefined, t.name);
    assert.equal(d.histogram, { value: '{{duration}}', buckets: [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400] }, t.name);
  }
});

test('the config reaches steps as JSON, never inside a script', () => {
  const split = byName('openfold-pipeline').spec.templates!.find((t) => t.name === 'split')!;
  const env = split.container!.env!.find((e) => e.name === 'OPENFOLD_ARGO_CONFIG')!;
  assert.equal(JSON.parse(env.value), config);
});

test('rendering is deterministic and the committed workflows/ match the generators', () => {
  const a = renderFiles(config, 'generators/config/examples/eks-fsx.yaml');
  const b = renderFiles(resolveConfig({}), 'generators/config/examples/eks-fsx.yaml');
  assert.equal(a, b);
  for (const f of a) {
    assert.ok(f.text.startsWith(GENERATED_MARK));
    assert.is(readFileSync(join(ROOT, 'workflows', f.file), 'utf8'), f.text, `workflows/${f.file} is stale: run npm run render`);
    assert.ok(yaml.load(f.text));
  }
});

test.run();
