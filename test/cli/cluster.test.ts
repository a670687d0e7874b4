// The cluster commands (install, submit, watch, status, list, logs) run as the real CLI process against the
// Kubernetes API test double (test/doubles/kube-api-double.ts), through a kubeconfig file as a user would.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/env.js';
import { KubeApiDouble, type KubeObject } from '../doubles/kube-api-double.js';
import { cli, cliProcess, waitFor, withDouble } from '../helpers/cluster-cli.js';
import { alignRetry, attempt, splitDone, workflow } from '../helpers/workflow-fixtures.js';
import { generateResources } from '../../generators/index.js';
import { resolveConfig } from '../../generators/config/load.js';

const config = resolveConfig({});
const pipelineTemplate = generateResources(config).find((r) => r.resource.metadata.name === 'openfold-pipeline')!
  .resource as unknown as KubeObject;

function installTemplate(d: KubeApiDouble): void {
  d.put('workflowtemplates', structuredClone(pipelineTemplate));
}

// ---- install ----------------------------------------------------------------------------------------------

test('install: server-side applies every generated resource with field manager openfold-argo; a rerun changes nothing', async () => {
  await withDouble({}, async (d, env) => {
    const first = await cli(['install'], env);
    assert.is(first.code, 0, first.stderr);
    const names = generateResources(config).map((r) => `${r.resource.kind.toLowerCase()}/${r.resource.metadata.name}`);
    for (const n of names) assert.match(first.stdout, `${n} created`);
    const patches = d.requests.filter((r) => r.method === 'PATCH');
    assert.is(patches.length, names.length);
    for (const p of patches) {
      assert.is(p.contentType, 'application/apply-patch+yaml');
      assert.is(p.query.fieldManager, 'openfold-argo');
      assert.is(p.query.force, 'true');
    }
    assert.is(d.get('workflowtemplates', 'openfold', 'openfold-pipeline')?.metadata.managedFields?.[0].manager, 'openfold-argo');
    assert.is(d.get('configmaps', 'openfold', 'openfold-argo-semaphores')?.data && true, true);
    assert.match(first.stderr, 'ServiceAccount openfold-workflow does not exist');

    const second = await cli(['install'], env);
    assert.is(second.code, 0, second.stderr);
    for (const n of names) assert.match(second.stdout, `${n} unchanged`);
  });
});

test('install --dry-run -n other: asks for a server dry run and stores nothing', async () => {
  await withDouble({}, async (d, env) => {
    const r = await cli(['install', '--dry-run', '-n', 'other'], env);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, 'workflowtemplate/openfold-pipeline created (server dry run)');
    assert.ok(
      d.requests.filter((q) => q.method === 'PATCH').every((q) => q.query.dryRun === 'All' && q.path.includes('/namespaces/other/')),
    );
    assert.is(d.list('workflowtemplates', 'other').length, 0);
  });
});

// ---- errors a user meets ----------------------------------------------------------------------------------

test('no kubeconfig: one clear line, exit 2', async () => {
  const home = tempDir('ofa-home-');
  const r = await cliProcess(['list'], { HOME: home });
  assert.is(r.code, 2);
  assert.match(r.stderr, /^openfold-argo list: no kubeconfig: set KUBECONFIG or create ~\/\.kube\/config/);
  assert.is(r.stderr.trim().split('\n').length, 1);
});

test('unreachable API server: one line naming the server and context', async () => {
  const d = new KubeApiDouble();
  await d.start();
  const dir = tempDir('ofa-kube-');
  const kubeconfig = d.writeKubeconfig(dir, { context: 'gone' });
  const server = d.url;
  await d.stop();
  const r = await cli(['status', 'x'], { KUBECONFIG: kubeconfig, HOME: dir });
  assert.is(r.code, 1);
  assert.match(r.stderr, `cannot reach the Kubernetes API server ${server} (context gone): ECONNREFUSED`);
  assert.is(r.stderr.trim().split('\n').length, 1);
});

test('forbidden, CRDs missing, template missing, unknown context: each one line', async () => {
  await withDouble({ forbid: (m, p) => p.endsWith('/workflowtemplates/openfold-pipeline') }, async (_d, env) => {
    const r = await cli(['submit'], env);
    assert.is(r.code, 1);
    assert.match(
      r.stderr,
      /forbidden: workflowtemplates\.argoproj\.io "openfold-pipeline" is forbidden: User .* cannot get resource "workflowtemplates"/,
    );
  });
  await withDouble({ argoCrds: false }, async (_d, env) => {
    const r = await cli(['submit'], env);
    assert.is(r.code, 1);
    assert.match(r.stderr, 'the Argo Workflows CRDs are not installed in this cluster (context double)');
  });
  await withDouble({}, async (_d, env) => {
    const r = await cli(['submit'], env);
    assert.is(r.code, 1);
    assert.match(r.stderr, 'WorkflowTemplate openfold-pipeline not found in namespace openfold: install it with `openfold-argo install`');
    const c = await cli(['list', '--context', 'prod'], env);
    assert.is(c.code, 2);
    assert.match(c.stderr, 'context "prod" not found in the kubeconfig (have: double)');
  });
  await withDouble({ token: 'right' }, async (d, env) => {
    const kubeconfig = d.writeKubeconfig(tempDir('ofa-kube-'), { token: 'wrong' });
    const r = await cli(['list'], { ...env, KUBECONFIG: kubeconfig });
    assert.is(r.code, 1);
    assert.match(r.stderr, 'unauthorized (context double)');
  });
});

// ---- submit -----------------------------------------------------------------------------------------------

test('submit: parameters are checked against the installed template before anything is created', async () => {
  await withDouble({}, async (d, env) => {
    installTemplate(d);
    const bad = await cli(['submit', '-p', 'align-mode=fast', '-p', 'input-fastaa=/x.fa'], env);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, '-p align-mode: must be one of full_dbs, mmseqs, colabfold_server, got "fast"');
    assert.match(
      bad.stderr,
      '-p input-fastaa: WorkflowTemplate openfold-pipeline has no such parameter (have: input-fasta, model, align-mode',
    );
    assert.is(d.requests.filter((r) => r.method === 'POST').length, 0);
    const malformed = await cli(['submit', '-p', 'align-mode'], env);
    assert.is(malformed.code, 2);
    assert.match(malformed.stderr, '-p align-mode: expected name=value');
  });
});

test('submit: creates a Workflow from workflowTemplateRef and prints its name and Argo UI link', async () => {
  await withDouble({}, async (d, env) => {
    installTemplate(d);
    const r = await cliProcess(['submit', '-p', 'input-fasta=/fsx/input/a=b.fasta', '-p', 'align-mode=mmseqs'], {
      ...env,
      ARGO_SERVER: 'argo.example.org:443',
      ARGO_BASE_HREF: '/argo/',
    });
    assert.is(r.code, 0, r.stderr);
    const [wf] = d.list('workflows', 'openfold');
    assert.ok(wf.metadata.name.startsWith('openfold-pipeline-'));
    assert.equal((wf.spec as Record<string, unknown>).workflowTemplateRef, { name: 'openfold-pipeline' });
    assert.equal((wf.spec as { arguments: unknown }).arguments, {
      parameters: [
        { name: 'input-fasta', value: '/fsx/input/a=b.fasta' },
        { name: 'align-mode', value: 'mmseqs' },
      ],
    });
    assert.is(wf.metadata.labels?.['workflows.argoproj.io/workflow-template'], 'openfold-pipeline');
    assert.match(r.stdout, `submitted ${wf.metadata.name} in namespace openfold`);
    assert.match(r.stdout, `https://argo.example.org:443/argo/workflows/openfold/${wf.metadata.name}`);
  });
});

test('submit: prints the estimate of the run first, or why there is none, and warns past the workflow deadline', async () => {
  const dir = tempDir('ofa-submit-estimate-');
  const fasta = join(dir, 'local.fasta');
  writeFileSync(fasta, '>a\nMKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ\n>b\nMKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQ\n');
  const tight = join(dir, 'tight.yaml');
  writeFileSync(tight, 'deadlines: { workflow: 1m }\n');
  await withDouble({}, async (d, env) => {
    installTemplate(d);
    const onVolume = await cli(['submit', '-p', 'input-fasta=/fsx/input/x.fasta'], env);
    assert.is(onVolume.code, 0, onVolume.stderr);
    assert.match(onVolume.stdout, 'estimate: not made: /fsx/input/x.fasta is not readable here');
    const local = await cli(['submit', '--fasta', fasta, '-p', 'align-mode=mmseqs', '--config', tight], env);
    assert.is(local.code, 0, local.stderr);
    assert.match(local.stdout, /^estimate: 2 targets, mmseqs: makespan /m);
    assert.match(local.stdout, 'warning: the estimated makespan');
    assert.match(local.stdout, 'exceeds the workflow deadline (deadlines.workflow 1m)');
    assert.ok(local.stdout.indexOf('estimate:') < local.stdout.indexOf('submitted '));
    const none = await cli(['submit', '--no-estimate'], env);
    assert.not.match(none.stdout, 'estimate');
  });
});

// ---- watch, status, list, logs ----------------------------------------------------------------------------

test('watch: follows the chunked watch stream across a server-side close until Succeeded; exit 0', async () => {
  await withDouble({}, async (d, env) => {
    d.put('workflows', workflow('run-1', 'Running', [splitDone, alignRetry(0, 'Running', ['a0'])]));
    let seen = '';
    const running = cli(['watch', 'run-1'], env, (out) => (seen = out));
    await waitFor(() => seen.includes('align 0 done, 1 running, 0 failed'), 'first progress line');
    d.put('workflows', workflow('run-1', 'Running', [splitDone, alignRetry(0, 'Succeeded', ['a0'])]));
    await waitFor(() => seen.includes('align 1 done, 0 running'), 'update through the stream');
    d.endWatches(); // the API server ends watches after timeoutSeconds: the CLI must reconnect from its resourceVersion
    await new Promise((r) => setTimeout(r, 100));
    d.put('workflows', workflow('run-1', 'Succeeded', [splitDone, alignRetry(0, 'Succeeded', ['a0'])]));
    const r = await running;
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /run-1 Succeeded/);
    assert.ok(d.requests.filter((q) => q.query.watch === 'true').length >= 2, 'reconnected after the stream closed');
    assert.ok(d.requests.filter((q) => q.query.watch === 'true').every((q) => q.query.fieldSelector === 'metadata.name=run-1'));
  });
});

test('watch: a failed workflow exits 1 and names the failed step; a retried step counts once', async () => {
  await withDouble({ compactedBelow: 100000 }, async (d, env) => {
    // compactedBelow: every watch gets 410 Gone, so the CLI has to fall back to reading the object again.
    const failed = workflow('run-2', 'Failed', [splitDone, alignRetry(0, 'Failed', ['a0', 'a1'])]);
    (failed.status as { nodes: Record<string, { message?: string }> }).nodes['align-0'].message = 'OOMKilled (exit code 137)';
    d.put('workflows', workflow('run-2', 'Running', [splitDone, alignRetry(0, 'Running', ['a0'])]));
    const running = cli(['watch', 'run-2'], env);
    await waitFor(() => d.requests.some((q) => q.query.watch === 'true'), 'a watch request');
    d.put('workflows', failed);
    const r = await running;
    assert.is(r.code, 1);
    assert.match(r.stdout, 'align 0 done, 0 running, 1 failed');
    assert.match(r.stderr, 'failed: align-0: OOMKilled (exit code 137)');
  });
});

test('status, list and logs read the workflow, its pods and their logs', async () => {
  await withDouble({}, async (d, env) => {
    d.put('workflows', workflow('run-3', 'Running', [splitDone, alignRetry(0, 'Succeeded', ['a0']), attempt('a0', 'Succeeded')]));
    d.put('workflows', { ...workflow('other', 'Succeeded', []), metadata: { name: 'other', namespace: 'openfold', labels: {} } });
    const pod = (name: string, nodeId: string) => ({
      metadata: {
        name,
        namespace: 'openfold',
        labels: { 'workflows.argoproj.io/workflow': 'run-3' },
        annotations: { 'workflows.argoproj.io/node-id': nodeId, 'workflows.argoproj.io/node-name': `run-3.${nodeId}` },
      },
    });
    d.put('pods', pod('run-3-split-1', 'split'));
    d.put('pods', pod('run-3-align-group-2', 'a0'));
    d.setLog('openfold', 'run-3-split-1', 'split: 2 targets\n');
    d.setLog('openfold', 'run-3-align-group-2', 'align 7ELF_C: done in 12s -> /fsx/runs/x\n');

    const status = await cli(['status', 'run-3', '--argo-ui', 'http://localhost:2746'], env);
    assert.is(status.code, 0, status.stderr);
    assert.match(status.stdout, /phase:\s+Running/);
    assert.match(status.stdout, /align\s+1\s+0\s+0/);
    assert.match(status.stdout, 'ui:         http://localhost:2746/workflows/openfold/run-3');

    const list = await cli(['list'], env);
    assert.is(list.code, 0, list.stderr);
    assert.match(list.stdout, /^NAME\s+PHASE/);
    assert.match(list.stdout, /run-3\s+Running/);
    assert.not.match(list.stdout, 'other', 'only workflows labelled part-of=openfold-argo');

    const all = await cli(['logs', 'run-3'], env);
    assert.is(all.code, 0, all.stderr);
    assert.match(all.stdout, '==> run-3-split-1 (split) <==\nsplit: 2 targets\n==> run-3-align-group-2 (a0) <==');
    const byTarget = await cli(['logs', 'run-3', '--target', '7ELF_C'], env);
    assert.is(byTarget.code, 0);
    assert.not.match(byTarget.stdout, 'split: 2 targets');
    assert.match(byTarget.stdout, 'align 7ELF_C: done');
    const byStep = await cli(['logs', 'run-3', '--step', 'split'], env);
    assert.match(byStep.stdout, 'split: 2 targets');
    assert.not.match(byStep.stdout, '7ELF_C');
    assert.ok(d.requests.filter((q) => q.path.endsWith('/log')).every((q) => q.query.container === 'main'));
    const none = await cli(['logs', 'run-3', '--target', '7ELF'], env);
    assert.is(none.code, 1, 'a tag must match whole, not as a prefix');
    assert.match(none.stderr, 'no pod logs of workflow run-3 for target 7ELF');
  });
});

test('the namespace comes from --namespace, else the context, else the config', async () => {
  await withDouble({}, async (d, env) => {
    const dir = tempDir('ofa-kube-');
    const kubeconfig = d.writeKubeconfig(dir, { namespace: 'team-a' });
    await cli(['list'], { ...env, KUBECONFIG: kubeconfig });
    await cli(['list', '-n', 'team-b'], { ...env, KUBECONFIG: kubeconfig });
    await cli(['list'], env);
    const paths = d.requests.map((r) => r.path);
    assert.equal(paths, [
      '/apis/argoproj.io/v1alpha1/namespaces/team-a/workflows',
      '/apis/argoproj.io/v1alpha1/namespaces/team-b/workflows',
      '/apis/argoproj.io/v1alpha1/namespaces/openfold/workflows',
    ]);
  });
});

test.run();
