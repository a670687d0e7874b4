// The run_openfold command line and runner yaml of the OpenFold3 step, and the flags of the installed 0.5.0.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildOpenfold3Command, PREDICT_FLAGS, runnerYaml } from '../../../steps/predict-openfold3/command.js';
import { requires } from '../../helpers/gate.js';
import { openfold3Missing, openfold3Runtime } from '../../helpers/openfold3.js';

const OPTS = {
  runOpenfold: '/opt/venv/bin/run_openfold',
  queryJson: '/r/b000/attempt/query.json',
  checkpoint: '/fsx/databases/openfold3_params/of3-ob-2025-06-30-174k.pt',
  runnerYaml: '/r/b000/attempt/runner.yml',
  outputDir: '/r/b000/attempt/output',
  diffusionSamples: 5,
  useTemplates: true,
};

test('argv: every setting a flag of run_openfold predict, the MSA server always given (off)', () => {
  assert.equal(buildOpenfold3Command(OPTS), [
    '/opt/venv/bin/run_openfold',
    'predict',
    '--query_json',
    OPTS.queryJson,
    '--inference_ckpt_path',
    OPTS.checkpoint,
    '--runner_yaml',
    OPTS.runnerYaml,
    '--use_msa_server',
    'false',
    '--use_templates',
    'true',
    '--num_diffusion_samples',
    '5',
    '--output_dir',
    OPTS.outputDir,
  ]);
});

test('runner yaml: seeds, CPU settings, presets, templates offline; runnerSettings merged but cannot turn the server on', () => {
  const y = runnerYaml({
    seeds: [1, 2],
    device: 'cpu',
    structureFormat: 'pdb',
    useTemplates: true,
    lowMemory: true,
    templateStructures: '/fsx/databases/pdb_mmcif/mmcif_files',
    maxTemplateDate: '2022-04-08',
    extra: {
      experiment_settings: { use_msa_server: true, seeds: [9] },
      model_update: { presets: ['predict'], custom: { architecture: { shared: { num_recycles: 1 } } } },
      data_module_args: { num_workers: 2 },
    },
  });
  assert.equal(y, {
    experiment_settings: { seeds: [1, 2], use_msa_server: false, use_templates: true },
    pl_trainer_args: { accelerator: 'cpu', devices: 1 },
    data_module_args: { num_workers: 2 },
    output_writer_settings: { structure_format: 'pdb' },
    model_update: {
      presets: ['predict', 'low_mem'],
      custom: { settings: { memory: { eval: { use_triton_triangle_kernels: false } } }, architecture: { shared: { num_recycles: 1 } } },
    },
    template_preprocessor_settings: {
      fetch_missing_structures: false,
      structure_directory: '/fsx/databases/pdb_mmcif/mmcif_files',
      max_release_date: '2022-04-08',
    },
  });
  const gpu = runnerYaml({ seeds: [42], device: 'gpu', structureFormat: 'cif', useTemplates: false, lowMemory: false });
  assert.equal(gpu.model_update, { presets: ['predict'], custom: {} });
  assert.equal(gpu.pl_trainer_args, { accelerator: 'gpu', devices: 1 });
  assert.not.ok('data_module_args' in gpu);
});

const withOpenfold3 = requires(openfold3Missing());
withOpenfold3('the installed OpenFold3 0.5.0 knows every flag the step passes (run_openfold predict --help)', () => {
  const rt = openfold3Runtime();
  const help = spawnSync(rt.runOpenfold, ['predict', '--help'], { encoding: 'utf8' });
  assert.is(help.status, 0, help.stderr);
  for (const flag of PREDICT_FLAGS) assert.match(help.stdout, new RegExp(`${flag}\\b`), flag);
  // No device flag in 0.5.0: the accelerator comes from the runner yaml.
  assert.not.match(help.stdout, /--device|--accelerator/);
});

test.run();
