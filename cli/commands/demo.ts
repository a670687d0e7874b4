// `openfold-argo demo`: the whole pipeline on a small bundled data set, with the local executor (demo/demo.ts).
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { EXIT, UserError } from '../../common/errors.js';
import { projectRoot } from '../../common/paths.js';
import { executeLocally } from '../../executor/cli.js';
import { DEMO_TOOLS, INSTALL_HINT, demoConfig, prepareDemoMirror, writeDemoInput } from '../../demo/demo.js';
import { localConfig } from '../../executor/local.js';
import { aptGetCommand, installDebianPackages, missingCommands } from '../../demo/tools.js';

const USAGE = `usage: openfold-argo demo [--workdir DIR] [--resume] [--max-parallel N] [--no-install]
                          [--openfold-dir DIR --python PATH --checkpoint FILE.pt]
                          [--model openfold3 [--run-openfold PATH --openfold3-checkpoint FILE.pt]]

Runs the full pipeline on this machine on a small bundled data set: a few real protein sequences and tiny
databases the project generates (nothing is downloaded), served to the databases step from a local file://
mirror, aligned with the real tools (jackhmmer, hhblits, hhsearch). Writes report.json and report.html.

Predictions need a local OpenFold (--openfold-dir: a checkout with run_pretrained_openfold.py, --python: its
interpreter, --checkpoint: the weights); without one the report says "not run: no OpenFold runtime".
With --model openfold3 the input is an OpenFold3 query JSON (a heterodimer, protein-ligand complexes); its
predictions need OpenFold3 (--run-openfold: its run_openfold, --openfold3-checkpoint: the weights), else
"not run: no OpenFold3 runtime".

  --workdir DIR      work directory (default .work/demo)
  --resume           continue the demo run in DIR
  --max-parallel N   steps running at once (default: the number of CPUs)
  --mirror DIR       where the database mirror is built and kept (default DIR/mirror)
  --no-install       when an alignment tool is missing, say so instead of installing it (by default the
                     demo runs apt-get install for hmmer, hhsuite, kalign, mmseqs2 where it runs as root or
                     sudo needs no password; elsewhere it prints the command)`;

export const command: Command = {
  summary: 'run the whole pipeline locally on a small bundled data set (report.html at the end)',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        workdir: { type: 'string', default: '.work/demo' },
        resume: { type: 'boolean', default: false },
        'max-parallel': { type: 'string' },
        'openfold-dir': { type: 'string' },
        python: { type: 'string' },
        checkpoint: { type: 'string' },
        model: { type: 'string', default: 'openfold' },
        'run-openfold': { type: 'string' },
        'openfold3-checkpoint': { type: 'string' },
        mirror: { type: 'string' },
        'no-install': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const tools = [...DEMO_TOOLS, ...(values['openfold-dir'] ? ['kalign'] : [])];
    let missing = missingCommands(tools);
    let why = 'not found on PATH';
    const apt = missing.length && !values['no-install'] ? aptGetCommand() : null;
    if (apt) {
      console.error(`demo: ${missing.join(', ')} not found on PATH: installing their Debian packages (--no-install to skip)`);
      const r = installDebianPackages(missing, apt, (line) => console.error(`demo: ${line}`));
      missing = r.stillMissing;
      why = `installing ${r.packages.join(' ') || 'packages'} ${r.error ? `failed (${r.error})` : 'did not provide them'}`;
    }
    if (missing.length)
      throw new UserError(
        `the demo needs ${missing.join(', ')}${apt ? ': ' : ', '}${why}. Install the alignment tools (${INSTALL_HINT}) and run it again.`,
        EXIT.missingTool,
      );
    const maxParallel = values['max-parallel'] === undefined ? availableParallelism() : Number(values['max-parallel']);
    if (!Number.isInteger(maxParallel) || maxParallel < 1)
      throw new UserError(`--max-parallel: must be a whole number >= 1, got ${JSON.stringify(values['max-parallel'])}`);
    const workdir = resolve(values.workdir!);
    const mirrorRoot = resolve(values.mirror ?? join(workdir, 'mirror'));
    console.error(`demo: preparing the demo databases mirror in ${mirrorRoot} (built once, deterministic)`);
    // If building the mirror ever stalls on an operation that never settles, Node would exit quietly with 0.
    const stalled = () => {
      console.error('openfold-argo demo: internal error: building the demo mirror stopped before it finished');
      process.exitCode = 1;
    };
    process.once('beforeExit', stalled);
    const mirror = await prepareDemoMirror(mirrorRoot).finally(() => process.off('beforeExit', stalled));
    if (values.model !== 'openfold' && values.model !== 'openfold3')
      throw new UserError(`--model: must be openfold or openfold3, got ${JSON.stringify(values.model)}`);
    const config = demoConfig(mirror, {
      openfoldDir: values['openfold-dir'],
      python: values.python,
      checkpoint: values.checkpoint,
      model: values.model,
      runOpenfold: values['run-openfold'],
      openfold3Checkpoint: values['openfold3-checkpoint'],
      // A laptop has no GPU that Lightning would find for OpenFold3 by default.
      ...(values.model === 'openfold3' ? { openfold3: { device: 'cpu' } } : {}),
    });
    writeDemoInput(localConfig(config, workdir));
    return executeLocally({
      config,
      configName: 'the demo config (demo/demo.ts)',
      workdir,
      projectRoot: projectRoot(),
      resume: values.resume,
      maxParallel,
      resumeCommand: `openfold-argo demo --workdir ${values.workdir} --resume`,
      epilogue: () =>
        config.model === 'openfold3'
          ? config.openfold3.runtime.runOpenfold
            ? []
            : ['  predictions: not run (no OpenFold3 runtime); see README "OpenFold3" to run it in the demo']
          : config.inference.runtime.openfoldDir
            ? []
            : ['  predictions: not run (no OpenFold runtime); see README "Running OpenFold locally" to run OpenFold in the demo'],
    });
  },
};
