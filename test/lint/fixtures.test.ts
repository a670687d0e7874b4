// Each kind of mistake lint must catch, built from small YAML strings, with the layer that catches it and a
// message naming what and where.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lintYaml, onLayer, show, withArgo, workflowYaml } from './helpers.js';
import type { Diagnostic } from '../../lint/index.js';
import type { Layer } from '../../lint/types.js';

const HELLO = `  - name: main
    container:
      image: busybox
      command: [echo, hello]
`;

/** Asserts a diagnostic of that layer at that path whose message contains the text. */
function expectProblem(diags: Diagnostic[], layer: Layer, path: string, text: string | RegExp): void {
  const hit = diags.find(
    (d) => d.layer === layer && d.path === path && (typeof text === 'string' ? d.message.includes(text) : text.test(d.message)),
  );
  assert.ok(hit, `expected layer ${layer} at ${path}: ${String(text)}; got:\n${show(diags)}`);
  assert.is(hit.file, 'fixture.yaml');
  assert.is(hit.index, 0);
}

function dag(tasks: string): string {
  return workflowYaml(`  - name: main
    dag:
      tasks:
${tasks}${HELLO.replace('name: main', 'name: echo')}`);
}

withArgo('a valid workflow has no diagnostics', async () => {
  assert.equal(await lintYaml(workflowYaml(HELLO)), []);
});

withArgo('a misspelled field is an unknown field (schema)', async () => {
  const diags = await lintYaml(workflowYaml(HELLO.replace('command:', 'comand:')));
  expectProblem(diags, 1, 'spec.templates[0].container.comand', 'unknown field "comand"');
  const top = await lintYaml(workflowYaml(HELLO, '  serviceAcountName: x\n'));
  expectProblem(top, 1, 'spec.serviceAcountName', 'unknown field "serviceAcountName"');
});

withArgo('a wrong type is named with what was expected and found (schema)', async () => {
  const diags = await lintYaml(workflowYaml(HELLO, '  parallelism: two\n'));
  expectProblem(diags, 1, 'spec.parallelism', 'must be integer, got string');
  const args = await lintYaml(workflowYaml(HELLO.replace('command: [echo, hello]', 'command: echo hello')));
  expectProblem(args, 1, 'spec.templates[0].container.command', 'must be array, got string');
});

withArgo('int-or-string, quantity and parameter values accept numbers (patched schema)', async () => {
  const text = workflowYaml(`  - name: main
    retryStrategy: {limit: 3}
    inputs:
      parameters: [{name: n, value: 3}, {name: b, default: true}]
    container:
      image: busybox
      resources: {requests: {cpu: 1, memory: 1Gi}}
`);
  assert.equal(await lintYaml(text), []);
});

withArgo('a 250-task DAG breaks the v4 CRD limit of 200 tasks (crd)', async () => {
  const tasks = Array.from({ length: 250 }, (_, i) => `        - {name: t${i}, template: echo}\n`).join('');
  const diags = await lintYaml(dag(tasks));
  expectProblem(diags, 2, 'spec.templates[0].dag.tasks', 'has 250 items; the v4 CRD allows at most 200');
});

withArgo('201 templates break the v4 CRD limit of 200 templates (crd)', async () => {
  const more = Array.from({ length: 200 }, (_, i) => `  - name: t${i}\n    container: {image: busybox}\n`).join('');
  const diags = await lintYaml(workflowYaml(HELLO + more));
  expectProblem(diags, 2, 'spec.templates', 'has 201 items; the v4 CRD allows at most 200');
});

withArgo('CRD CEL rules: depends with dependencies, a step template with timeout (crd)', async () => {
  const both = await lintYaml(
    dag('        - {name: a, template: echo}\n        - {name: b, template: echo, depends: a, dependencies: [a]}\n'),
  );
  expectProblem(both, 2, 'spec.templates[0].dag.tasks[1]', "cannot use both 'depends' and 'dependencies'");
  expectProblem(both, 3, 'spec.templates[0].dag.tasks[1].dependencies', "cannot use both 'depends' and 'dependencies'");
  const timeout = await lintYaml(dag('        - {name: a, template: echo}\n').replace('    dag:', '    timeout: 10m\n    dag:'));
  expectProblem(timeout, 2, 'spec.templates', 'timeout is only valid for leaf templates');
  expectProblem(timeout, 3, 'spec.templates[0].timeout', "dag template doesn't support timeout field");
});

withArgo('a dependency cycle is named task by task', async () => {
  const diags = await lintYaml(dag('        - {name: a, template: echo, depends: b}\n        - {name: b, template: echo, depends: a}\n'));
  expectProblem(diags, 3, 'spec.templates[0].dag.tasks', /dependency cycle detected: (a->b->a|b->a->b)/);
});

withArgo('an unknown dependency and a misspelled task result in depends', async () => {
  const unknown = await lintYaml(dag('        - {name: a, template: echo}\n        - {name: b, template: echo, depends: ghost}\n'));
  expectProblem(unknown, 3, 'spec.templates[0].dag.tasks[1].depends', "dependency 'ghost' not defined");
  const typo = await lintYaml(dag('        - {name: a, template: echo}\n        - {name: b, template: echo, depends: a.Succeded}\n'));
  expectProblem(typo, 3, 'spec.templates[0].dag.tasks[1].depends', "task result 'Succeded' for task 'a' is invalid");
  const items = await lintYaml(dag('        - {name: a, template: echo}\n        - {name: b, template: echo, depends: a.AnySucceeded}\n'));
  expectProblem(items, 3, 'spec.templates[0].dag.tasks[1].depends', 'items-based condition');
});

withArgo('undefined templates and templateRefs', async () => {
  const local = await lintYaml(dag('        - {name: a, template: nope}\n'));
  expectProblem(local, 3, 'spec.templates[0].dag.tasks[0].template', "template name 'nope' undefined");
  const entry = await lintYaml(workflowYaml(HELLO).replace('entrypoint: main', 'entrypoint: start'));
  expectProblem(entry, 3, 'spec.entrypoint', "template name 'start' undefined");
  const ref = await lintYaml(dag('        - name: a\n          templateRef: {name: library, template: echo}\n'));
  expectProblem(ref, 3, 'spec.templates[0].dag.tasks[0].templateRef.name', 'WorkflowTemplate "library" not found among the files linted');
  const library = `---
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: library}
spec:
  templates:
${HELLO.replace('name: main', 'name: echo')}`;
  const found = await lintYaml(dag('        - name: a\n          templateRef: {name: library, template: echo}\n') + library);
  assert.equal(found, []);
  const missing = await lintYaml(dag('        - name: a\n          templateRef: {name: library, template: nope}\n') + library);
  expectProblem(missing, 3, 'spec.templates[0].dag.tasks[0].templateRef.template', 'template reference library.nope not found');
});

withArgo('unresolved {{...}} references: inputs, workflow parameters, steps not yet run, item outside a loop', async () => {
  const input = await lintYaml(workflowYaml(HELLO.replace('[echo, hello]', '[echo, "{{inputs.parameters.msg}}"]')));
  expectProblem(
    input,
    3,
    'spec.templates[0].container.command[1]',
    "cannot resolve {{inputs.parameters.msg}}: template 'main' has no input parameter 'msg'",
  );
  const global = await lintYaml(workflowYaml(HELLO.replace('[echo, hello]', '[echo, "{{workflow.parameters.nope}}"]')));
  expectProblem(global, 3, 'spec.templates[0].container.command[1]', "the workflow has no parameter 'nope'");
  const steps = workflowYaml(`  - name: main
    steps:
    - - name: first
        template: echo
        arguments: {parameters: [{name: msg, value: "{{steps.second.outputs.result}}"}]}
    - - name: second
        template: echo
        arguments: {parameters: [{name: msg, value: hi}]}
  - name: echo
    inputs: {parameters: [{name: msg}]}
    container: {image: busybox, args: ["{{inputs.parameters.msg}}"]}
`);
  expectProblem(
    await lintYaml(steps),
    3,
    'spec.templates[0].steps[0][0].arguments.parameters[0].value',
    'cannot resolve {{steps.second.outputs.result}}',
  );
  const item = await lintYaml(workflowYaml(HELLO.replace('[echo, hello]', '[echo, "{{item.name}}", "{{item}}"]')));
  expectProblem(
    item,
    3,
    'spec.templates[0].container.command[1]',
    'only defined in a step or task with withItems, withParam or withSequence',
  );
  expectProblem(item, 3, 'spec.templates[0].container.command[2]', 'cannot resolve {{item}}');
  const loop = dag('        - {name: a, template: echo, withItems: [x, y], arguments: {parameters: [{name: m, value: "{{item}}"}]}}\n');
  assert.equal(onLayer(await lintYaml(loop), 3), [], '{{item}} resolves inside a withItems task');
});

withArgo('a DAG argument from a task that is not a dependency', async () => {
  const text = workflowYaml(`  - name: main
    dag:
      tasks:
      - {name: a, template: producer}
      - name: b
        template: consumer
        arguments: {parameters: [{name: m, value: "{{tasks.a.outputs.result}}"}]}
  - name: producer
    script: {image: busybox, source: echo hi}
  - name: consumer
    inputs: {parameters: [{name: m}]}
    container: {image: busybox, args: ["{{inputs.parameters.m}}"]}
`);
  expectProblem(
    await lintYaml(text),
    3,
    'spec.templates[0].dag.tasks[1].arguments.parameters[0].value',
    "missing dependency 'a' for parameter 'm'",
  );
  assert.equal(await lintYaml(text.replace('template: consumer', 'template: consumer\n        depends: a')), []);
});

withArgo('missing arguments: an input without default that the caller does not supply', async () => {
  const text = workflowYaml(`  - name: main
    steps:
    - - name: say
        template: echo
  - name: echo
    inputs: {parameters: [{name: message}]}
    container: {image: busybox, args: ["{{inputs.parameters.message}}"]}
`);
  expectProblem(await lintYaml(text), 3, 'spec.templates[0].steps[0][0]', "template 'echo' input parameter 'message' was not supplied");
  const entry = workflowYaml(`  - name: main
    inputs: {parameters: [{name: message}]}
    container: {image: busybox, args: ["{{inputs.parameters.message}}"]}
`);
  expectProblem(await lintYaml(entry), 3, 'spec.entrypoint', "input parameter 'message' was not supplied");
  const supplied = entry.replace('spec:\n', 'spec:\n  arguments: {parameters: [{name: message, value: hi}]}\n');
  assert.equal(await lintYaml(supplied), []);
});

withArgo('invalid retry policy and podGC strategy', async () => {
  const retry = await lintYaml(
    workflowYaml(HELLO.replace('    container:', '    retryStrategy: {limit: 2, retryPolicy: Sometimes}\n    container:')),
  );
  expectProblem(
    retry,
    2,
    'spec.templates[0].retryStrategy.retryPolicy',
    '"Sometimes" is not one of "Always", "OnFailure", "OnError", "OnTransientError"',
  );
  expectProblem(retry, 3, 'spec.templates[0].retryStrategy.retryPolicy', '"Sometimes" is not a valid RetryPolicy');
  const gc = await lintYaml(workflowYaml(HELLO, '  podGC: {strategy: OnSuccess}\n'));
  expectProblem(gc, 3, 'spec.podGC.strategy', "unknown podGC strategy 'OnSuccess'");
});

withArgo('leaf-only fields on a steps template; parallelism on a leaf', async () => {
  const text = workflowYaml(`  - name: main
    activeDeadlineSeconds: 60
    steps:
    - - {name: a, template: leaf}
  - name: leaf
    parallelism: 2
    container: {image: busybox}
`);
  const diags = await lintYaml(text);
  expectProblem(diags, 3, 'spec.templates[0].activeDeadlineSeconds', 'only valid for leaf templates');
  expectProblem(diags, 3, 'spec.templates[1].parallelism', 'parallelism is only valid for steps and dag templates');
});

withArgo('names: DNS-1123, length, template names', async () => {
  const upper = await lintYaml(workflowYaml(HELLO, '', 'My_Workflow'));
  expectProblem(upper, 3, 'metadata.name', 'must be a DNS-1123 subdomain');
  const long = await lintYaml(workflowYaml(HELLO, '', 'a'.repeat(70)));
  expectProblem(long, 3, 'metadata.name', 'must not be more than 63 characters long (currently 70)');
  const tmpl = await lintYaml(workflowYaml(HELLO.replace('name: main', 'name: main_1')).replace('entrypoint: main', 'entrypoint: main_1'));
  expectProblem(tmpl, 3, 'spec.templates[0].name', "name 'main_1' is invalid");
});

const cron = (schedules: string, extra = '', name = 'nightly') => `apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata: {name: ${name}}
spec:
${schedules}${extra}  workflowSpec:
    entrypoint: main
    templates:
    - name: main
      container: {image: busybox}
`;

withArgo('cron schedules, time zones and the removed `schedule` field', async () => {
  assert.equal(await lintYaml(cron('  schedules: ["*/15 2-4 * JAN-MAR MON,FRI", "@daily"]\n', '  timezone: Europe/Berlin\n')), []);
  expectProblem(await lintYaml(cron('  schedules: ["61 * * * *"]\n')), 3, 'spec.schedules[0]', 'minute 61 is above 59');
  expectProblem(await lintYaml(cron('  schedules: ["0 0 * * * *"]\n')), 3, 'spec.schedules[0]', 'expected exactly 5 fields');
  expectProblem(
    await lintYaml(cron('  schedules: ["0 0 * * *"]\n', '  timezone: Mars/Olympus\n')),
    3,
    'spec.timezone',
    'unknown time zone Mars/Olympus',
  );
  expectProblem(await lintYaml(cron('  schedules: ["0 0 * * *"]\n', '  timezone: europe/berlin\n')), 3, 'spec.timezone', 'case-sensitive');
  const old = await lintYaml(cron('  schedule: "0 0 * * *"\n'));
  expectProblem(old, 1, 'spec.schedule', 'unknown field "schedule"');
  expectProblem(old, 3, 'spec.schedule', 'Argo v4 removed `schedule`');
  expectProblem(old, 3, 'spec.schedules', 'at least one schedule');
  expectProblem(
    await lintYaml(cron('  schedules: ["@daily"]\n', '', 'n'.repeat(53))),
    3,
    'metadata.name',
    'must not be more than 52 characters',
  );
});

withArgo('diagnostics name the document: file, index, kind and name', async () => {
  const two = `${workflowYaml(HELLO)}---\n${workflowYaml(HELLO.replace('[echo, hello]', '"{{inputs.parameters.x}}"'), '', 'second')}`;
  const diags = await lintYaml(two);
  assert.ok(diags.length > 0);
  for (const d of diags) {
    assert.is(d.index, 1);
    assert.is(d.kind, 'Workflow');
    assert.is(d.name, 'second');
  }
});

test.run();
