// images/openfold/Dockerfile cannot be built here (NVIDIA's registry, GitHub and conda are unreachable):
// check what ties it to the predict step. test/images/dockerfiles.test.ts checks the rest.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OPENFOLD_COMMIT } from '../../../steps/predict/contract.js';
import { ROOT } from '../../helpers/env.js';

const dockerfile = readFileSync(join(ROOT, 'images', 'openfold', 'Dockerfile'), 'utf8');
const instructions = dockerfile.split('\n').filter((l) => !l.startsWith('#'));

test('OpenFold is pinned to the full commit the contract declares, in every stage that names it', () => {
  assert.match(OPENFOLD_COMMIT, /^[0-9a-f]{40}$/);
  const pins = [...dockerfile.matchAll(/^ARG OPENFOLD_COMMIT=(\S+)$/gm)].map((m) => m[1]);
  assert.ok(pins.length >= 1);
  for (const pin of pins) assert.is(pin, OPENFOLD_COMMIT);
  assert.match(dockerfile, /rev-parse HEAD\)" = "\$\{OPENFOLD_COMMIT\}"/);
});

test('multi-stage: CUDA devel to build, CUDA runtime to run, Node 20, the runtime the predict step expects', () => {
  const froms = instructions.filter((l) => l.startsWith('FROM '));
  assert.ok(froms.length >= 3, froms.join(' | '));
  assert.match(dockerfile, /ARG CUDA_DEVEL_IMAGE=nvidia\/cuda:\S+-devel-\S+/);
  assert.match(dockerfile, /ARG NODE_IMAGE=node:20\.\S+/);
  assert.match(dockerfile, /COPY --from=openfold-build \/opt\/openfold \/opt\/openfold/);
  assert.match(dockerfile, /CONDA_PREFIX=\/opt\/openfold-env/);
});

test('weights are mounted, not baked: no parameter download in the image', () => {
  assert.not.match(instructions.join('\n'), /params|openfold_params|download_openfold|aws s3|\.npz|\.pt\b/);
});

test.run();
