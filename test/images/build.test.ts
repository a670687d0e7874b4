// images/build.mts without a Docker engine: the tags, the docker commands it would run, the digest parsing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { checkRegistry, configSnippet, digestFor, imageTags, planImage } from '../../images/build.mjs';
import yaml from 'js-yaml';
import { resolveConfig } from '../../generators/config/load.js';
import { ROOT } from '../helpers/env.js';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const inputs = {
  registry: 'ghcr.io/openfold-argo',
  version: '0.1.0',
  commit: COMMIT,
  dirty: false,
  source: 'https://example.org/openfold-argo',
};

test('tags: the version and the commit; an uncommitted tree is marked -dirty', () => {
  assert.equal(imageTags(inputs), ['0.1.0', 'sha-0123456789ab']);
  assert.equal(imageTags({ ...inputs, dirty: true }), ['0.1.0', 'sha-0123456789ab-dirty']);
  assert.throws(() => imageTags({ ...inputs, commit: 'HEAD' }), /commit "HEAD": expected 40 hex digits/);
});

test('registry: host[:port][/path], lowercase, no scheme or tag', () => {
  assert.is(
    checkRegistry('111122223333.dkr.ecr.us-east-1.amazonaws.com/openfold-argo/'),
    '111122223333.dkr.ecr.us-east-1.amazonaws.com/openfold-argo',
  );
  assert.is(checkRegistry('localhost:5000'), 'localhost:5000');
  for (const bad of ['https://ghcr.io/x', 'ghcr.io/X', 'ghcr.io/x:1.0', ''])
    assert.throws(() => checkRegistry(bad), /expected host\[:port\]\[\/path\]/, bad);
});

test('plan: one build with both tags and the OCI build args, one push per tag, then the digest lookup', () => {
  const p = planImage('tools', inputs);
  assert.is(p.repository, 'ghcr.io/openfold-argo/tools');
  assert.equal(p.build, [
    'docker',
    'build',
    '--file',
    'images/tools/Dockerfile',
    '--platform',
    'linux/amd64',
    '--build-arg',
    'VERSION=0.1.0',
    '--build-arg',
    `REVISION=${COMMIT}`,
    '--build-arg',
    'SOURCE=https://example.org/openfold-argo',
    '--tag',
    'ghcr.io/openfold-argo/tools:0.1.0',
    '--tag',
    'ghcr.io/openfold-argo/tools:sha-0123456789ab',
    '.',
  ]);
  assert.equal(p.push, [
    ['docker', 'push', 'ghcr.io/openfold-argo/tools:0.1.0'],
    ['docker', 'push', 'ghcr.io/openfold-argo/tools:sha-0123456789ab'],
  ]);
});

test('digest: picked from RepoDigests for the pushed repository; the snippet pins it in a valid config', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  const json = JSON.stringify([`docker.io/library/other@sha256:${'b'.repeat(64)}`, `ghcr.io/openfold-argo/tools@${digest}`]);
  assert.is(digestFor('ghcr.io/openfold-argo/tools', json), digest);
  assert.throws(() => digestFor('ghcr.io/openfold-argo/msa', json), /no digest of ghcr.io\/openfold-argo\/msa/);
  const snippet = configSnippet([{ name: 'tools', repository: 'ghcr.io/openfold-argo/tools', tag: '0.1.0', digest }]);
  const config = resolveConfig(yaml.load(snippet));
  assert.is(config.images.tools.digest, digest);
});

test('--dry-run prints the docker commands for the chosen images and runs none', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'dist', 'images', 'build.mjs'), 'localhost:5000/ofa', '--dry-run', '--only', 'tools,openfold'],
    {
      env: { ...process.env, PATH: '/nonexistent-no-docker:' + process.env.PATH },
    },
  );
  const lines = stdout.trim().split('\n');
  assert.is(lines.length, 8, stdout);
  assert.match(
    lines[0],
    /^docker build --file images\/tools\/Dockerfile .* --tag localhost:5000\/ofa\/tools:0\.1\.0 --tag localhost:5000\/ofa\/tools:sha-[0-9a-f]{12}(-dirty)? \.$/,
  );
  assert.match(lines[1], /^docker push localhost:5000\/ofa\/tools:0\.1\.0$/);
  assert.match(lines[3], /^docker image inspect --format '\{\{json \.RepoDigests\}\}' localhost:5000\/ofa\/tools:0\.1\.0$/);
  assert.match(lines[4], /^docker build --file images\/openfold\/Dockerfile/);
});

test.run();
