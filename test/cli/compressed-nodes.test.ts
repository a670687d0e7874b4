// Past MAX_WORKFLOW_SIZE Argo moves status.nodes into status.compressedNodes (base64 of gzip of the JSON map);
// with node-status offloading, out of the object entirely. status, list, watch, logs and get must read the
// compressed form and say, in one line, where offloaded nodes can be read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gzipSync } from 'node:zlib';
import { cli, waitFor, withDouble } from '../helpers/cluster-cli.js';
import { compressed, manyAlignSteps, offloaded } from '../helpers/workflow-fixtures.js';
import { decompressNodes, nodeTree } from '../../cli/cluster/nodes.js';
import type { Workflow } from '../../cli/cluster/argo.js';

test('decompressNodes: base64 of gzip of the JSON nodes map; anything else is one line naming the workflow', () => {
  const nodes = { 'run-1': { id: 'run-1', type: 'DAG', phase: 'Running' } };
  assert.equal(decompressNodes(gzipSync(JSON.stringify(nodes)).toString('base64'), 'run-1'), nodes);
  assert.throws(() => decompressNodes('not base64!', 'run-1'), /workflow run-1: status.compressedNodes is not base64 of gzip/);
  assert.throws(() => decompressNodes(Buffer.from('plain').toString('base64'), 'run-1'), /not base64 of gzip/);
  assert.throws(() => decompressNodes(gzipSync('[1]').toString('base64'), 'run-1'), /not a JSON object of nodes/);
  const wf = { metadata: { name: 'x' }, status: { nodes: {}, compressedNodes: gzipSync(JSON.stringify(nodes)).toString('base64') } };
  assert.is(nodeTree(wf as Workflow).source, 'compressed', 'an empty nodes map next to compressedNodes is the compressed form');
});

test('status, list and get read compressedNodes: 500 align steps done, not 0', async () => {
  await withDouble({}, async (d, env) => {
    d.put('workflows', compressed(manyAlignSteps('big', 'Running', 500)));
    const status = await cli(['status', 'big'], env);
    assert.is(status.code, 0, status.stderr);
    assert.match(status.stdout, /align\s+500\s+0\s+0/);
    const list = await cli(['list'], env);
    assert.match(list.stdout, /big\s+Running\s+\S+\s+\S+\s+500\/500\s+0\/0\s+0/);
    const get = await cli(['get', 'big', '-o', 'json'], env);
    assert.is(get.code, 0, get.stderr);
    const wf = JSON.parse(get.stdout) as Workflow;
    assert.is(Object.keys(wf.status?.nodes ?? {}).length, 1001, 'get prints the nodes decompressed, as the Argo server does');
    assert.is(wf.status?.compressedNodes, undefined);
  });
});

test('watch reads compressed nodes from every watch event', async () => {
  await withDouble({}, async (d, env) => {
    d.put('workflows', compressed(manyAlignSteps('big', 'Running', 450, 'Running')));
    let seen = '';
    const running = cli(['watch', 'big'], env, (out) => (seen = out));
    await waitFor(() => seen.includes('align 0 done, 450 running'), 'first line from the compressed nodes');
    d.put('workflows', compressed(manyAlignSteps('big', 'Succeeded', 450)));
    const r = await running;
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /big Succeeded\s+split 1 done, 0 running, 0 failed \| align 450 done, 0 running, 0 failed/);
  });
});

test('logs finds the node of a pod in the compressed nodes', async () => {
  await withDouble({}, async (d, env) => {
    d.put('workflows', compressed(manyAlignSteps('big', 'Running', 3)));
    d.put('pods', {
      metadata: {
        name: 'big-align-group-7',
        namespace: 'openfold',
        labels: { 'workflows.argoproj.io/workflow': 'big' },
        annotations: { 'workflows.argoproj.io/node-id': 'a1', 'workflows.argoproj.io/node-name': 'big.process(0).align' },
      },
      spec: { nodeName: 'n1' },
    });
    d.setLog('openfold', 'big-align-group-7', 'align 7ELF_C: done\n');
    const r = await cli(['logs', 'big', '--step', 'align'], env);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, '==> big-align-group-7 (a1) <==');
  });
});

test('offloaded node status: status, list and watch say in one line where to read it', async () => {
  await withDouble({}, async (d, env) => {
    d.put('workflows', offloaded(manyAlignSteps('huge', 'Succeeded', 5)));
    const status = await cli(['status', 'huge'], env);
    assert.is(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      "steps:      workflow huge: its node status is offloaded to Argo's database (status.offloadNodeStatusVersion fnv:1234567890), which only the Argo server reads: per-step progress with `argo get huge -n openfold` or the Argo UI\n",
    );
    const list = await cli(['list'], env);
    assert.match(list.stdout, /huge\s+Succeeded\s+\S+\s+\S+\s+\?\s+\?\s+\?/);
    assert.match(list.stdout, "?: node status offloaded to Argo's database (huge); per-step progress with `argo get NAME -n openfold`");
    const watch = await cli(['watch', 'huge'], env);
    assert.is(watch.code, 0);
    assert.match(watch.stdout, "huge Succeeded steps: offloaded to Argo's database");
    assert.is(watch.stderr.match(/offloaded/g)?.length, 1, watch.stderr);
  });
});

test.run();
