// logs: --tail, a pod deleted between the list and the read, steps whose pods podGC deleted (named, with the
// files they left on the shared volume), and --follow across pods that start later.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, waitFor, withDouble } from '../helpers/cluster-cli.js';
import type { KubeObject } from '../doubles/kube-api-double.js';
import { openSession } from '../../cli/cluster/session.js';
import { followLogs } from '../../cli/cluster/pod-logs.js';
import { podNameOf } from '../../cli/cluster/lifecycle.js';
import type { Workflow } from '../../cli/cluster/argo.js';

const RUN = '/fsx/runs/run-l';
const params = (o: Record<string, string>) => ({ parameters: Object.entries(o).map(([name, value]) => ({ name, value })) });

function run(phase: string): KubeObject {
  const node = (id: string, templateName: string, p: string, inputs: Record<string, string>) => ({
    id: `run-l-${id}`,
    name: `run-l.${id}`,
    displayName: id,
    type: 'Pod',
    phase: p,
    templateName,
    templateScope: templateName.startsWith('align')
      ? 'namespaced/openfold-align'
      : templateName.startsWith('predict')
        ? 'namespaced/openfold-predict'
        : 'namespaced/openfold-pipeline',
    inputs: params(inputs),
    startedAt: `2026-01-01T00:00:0${id.length % 10}Z`,
  });
  const nodes = [
    node('split', 'split', 'Succeeded', { fasta: '/fsx/in.fasta', run: RUN }),
    node('align-0', 'align-group', 'Succeeded', { plan: `${RUN}/split/plan.json`, group: '0', out: `${RUN}/alignments`, mode: 'full_dbs' }),
    node('predict-0', 'predict-chunk', phase === 'Running' ? 'Running' : 'Succeeded', {
      plan: `${RUN}/split/plan.json`,
      chunk: '0',
      alignments: `${RUN}/alignments`,
      output: `${RUN}/predictions/0`,
      results: `${RUN}/results`,
    }),
  ];
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name: 'run-l', namespace: 'openfold' },
    status: { phase, nodes: Object.fromEntries(nodes.map((n) => [n.id, n])) },
  };
}

const pod = (wf: KubeObject, id: string, phase = 'Running'): KubeObject => {
  const node = (wf.status as Workflow['status'])!.nodes![`run-l-${id}`];
  return {
    metadata: {
      name: podNameOf(wf as unknown as Workflow, node),
      namespace: 'openfold',
      labels: { 'workflows.argoproj.io/workflow': 'run-l' },
      annotations: { 'workflows.argoproj.io/node-id': node.id, 'workflows.argoproj.io/node-name': node.name! },
      creationTimestamp: node.startedAt as string,
    },
    spec: { nodeName: 'node-1' },
    status: { phase },
  };
};

test('logs --tail N: the last N lines of each pod', async () => {
  await withDouble({}, async (d, env) => {
    const wf = d.put('workflows', run('Running'));
    const p = d.put('pods', pod(wf, 'predict-0'));
    d.setLog('openfold', p.metadata.name, 'predict 1\npredict 2\npredict 3\n');
    const r = await cli(['logs', 'run-l', '--step', 'predict', '--tail', '2'], env);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, `==> ${p.metadata.name} (predict-0) <==\npredict 2\npredict 3\n`);
    assert.is(d.requests.find((q) => q.path.endsWith('/log'))!.query.tailLines, '2');
    const bad = await cli(['logs', 'run-l', '--tail', 'x'], env);
    assert.is(bad.code, 2);
  });
});

test('logs: a pod deleted between list and read is skipped; steps whose pods are gone are named with their files', async () => {
  await withDouble({}, async (d, env) => {
    const wf = d.put('workflows', run('Succeeded'));
    const predict = d.put('pods', pod(wf, 'predict-0', 'Succeeded'));
    const split = d.put('pods', pod(wf, 'split', 'Succeeded'));
    d.setLog('openfold', predict.metadata.name, 'predict 7ELF_C: pLDDT 91.2\n');
    // podGC deletes the split pod after the CLI listed the pods, before it read the log.
    d.fail({ when: (q) => q.path.endsWith(`/${split.metadata.name}/log`), kind: { status: 404, reason: 'NotFound' } });
    const r = await cli(['logs', 'run-l'], env);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, `(pod ${split.metadata.name} was deleted before its log could be read: podGC)`);
    assert.match(r.stdout, 'predict 7ELF_C: pLDDT 91.2');
    assert.match(
      r.stdout,
      `1 step pod(s) of this workflow are gone (podGC): their stdout went with them (the steps do not write it to the volume). What they left on the shared volume:\n` +
        `  align-0 (pod ${podNameOf(wf as unknown as Workflow, (wf.status as Workflow['status'])!.nodes!['run-l-align-0'])}, Succeeded): ${RUN}/alignments/<tag>/manifest.json (the tags of group 0 in ${RUN}/split/plan.json)\n`,
    );
    d.remove('pods', 'openfold', predict.metadata.name);
    const gone = await cli(['logs', 'run-l', '--step', 'predict', '--target', '7ELF_C'], env);
    assert.is(gone.code, 1);
    assert.match(gone.stdout, `predict-0 (pod `);
    assert.match(
      gone.stdout,
      `${RUN}/predictions/0/b<NNN>/openfold.log (OpenFold's own log, per batch), ${RUN}/results/7ELF_C/result.json`,
    );
    assert.match(gone.stderr, 'no pod logs of workflow run-l for step predict and target 7ELF_C');
  });
});

test('logs --follow: lines as they are written, prefixed by pod, new pods taken up, until the workflow ends', async () => {
  await withDouble({}, async (d, env) => {
    const wf = d.put('workflows', run('Running'));
    const align = d.put('pods', pod(wf, 'align-0'));
    d.setLog('openfold', align.metadata.name, 'align 7ELF_C: searching\n');
    const s = openSession({}, env);
    const lines: string[] = [];
    const following = followLogs(s, 'run-l', {}, { print: (l) => lines.push(l), pollMs: 50 });
    await waitFor(() => lines.length === 1, 'the first line');
    d.appendLog('openfold', align.metadata.name, 'align 7ELF_C: done\n');
    await waitFor(() => lines.length === 2, 'a line written later');
    d.endLog('openfold', align.metadata.name);
    const predict = d.put('pods', pod(wf, 'predict-0', 'Pending'));
    await new Promise((r) => setTimeout(r, 150));
    d.put('pods', { ...predict, status: { phase: 'Running' } });
    await waitFor(() => d.requests.some((q) => q.path.endsWith(`${predict.metadata.name}/log`)), 'the new pod followed');
    d.appendLog('openfold', predict.metadata.name, 'predict 7ELF_C: pLDDT 91.2\n');
    await waitFor(() => lines.length === 3, "the new pod's line");
    d.put('workflows', run('Succeeded'));
    d.endLog('openfold', predict.metadata.name);
    const followed = await following;
    assert.is(followed, 2);
    assert.equal(lines, [
      `${align.metadata.name}: align 7ELF_C: searching`,
      `${align.metadata.name}: align 7ELF_C: done`,
      `${predict.metadata.name}: predict 7ELF_C: pLDDT 91.2`,
    ]);
    assert.ok(d.requests.filter((q) => q.path.endsWith('/log')).every((q) => q.query.follow === 'true'));
  });
});

test.run();
