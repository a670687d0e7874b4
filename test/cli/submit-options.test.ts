// submit --parameter-file (a YAML/JSON map, as argo's), --dry-run (client side) and --server-dry-run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { ROOT, tempDir } from '../helpers/env.js';
import { cli, withDouble } from '../helpers/cluster-cli.js';
import { generateResources } from '../../generators/index.js';
import { resolveConfig } from '../../generators/config/load.js';
import { parseParameterFile } from '../../cli/cluster/parameter-file.js';
import type { KubeObject } from '../doubles/kube-api-double.js';
import type { Workflow } from '../../cli/cluster/argo.js';

const template = generateResources(resolveConfig({})).find((r) => r.resource.metadata.name === 'openfold-pipeline')!
  .resource as unknown as KubeObject;

test('parameter files as argo reads them: strings as they are, dates stay text, other values as compact JSON', () => {
  assert.equal(
    parseParameterFile('input-fasta: /fsx/a.fasta\nmax-template-date: 2022-04-08\nn: 5\nflag: true\nlist: [1, "a"]\n', 'p.yaml'),
    [
      { name: 'input-fasta', value: '/fsx/a.fasta' },
      { name: 'max-template-date', value: '2022-04-08' },
      { name: 'n', value: '5' },
      { name: 'flag', value: 'true' },
      { name: 'list', value: '[1,"a"]' },
    ],
  );
  assert.equal(parseParameterFile('{"align-mode": "mmseqs"}', 'p.json'), [{ name: 'align-mode', value: 'mmseqs' }]);
  assert.throws(
    () => parseParameterFile('- a\n- b\n', 'p.yaml'),
    /--parameter-file p.yaml: expected a map of parameter name to value, got a list/,
  );
  assert.throws(() => parseParameterFile('a: [', 'p.yaml'), /--parameter-file p.yaml: not YAML or JSON/);
});

test("submit -f FILE -p: the file's parameters, a -p of the same name wins, all checked against the template", async () => {
  await withDouble({}, async (d, env) => {
    d.put('workflowtemplates', structuredClone(template));
    const dir = tempDir('ofa-params-');
    const file = join(dir, 'params.yaml');
    writeFileSync(file, 'input-fasta: /fsx/input/a.fasta\nalign-mode: full_dbs\nmax-template-date: 2022-04-08\n');
    const r = await cli(['submit', '--parameter-file', file, '-p', 'align-mode=mmseqs'], env);
    assert.is(r.code, 0, r.stderr);
    const [wf] = d.list('workflows', 'openfold');
    assert.equal((wf.spec as Workflow['spec'])!.arguments!.parameters, [
      { name: 'input-fasta', value: '/fsx/input/a.fasta' },
      { name: 'max-template-date', value: '2022-04-08' },
      { name: 'align-mode', value: 'mmseqs' },
    ]);
    writeFileSync(file, 'align-mode: fast\n');
    const bad = await cli(['submit', '-f', file], env);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, '-p align-mode: must be one of full_dbs, mmseqs, colabfold_server, got "fast"');
    const missing = await cli(['submit', '-f', join(dir, 'nope.yaml')], env);
    assert.is(missing.code, 2);
    assert.match(missing.stderr, `--parameter-file ${join(dir, 'nope.yaml')}: cannot read it (ENOENT)`);
  });
});

test('submit checks what Argo cannot (no patterns): max-template-date as a date or today, only as known names', async () => {
  const databases = generateResources(resolveConfig({})).find((r) => r.resource.metadata.name === 'openfold-databases')!
    .resource as unknown as KubeObject;
  await withDouble({}, async (d, env) => {
    d.put('workflowtemplates', structuredClone(template));
    d.put('workflowtemplates', structuredClone(databases));
    for (const [value, why] of [
      ['2022-13-40', 'no such day'],
      ['yesterday', 'must be a date YYYY-MM-DD or "today"'],
      ["2022-01-01' || true", 'must be a date'],
    ]) {
      const bad = await cli(['submit', '--dry-run', '-p', `max-template-date=${value}`], env);
      assert.is(bad.code, 2, value);
      assert.match(bad.stderr, '-p max-template-date: must be a date YYYY-MM-DD or "today"');
      assert.match(bad.stderr, why);
    }
    for (const ok of ['today', '2022-02-28'])
      assert.is((await cli(['submit', '--dry-run', '-p', `max-template-date=${ok}`], env)).code, 0, ok);
    const only = await cli(['submit', '--dry-run', '--template', 'openfold-databases', '-p', 'only=uniref90,nope'], env);
    assert.is(only.code, 2);
    assert.match(only.stderr, '-p only: unknown database nope (known: openfold_params, openfold3_params, uniref90,');
    const form = await cli(['submit', '--dry-run', '--template', 'openfold-databases', '-p', "only=all' || '1"], env);
    assert.match(form.stderr, '-p only: must be "all" or a comma-separated list of database names');
    assert.is((await cli(['submit', '--dry-run', '--template', 'openfold-databases', '-p', 'only=pdb70,uniref90'], env)).code, 0);
    assert.is(d.requests.filter((q) => q.method === 'POST').length, 0, 'nothing created');
  });
});

test('submit --dry-run prints the Workflow and creates nothing; --server-dry-run asks the API server (dryRun=All)', async () => {
  await withDouble({}, async (d, env) => {
    d.put('workflowtemplates', structuredClone(template));
    const dry = await cli(['submit', '--dry-run', '-p', 'align-mode=mmseqs'], env);
    assert.is(dry.code, 0, dry.stderr);
    const printed = yaml.load(dry.stdout) as Workflow;
    assert.is(printed.metadata.generateName, 'openfold-pipeline-');
    assert.equal(printed.spec!.arguments!.parameters, [{ name: 'align-mode', value: 'mmseqs' }]);
    assert.is(d.requests.filter((q) => q.method === 'POST').length, 0);
    const server = await cli(['submit', '--server-dry-run', '-o', 'json'], env);
    assert.is(server.code, 0, server.stderr);
    const answer = JSON.parse(server.stdout) as Workflow;
    assert.match(answer.metadata.name, /^openfold-pipeline-/);
    assert.is(d.requests.filter((q) => q.method === 'POST')[0].query.dryRun, 'All');
    assert.is(d.list('workflows', 'openfold').length, 0);
    const bad = await cli(['submit', '--dry-run', '--watch'], env);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, '--watch cannot follow a dry run');
  });
});

test('the missing-CRD error points to a document that exists', async () => {
  await withDouble({ argoCrds: false }, async (_d, env) => {
    const r = await cli(['list'], env);
    assert.is(r.code, 1);
    assert.match(r.stderr, 'install Argo Workflows first (README.md, "Running on a cluster", step 3');
  });
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Running on a cluster\n'));
  assert.ok(section.length > 1 && /\n3\. \*\*Argo Workflows/.test(section), 'README.md has that section and step');
});

test.run();
