// The executor against Argo's own examples (of the version under test, from its Go module: helpers/argo.ts):
// the node phases and outputs Argo documents for them. busybox's `echo` and `sh -c` run as the local ones; long
// sleeps are shortened.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UnsupportedWorkflowError } from '../../executor/validate.js';
import { loadWorkflow } from '../../executor/workflow.js';
import { validateWorkflow } from '../../executor/validate.js';
import { example, phases, printed, runDocs, withArgo } from './helpers.js';

// Test-only: the examples sleep for tens of seconds to show concurrency; a tenth of a second shows the same.
const shortSleeps = (c: string[]) => c.map((a) => a.replace(/sleep \d+/g, 'sleep 0.1'));

withArgo('dag-diamond: A, then B and C, then D; each echoes its message', async () => {
  const run = await runDocs(example('dag-diamond.yaml'));
  assert.equal(phases(run), { '(workflow)': 'Succeeded', A: 'Succeeded', B: 'Succeeded', C: 'Succeeded', D: 'Succeeded' });
  for (const t of ['A', 'B', 'C', 'D']) assert.equal(printed(run, t), [t]);
  const start = (n: string) => Date.parse(run.state.nodes[`wf.${n}`].startedAt!);
  const end = (n: string) => Date.parse(run.state.nodes[`wf.${n}`].finishedAt!);
  assert.ok(start('B') >= end('A') && start('C') >= end('A') && start('D') >= Math.max(end('B'), end('C')));
});

withArgo('dag-multiroot: two roots, C after A, D after A and B', async () => {
  const run = await runDocs(example('dag-multiroot.yaml'));
  assert.equal(phases(run), { '(workflow)': 'Succeeded', A: 'Succeeded', B: 'Succeeded', C: 'Succeeded', D: 'Succeeded' });
});

withArgo('dag-enhanced-depends: failed C still lets "C.Failed" dependents run; "B && C" is omitted; workflow Succeeded', async () => {
  const run = await runDocs(example('dag-enhanced-depends.yaml'));
  assert.equal(phases(run), {
    '(workflow)': 'Succeeded',
    A: 'Succeeded',
    B: 'Succeeded',
    C: 'Failed',
    'should-execute-1': 'Succeeded',
    'should-execute-2': 'Succeeded',
    'should-not-execute': 'Omitted',
    'should-execute-3': 'Succeeded',
  });
  assert.is(run.state.nodes['wf.should-not-execute'].message, 'omitted: depends condition not met');
});

withArgo('dag-continue-on-fail (expected failure): D runs on B.Failed, G is omitted after E failed, workflow Failed', async () => {
  const run = await runDocs(example('dag-continue-on-fail.yaml'));
  assert.equal(phases(run), {
    '(workflow)': 'Failed',
    A: 'Succeeded',
    B: 'Failed',
    C: 'Succeeded',
    D: 'Succeeded',
    E: 'Failed',
    F: 'Succeeded',
    G: 'Omitted',
  });
  assert.equal(printed(run, 'B'), ['intentional failure']);
});

withArgo('dag-disable-failFast (expected failure): with failFast false B, D, E finish although C failed after its 3 retries', async () => {
  const run = await runDocs(example('dag-disable-failFast.yaml'), { mapCommand: shortSleeps });
  assert.equal(phases(run), { '(workflow)': 'Failed', A: 'Succeeded', B: 'Succeeded', C: 'Failed', D: 'Succeeded', E: 'Succeeded' });
  assert.is(run.state.nodes['wf.C'].attempts!.length, 4, 'limit "3": the first attempt and 3 retries');
  assert.is(run.state.nodes['wf.C'].exitCode, 2);
});

withArgo('loops-dag: B fans out over withItems after A; C waits for all of B', async () => {
  const run = await runDocs(example('loops-dag.yaml'));
  assert.equal(phases(run), {
    '(workflow)': 'Succeeded',
    A: 'Succeeded',
    B: 'Succeeded',
    'B(0:foo)': 'Succeeded',
    'B(1:bar)': 'Succeeded',
    'B(2:baz)': 'Succeeded',
    C: 'Succeeded',
  });
  assert.equal(printed(run, 'B(1:bar)'), ['bar']);
  assert.is(run.state.nodes['wf.B'].type, 'TaskGroup');
});

withArgo('dag-targets: target E runs only A, C and E; -p target="B E" runs A, B, C, E', async () => {
  let run = await runDocs(example('dag-targets.yaml'));
  assert.equal(phases(run), { '(workflow)': 'Succeeded', A: 'Succeeded', C: 'Succeeded', E: 'Succeeded' });
  run = await runDocs(example('dag-targets.yaml'), { parameters: { target: 'B E' } });
  assert.equal(Object.keys(phases(run)).sort(), ['(workflow)', 'A', 'B', 'C', 'E']);
});

withArgo('arguments-parameters: the workflow argument reaches the entrypoint input; -p overrides it', async () => {
  let run = await runDocs(example('arguments-parameters.yaml'));
  assert.equal(printed(run, 'wf'), ['hello world']);
  run = await runDocs(example('arguments-parameters.yaml'), { parameters: { message: 'goodbye world' } });
  assert.equal(printed(run, 'wf'), ['goodbye world']);
});

withArgo("parallelism-nested-dag: nested DAGs with inputs; at most 2 of A's tasks at once", async () => {
  const run = await runDocs(example('parallelism-nested-dag.yaml'), { mapCommand: shortSleeps, maxParallel: 16 });
  assert.is(run.state.phase, 'Succeeded');
  assert.equal(printed(run, 'b3.c2'), ['3 c2']);
  // b2, b3, b4 may run only two at a time: their spans overlap pairwise at most two deep.
  const spans = ['b2', 'b3', 'b4'].map((b) => [
    Date.parse(run.state.nodes[`wf.${b}`].startedAt!),
    Date.parse(run.state.nodes[`wf.${b}`].finishedAt!),
  ]);
  const overlapAll = Math.max(...spans.map((s) => s[0])) < Math.min(...spans.map((s) => s[1]));
  assert.not.ok(overlapAll, 'three B tasks ran at once despite parallelism: 2');
});

for (const [file, feature] of [
  ['steps.yaml', 'steps templates'],
  ['scripts-bash.yaml', 'script templates'],
  ['dag-task-level-timeout.yaml', 'template timeout'],
  ['dag-conditional-parameters.yaml', 'script templates'],
  ['exit-handlers.yaml', 'onExit handlers'],
  ['artifact-passing.yaml', 'artifacts'],
  ['sidecar.yaml', 'sidecars'],
  ['daemon-step.yaml', 'daemon'],
  ['memoize-simple.yaml', 'memoize'],
  ['k8s-jobs.yaml', 'resource templates'],
  ['suspend-template.yaml', 'suspend templates'],
]) {
  withArgo(`unsupported: ${file} is rejected before running, naming ${feature}`, () => {
    const wf = loadWorkflow(example(file));
    try {
      validateWorkflow(wf);
      assert.unreachable('validation passed');
    } catch (e) {
      assert.instance(e, UnsupportedWorkflowError);
      assert.match((e as Error).message, feature);
      assert.match((e as Error).message, /template "[^"]+"|workflow spec/);
    }
  });
}

test.run();
