// stop, terminate, retry, resubmit, delete and get against the Kubernetes API double, with the requests Argo's
// own server sends for them (workflow/util/util.go): spec.shutdown merge patches, FormulateRetryWorkflow's node
// surgery plus pod deletion and a PUT, FormulateResubmitWorkflow plus a create.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import yaml from 'js-yaml';
import { cli, withDouble } from '../helpers/cluster-cli.js';
import { FAILED_RUN, failedPipeline } from '../helpers/failed-pipeline.js';
import { compressed, offloaded, splitDone, workflow } from '../helpers/workflow-fixtures.js';
import { fnv32a, podNameOf } from '../../cli/cluster/lifecycle.js';
import { formulateRetry } from '../../cli/cluster/retry-workflow.js';
import type { Workflow, WorkflowNode } from '../../cli/cluster/argo.js';
import type { KubeObject } from '../doubles/kube-api-double.js';

const pod = (name: string, wf: string): KubeObject => ({
  metadata: { name, namespace: 'openfold', labels: { 'workflows.argoproj.io/workflow': wf } },
});

test("stop and terminate: a JSON merge patch of spec.shutdown; a finished workflow is refused with Argo's words", async () => {
  await withDouble({}, async (d, env) => {
    d.put('workflows', workflow('run-a', 'Running', [splitDone]));
    d.put('workflows', workflow('run-b', 'Running', [splitDone]));
    const stop = await cli(['stop', 'run-a'], env);
    assert.is(stop.code, 0, stop.stderr);
    assert.is(stop.stdout, 'workflow run-a stopped\n');
    const patch = d.requests.find((r) => r.method === 'PATCH')!;
    assert.is(patch.contentType, 'application/merge-patch+json');
    assert.equal(patch.body, { spec: { shutdown: 'Stop' } });
    assert.is((d.get('workflows', 'openfold', 'run-a')!.spec as Workflow['spec'])!.shutdown, 'Stop');
    const term = await cli(['terminate', 'run-b'], env);
    assert.is(term.stdout, 'workflow run-b terminated\n');
    assert.is((d.get('workflows', 'openfold', 'run-b')!.spec as Workflow['spec'])!.shutdown, 'Terminate');
    d.put('workflows', workflow('run-c', 'Succeeded', [splitDone]));
    const done = await cli(['stop', 'run-c'], env);
    assert.is(done.code, 1);
    assert.is(done.stderr, 'openfold-argo stop: cannot shutdown a completed workflow: workflow: "run-c", namespace: "openfold"\n');
    const missing = await cli(['terminate', 'nope'], env);
    assert.is(missing.code, 1);
    assert.match(missing.stderr, 'Workflow nope not found in namespace openfold');
  });
});

test('pod names as Argo generates them (v2: WORKFLOW-TEMPLATE-fnv32a(node name); v1: the node id)', () => {
  assert.is(fnv32a(''), 0x811c9dc5);
  assert.is(fnv32a('a'), 0xe40c292c);
  assert.is(fnv32a('foobar'), 0xbf9cf968);
  const wf = { metadata: { name: 'wf' } } as Workflow;
  const node = { id: 'wf-123', name: 'wf.align', type: 'Pod', templateName: 'align-group' } as WorkflowNode;
  assert.is(podNameOf(wf, node), `wf-align-group-${fnv32a('wf.align')}`);
  assert.is(
    podNameOf({ metadata: { name: 'wf', annotations: { 'workflows.argoproj.io/pod-name-format': 'v1' } } } as Workflow, node),
    'wf-123',
  );
});

test('retry: failed attempts deleted with their pods, the path above them reset, the rest kept; stored with PUT', async () => {
  await withDouble({}, async (d, env) => {
    const original = d.put('workflows', failedPipeline());
    const nodes = (original.status as Workflow['status'])!.nodes!;
    const podOf = (id: string) => podNameOf(original as unknown as Workflow, nodes[id]);
    for (const id of [`${FAILED_RUN}-c1-align-0`, `${FAILED_RUN}-c0-align-0`]) d.put('pods', pod(podOf(id), FAILED_RUN));
    const r = await cli(['retry', FAILED_RUN], env);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, `workflow ${FAILED_RUN} retried: 2 node(s) to run again, 4 reset, 1 pod(s) deleted\n`);
    const put = d.requests.find((q) => q.method === 'PUT')!;
    assert.is(
      put.body && (put.body as Workflow).metadata.resourceVersion,
      original.metadata.resourceVersion,
      'PUT carries the read version',
    );
    const wf = d.get('workflows', 'openfold', FAILED_RUN) as unknown as Workflow;
    const after = wf.status!.nodes!;
    const id = (x: string) => `${FAILED_RUN}-${x}`;
    assert.equal(
      Object.keys(after).sort(),
      Object.keys(nodes)
        .filter((k) => !k.includes('c1-align-'))
        .sort(),
    );
    for (const x of ['c1-align', 'c1', 'chunk']) {
      assert.is(after[id(x)].phase, 'Running', x);
      assert.is(after[id(x)].finishedAt, undefined);
      assert.is(after[id(x)].message, undefined);
    }
    assert.is(after[FAILED_RUN].phase, 'Running', 'the root DAG is reset');
    assert.is(after[id('c1-align')].children, undefined, 'the deleted attempts are no longer its children');
    assert.equal(after[id('c0-predict-0')], nodes[id('c0-predict-0')], 'a succeeded step is kept as it was');
    assert.is(wf.status!.phase, undefined);
    assert.is(wf.status!.message, undefined);
    assert.is(wf.status!.finishedAt, undefined);
    assert.equal(wf.status!.conditions, [
      { type: 'PodRunning', status: 'False' },
      { type: 'Completed', status: 'False' },
    ]);
    assert.is(
      wf.metadata.labels!['workflows.argoproj.io/completed'],
      undefined,
      'the controller only picks up workflows not labelled completed',
    );
    assert.is(wf.spec!.shutdown, undefined);
    assert.is(wf.spec!.activeDeadlineSeconds, undefined, 'a terminated workflow loses its zero deadline');
    assert.ok(!d.get('pods', 'openfold', podOf(id('c1-align-0'))), 'the failed attempt pod is deleted');
    assert.ok(d.get('pods', 'openfold', podOf(id('c0-align-0'))), 'a succeeded step keeps its pod');
    const deletes = d.requests.filter((q) => q.method === 'DELETE').map((q) => q.path.split('/').pop());
    assert.equal(deletes.sort(), [podOf(id('c1-align-0')), podOf(id('c1-align-1'))].sort(), 'both attempts: one 404 (podGC) is fine');
  });
});

test('retry: compressed nodes are read and written back; a running or offloaded one is refused', async () => {
  await withDouble({}, async (d, env) => {
    d.put('workflows', compressed(failedPipeline()));
    const r = await cli(['retry', FAILED_RUN, '-p', 'align-mode=mmseqs'], env);
    assert.is(r.code, 0, r.stderr);
    const wf = d.get('workflows', 'openfold', FAILED_RUN) as unknown as Workflow;
    assert.is(wf.status!.compressedNodes, undefined, 'small enough: stored as plain nodes, as Argo does under 1 MiB');
    // New parameter values: the reset fan-out (TaskGroup) loses its children, so the controller expands it again.
    assert.equal(Object.keys(wf.status!.nodes!).sort(), [FAILED_RUN, `${FAILED_RUN}-chunk`, `${FAILED_RUN}-split`]);
    assert.equal(wf.spec!.arguments!.parameters, [
      { name: 'align-mode', value: 'mmseqs' },
      { name: 'input-fasta', value: '/fsx/in.fasta' },
    ]);
    assert.equal(wf.status!.storedWorkflowSpec!.arguments!.parameters, wf.spec!.arguments!.parameters);
    const running = await cli(['retry', FAILED_RUN], env);
    assert.is(running.code, 2);
    assert.match(running.stderr, `cannot retry workflow ${FAILED_RUN} in phase Pending: only a Failed or Error one`);
    const bad = await cli(['retry', FAILED_RUN, '-p', 'no-such=1'], env);
    assert.match(bad.stderr, `-p no-such: workflow ${FAILED_RUN} has no such parameter`);
    const o = failedPipeline();
    d.put('workflows', offloaded({ ...o, metadata: { ...o.metadata, name: 'run-o' } }));
    const off = await cli(['retry', 'run-o'], env);
    assert.is(off.code, 1);
    assert.match(off.stderr, "cannot retry workflow run-o here: its node status is offloaded to Argo's database; use `argo retry run-o`");
  });
});

test('retry: the exit handler runs again (its nodes dropped, its pods deleted); a pod that failed under a succeeded Retry stays', () => {
  const node = (id: string, type: string, phase: string, extra: Partial<WorkflowNode> = {}): WorkflowNode => ({
    id,
    name: id,
    type,
    phase,
    ...extra,
  });
  const wf = {
    metadata: { name: 'w' },
    status: {
      phase: 'Failed',
      nodes: {
        w: node('w', 'Steps', 'Failed', { children: ['w-g'] }),
        'w-g': node('w-g', 'StepGroup', 'Failed', { name: 'w[0]', boundaryID: 'w', children: ['w-r', 'w-b'] }),
        'w-r': node('w-r', 'Retry', 'Succeeded', { name: 'w[0].a', boundaryID: 'w', children: ['w-r0', 'w-r1'] }),
        'w-r0': node('w-r0', 'Pod', 'Failed', { name: 'w[0].a(0)', boundaryID: 'w', nodeFlag: { retried: true }, templateName: 'a' }),
        'w-r1': node('w-r1', 'Pod', 'Succeeded', { name: 'w[0].a(1)', boundaryID: 'w', nodeFlag: { retried: true }, templateName: 'a' }),
        'w-b': node('w-b', 'Pod', 'Failed', { name: 'w[0].b', boundaryID: 'w', templateName: 'b' }),
        'w-x': node('w-x', 'Pod', 'Succeeded', { name: 'w.onExit', templateName: 'notify' }),
      },
    },
  } as unknown as Workflow;
  const plan = formulateRetry(wf, [], new Date('2026-02-01T00:00:00.123Z'));
  const nodes = plan.workflow.status!.nodes!;
  assert.equal(Object.keys(nodes).sort(), ['w', 'w-g', 'w-r', 'w-r0', 'w-r1']);
  assert.equal(plan.podNodes.map((n) => n.id).sort(), ['w-b', 'w-x']);
  assert.equal([nodes.w.phase, nodes['w-g'].phase, nodes['w-r'].phase], ['Running', 'Running', 'Succeeded']);
  assert.is(nodes.w.startedAt, '2026-02-01T00:00:00Z');
  assert.equal(nodes['w-g'].children, ['w-r']);
});

test('resubmit: a new workflow with the spec, user labels and annotations, shutdown and deadline cleared', async () => {
  await withDouble({}, async (d, env) => {
    d.put('workflows', failedPipeline());
    const r = await cli(['resubmit', FAILED_RUN, '-p', 'input-fasta=/fsx/other.fasta'], env);
    assert.is(r.code, 0, r.stderr);
    const post = d.requests.find((q) => q.method === 'POST')!.body as Workflow;
    assert.is(post.metadata.generateName, 'openfold-pipeline-');
    assert.is(post.metadata.name, undefined);
    assert.equal(post.metadata.labels, {
      'app.kubernetes.io/part-of': 'openfold-argo',
      'workflows.argoproj.io/workflow-template': 'openfold-pipeline',
      'workflows.argoproj.io/resubmitted-from-workflow': FAILED_RUN,
    });
    assert.equal(post.metadata.annotations, { 'workflows.argoproj.io/pod-name-format': 'v2' });
    assert.equal(post.spec, {
      workflowTemplateRef: { name: 'openfold-pipeline' },
      arguments: { parameters: [{ name: 'input-fasta', value: '/fsx/other.fasta' }] },
    });
    assert.is((post as { status?: unknown }).status, undefined);
    const created = d.list('workflows', 'openfold').find((w) => w.metadata.name !== FAILED_RUN)!;
    assert.match(r.stdout, `submitted ${created.metadata.name} (resubmit of ${FAILED_RUN}) in namespace openfold`);
  });
});

test('delete: by name, --completed among the openfold-argo workflows, --dry-run deletes nothing', async () => {
  await withDouble({}, async (d, env) => {
    d.put('workflows', workflow('old', 'Succeeded', [splitDone]));
    d.put('workflows', workflow('live', 'Running', [splitDone]));
    d.put('workflows', workflow('gone', 'Failed', [splitDone]));
    const dry = await cli(['delete', '--completed', '--dry-run'], env);
    assert.is(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout.trim().split('\n').sort(), [
      "Workflow 'gone' deleted (server dry run)",
      "Workflow 'old' deleted (server dry run)",
    ]);
    assert.is(d.list('workflows', 'openfold').length, 3);
    const completed = await cli(['delete', '--completed'], env);
    assert.is(completed.code, 0);
    assert.equal(
      d.list('workflows', 'openfold').map((w) => w.metadata.name),
      ['live'],
    );
    assert.ok(
      d.requests
        .filter((q) => q.method === 'DELETE')
        .every((q) => (q.body as { propagationPolicy?: string }).propagationPolicy === 'Background'),
    );
    const byName = await cli(['delete', 'live'], env);
    assert.is(byName.stdout, "Workflow 'live' deleted\n");
    assert.is(d.list('workflows', 'openfold').length, 0);
    const none = await cli(['delete'], env);
    assert.is(none.code, 2);
  });
});

test('get: the summary, or the object as YAML/JSON', async () => {
  await withDouble({}, async (d, env) => {
    d.put('workflows', workflow('run-g', 'Running', [splitDone]));
    const summary = await cli(['get', 'run-g'], env);
    assert.match(summary.stdout, /^name:\s+run-g\nphase:\s+Running/);
    const y = await cli(['get', 'run-g', '-o', 'yaml'], env);
    assert.is((yaml.load(y.stdout) as Workflow).metadata.name, 'run-g');
    const bad = await cli(['get', 'run-g', '-o', 'wide'], env);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, '-o wide: expected json or yaml');
  });
});

test.run();
