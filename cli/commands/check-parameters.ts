// `openfold-argo check-parameters NAME=VALUE...`: the first step of the pipeline. Argo checks no pattern and,
// for a Workflow submitted by reference, not even the template's enums (common/parameters.ts), so the
// workflow checks its own parameters before any download or alignment: one line per bad value, exit 2.
import { parseArgs } from 'node:util';
import { parameterProblems } from '../../common/parameters.js';
import { EXIT, UserError } from '../../common/errors.js';
import { loadConfig } from '../../generators/config/load.js';
import { PIPELINE_PARAMETERS } from '../../generators/templates/pipeline.js';
import type { Command } from '../command.js';

const USAGE = `usage: openfold-argo check-parameters [--config FILE] NAME=VALUE...

Checks workflow parameters as the pipeline's first step does: max-template-date (YYYY-MM-DD, a real day, or
today), input-fasta (an absolute path or s3://bucket/key), and the enums of the pipeline's parameters
(align-mode, skip-databases), which Argo does not check for a Workflow submitted by reference. Exit 2 with
one line naming each bad parameter.`;

export const command: Command = {
  summary: "check workflow parameters (the pipeline's first step): dates, locations, enums",
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    });
    if (values.help) {
      console.log(USAGE);
      return EXIT.ok;
    }
    const config = loadConfig({ file: values.config });
    const declared = PIPELINE_PARAMETERS(config);
    const given: Record<string, string> = {};
    for (const p of positionals) {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new UserError(`${JSON.stringify(p)}: expected NAME=VALUE`);
      const name = p.slice(0, eq);
      if (!declared.some((d) => d.name === name))
        throw new UserError(`${name}: not a parameter of the pipeline (it has ${declared.map((d) => d.name).join(', ')})`);
      given[name] = p.slice(eq + 1);
    }
    const enums = Object.fromEntries(declared.map((d) => [d.name, d.enum?.map(String)]));
    const problems = parameterProblems(given, {}, enums);
    if (problems.length) throw new UserError(problems.join('; '));
    console.log(`check-parameters: ${Object.keys(given).length} parameter(s) valid`);
    return EXIT.ok;
  },
};
