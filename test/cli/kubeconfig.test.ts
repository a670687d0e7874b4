// KUBECONFIG with several files, merged as kubectl merges them (client-go's ClientConfigLoadingRules.Load):
// current-context from the first file that sets one; for a cluster, user or context named in two files, the
// first file's entry, whole. Relative paths resolve against the file that holds them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import yaml from 'js-yaml';
import { tempDir } from '../helpers/env.js';
import { cli, withDouble } from '../helpers/cluster-cli.js';
import { loadCluster, mergeKubeconfigs } from '../../cli/cluster/kubeconfig.js';

function write(dir: string, name: string, config: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, yaml.dump(config));
  return file;
}

test('two files: current-context and same-named entries come from the first file; the CLI talks to its cluster', async () => {
  await withDouble({}, async (d, env) => {
    const dir = tempDir('ofa-kc-');
    // The first file: context "prod" (namespace team-a) on the double, with the right token.
    const first = write(dir, 'first', {
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'prod',
      clusters: [{ name: 'shared', cluster: { server: d.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'me', user: { token: d.token } }],
      contexts: [{ name: 'prod', context: { cluster: 'shared', user: 'me', namespace: 'team-a' } }],
    });
    // The second file names the same cluster, user and context differently, and another current-context.
    const second = write(dir, 'second', {
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'staging',
      clusters: [
        { name: 'shared', cluster: { server: 'https://127.0.0.1:1', 'certificate-authority': 'ca.crt' } },
        { name: 'other', cluster: { server: 'https://127.0.0.1:2' } },
      ],
      users: [{ name: 'me', user: { token: 'wrong-token' } }],
      contexts: [
        { name: 'prod', context: { cluster: 'other', user: 'me', namespace: 'team-z' } },
        { name: 'staging', context: { cluster: 'other', user: 'me' } },
      ],
    });
    const r = await cli(['list'], { ...env, KUBECONFIG: [first, second].join(delimiter) });
    assert.is(r.code, 0, r.stderr);
    assert.equal(
      d.requests.map((q) => q.path),
      ['/apis/argoproj.io/v1alpha1/namespaces/team-a/workflows'],
      'context prod of the first file: its cluster, its user (token), its namespace',
    );
    const target = loadCluster({ fallbackNamespace: 'openfold', env: { KUBECONFIG: [first, second].join(delimiter) } });
    assert.is(target.context, 'prod');
    assert.is(target.server, d.url);
    assert.equal(
      target.kc.getContexts().map((c) => c.name),
      ['prod', 'staging'],
      "the second file's other entries are still there",
    );
    // --context picks an entry that only the second file has.
    const staging = loadCluster({
      context: 'staging',
      fallbackNamespace: 'openfold',
      env: { KUBECONFIG: [first, second].join(delimiter) },
    });
    assert.is(staging.server, 'https://127.0.0.1:2');
    // The other order: the second file's current-context and entries win.
    const swapped = loadCluster({ fallbackNamespace: 'openfold', env: { KUBECONFIG: [second, first].join(delimiter) } });
    assert.is(swapped.context, 'staging');
    assert.is(swapped.kc.getCluster('shared')?.server, 'https://127.0.0.1:1');
    assert.is(swapped.kc.getCluster('shared')?.caFile, join(dir, 'ca.crt'), 'relative paths resolve against their own file');
  });
});

test('merge rules: first non-empty current-context; a missing file is skipped; a duplicate name inside one file is refused', () => {
  const a = { clusters: [{ name: 'c', cluster: { server: 'https://a' } }] };
  const b = { 'current-context': 'x', clusters: [{ name: 'c', cluster: { server: 'https://b', 'proxy-url': 'http://p' } }] };
  const merged = mergeKubeconfigs([a, b]);
  assert.is(merged['current-context'], 'x', 'the first file sets none: the next one that does');
  assert.equal(merged.clusters, [{ name: 'c', cluster: { server: 'https://a' } }], 'whole entry from the first file, no field merge');
  const dir = tempDir('ofa-kc-');
  const only = write(dir, 'only', {
    'current-context': 'x',
    clusters: [{ name: 'c', cluster: { server: 'https://a' } }],
    users: [{ name: 'u', user: {} }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
  });
  const t = loadCluster({ fallbackNamespace: 'ns', env: { KUBECONFIG: [join(dir, 'missing'), only].join(delimiter) } });
  assert.is(t.server, 'https://a');
  const dup = write(dir, 'dup', {
    clusters: [
      { name: 'c', cluster: { server: 'https://a' } },
      { name: 'c', cluster: { server: 'https://b' } },
    ],
  });
  assert.throws(
    () => loadCluster({ fallbackNamespace: 'ns', env: { KUBECONFIG: dup } }),
    (e: Error) => e.message === `cannot read kubeconfig ${dup}: duplicate name "c" in clusters`,
  );
});

test.run();
