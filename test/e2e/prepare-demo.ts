// Prepares the real-Argo e2e run of the pipeline (test/go/argo-e2e, check "pipeline"): the demo's config and
// data, laid out for two runs of the same pipeline, one under Argo's controller and one with the local executor.
//
//   node dist/test/e2e/prepare-demo.js --dir DIR --namespace NS [--model openfold3]
//
// With --model openfold3 the input is the demo's OpenFold3 query JSON (demo/demo.ts demoQueries), planned in
// small token batches so that chunks share a chain (aligned once, by the shared align groups); predictions are
// "not run" (no OpenFold3 runtime is configured here).
//
// DIR/mirror/             the demo databases' file:// mirror (demo/demo.ts), shared by both runs
// DIR/openfold-argo.yaml  the e2e config (the demo's, GPU semaphore 1, small batches), volume at /fsx
// DIR/argo/volume/        the shared volume of the Argo run (the config rebased here), demo FASTA in place
// DIR/argo/workflows/     the resources rendered for the rebased config (the same generators as workflows/)
// DIR/local/              the local executor's --workdir (volume/ holds the demo FASTA)
//
// Prints one JSON object (PreparedDemo) on stdout for the Go harness.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { rebaseConfig, resolveConfig } from '../../generators/config/load.js';
import type { Config } from '../../generators/config/types.js';
import { renderFiles, toYaml, writeRendered } from '../../generators/render.js';
import { demoConfig, prepareDemoMirror, writeDemoInput } from '../../demo/demo.js';
import { writeAtomic } from '../../executor/state.js';
import { localConfig } from '../../executor/local.js';
import { ARGO_VERSION } from '../helpers/argo.js';

/** With one GPU slot and three chunks, the predict pods must queue on the semaphore. */
const E2E_MAX_CONCURRENT_GPUS = 1;
/**
 * The demo targets are 20, 35, 56 and 76 residues. A 70-residue batch and long-sequence threshold give three
 * chunks: [20+35] and [56] on the standard GPU class, [76] alone on the long one (both hold the GPU semaphore).
 */
const E2E_RESIDUES_PER_BATCH = 70;
/**
 * The OpenFold3 demo queries have 132, 107, 96 and 48 tokens: ubq_gb1 alone on the long class, the others one
 * per standard chunk; ubiquitin (in three chunks) is aligned in the shared groups.
 */
const E2E_TOKENS_PER_BATCH = 140;
const E2E_TOKEN_THRESHOLD = 120;

export interface PreparedDemo {
  configFile: string;
  namespace: string;
  serviceAccount: string;
  maxConcurrentGpus: number;
  workflowsDir: string;
  argoRunsRoot: string;
  localWorkdir: string;
  localRunsRoot: string;
  /** Workflow parameters of the Argo run (the local run gets the same, with its own input path). */
  argoParameters: Record<string, string>;
  localParameters: Record<string, string>;
}

/** The demo's config for the e2e: same data and tools, in the harness's namespace, with a limit worth testing. */
export function e2eConfig(demo: Config, namespace: string): Config {
  const config = structuredClone(demo);
  config.namespace = namespace;
  // Rendered for the controller that runs it (versions.env), as a cluster's config would be.
  config.argoVersion = ARGO_VERSION;
  config.inference.maxConcurrentGpus = E2E_MAX_CONCURRENT_GPUS;
  config.inference.residuesPerBatch = E2E_RESIDUES_PER_BATCH;
  config.inference.longSequence.threshold = E2E_RESIDUES_PER_BATCH;
  config.openfold3.tokensPerBatch = E2E_TOKENS_PER_BATCH;
  config.openfold3.longThreshold = E2E_TOKEN_THRESHOLD;
  return resolveConfig(config, 'the e2e config (test/e2e/prepare-demo.ts)');
}

function pipelineParameters(config: Config): Record<string, string> {
  return {
    'input-fasta': config.input.fasta,
    model: config.model,
    'align-mode': config.alignment.mode,
    'max-template-date': config.inference.maxTemplateDate,
    'skip-databases': 'false',
  };
}

export async function prepare(dir: string, namespace: string, model: 'openfold' | 'openfold3' = 'openfold'): Promise<PreparedDemo> {
  const mirror = await prepareDemoMirror(join(dir, 'mirror'));
  const config = e2eConfig(demoConfig(mirror, { model }), namespace);
  const configFile = join(dir, 'openfold-argo.yaml');
  writeAtomic(configFile, toYaml(config));

  const argoConfig = rebaseConfig(config, join(dir, 'argo', 'volume'));
  const workflowsDir = join(dir, 'argo', 'workflows');
  writeRendered(workflowsDir, renderFiles(argoConfig, configFile));
  writeDemoInput(argoConfig);

  const localWorkdir = join(dir, 'local');
  const local = localConfig(config, localWorkdir);
  writeDemoInput(local);
  return {
    configFile,
    namespace: config.namespace,
    serviceAccount: config.serviceAccount,
    maxConcurrentGpus: config.inference.maxConcurrentGpus,
    workflowsDir,
    argoRunsRoot: argoConfig.input.runsRoot,
    localWorkdir,
    localRunsRoot: local.input.runsRoot,
    argoParameters: pipelineParameters(argoConfig),
    localParameters: pipelineParameters(local),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { dir: { type: 'string' }, namespace: { type: 'string' }, model: { type: 'string', default: 'openfold' } },
  });
  if (!values.dir || !values.namespace) throw new Error('usage: prepare-demo --dir DIR --namespace NS [--model openfold3]');
  if (values.model !== 'openfold' && values.model !== 'openfold3') throw new Error(`--model: openfold or openfold3, got ${values.model}`);
  console.log(JSON.stringify(await prepare(resolve(values.dir), values.namespace, values.model)));
}

await main();
