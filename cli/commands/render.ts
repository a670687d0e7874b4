// `openfold-argo render [--config FILE] [--out DIR] [--chart DIR] [--check]`: the Argo resources of the config as YAML.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { relative, resolve } from 'node:path';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../generators/config/load.js';
import { renderFiles, writeRendered, type RenderedFile } from '../../generators/render.js';
import { chartFiles, writeChart } from '../../generators/chart.js';
import { projectRoot } from '../../common/paths.js';
import { withConfigReference } from '../../generators/config/reference.js';
import { imagePinWarnings } from '../../generators/config/images.js';

/** The README's configuration reference follows the schema (regenerated with the default workflows/). */
function updateReadme(): string[] {
  const file = resolve(projectRoot(), 'README.md');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const next = withConfigReference(text);
  if (next === text) return [];
  writeFileSync(file, next);
  return ['README.md'];
}

const HELP = `usage: openfold-argo render [--config FILE] [--out DIR] [--chart DIR] [--check]

Renders the WorkflowTemplates, CronWorkflows and ConfigMaps of the config (default: the EKS + FSx example)
into DIR (default: workflows/ of the project), one resource per file.
  --chart DIR  (re)generate the Helm chart in DIR from the config: templates/argo/, values.yaml,
               values.schema.json, Chart.yaml (with --chart alone, workflows/ is not written)
  --check   write nothing; exit 1 if DIR differs from what the generators produce`;

export const command: Command = {
  summary: 'render the Argo resources of a config as YAML (default into workflows/)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        out: { type: 'string' },
        chart: { type: 'string' },
        check: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const config = loadConfig({ file: values.config });
    for (const w of imagePinWarnings(config)) console.error(`warning: ${w}`);
    const configFile = values.config ? resolve(values.config) : DEFAULT_CONFIG_FILE;
    const name = relative(projectRoot(), configFile).startsWith('..') ? configFile : relative(projectRoot(), configFile);
    const targets: { dir: string; files: RenderedFile[]; write: (dir: string, files: RenderedFile[]) => string[] }[] = [];
    if (values.out || !values.chart)
      targets.push({ dir: values.out ?? resolve(projectRoot(), 'workflows'), files: renderFiles(config, name), write: writeRendered });
    if (values.chart) targets.push({ dir: values.chart, files: chartFiles(config, name), write: writeChart });
    for (const { dir: out, files, write } of targets) {
      if (values.check) {
        const { join } = await import('node:path');
        const differs = files.filter((f) => {
          try {
            return readFileSync(join(out, f.file), 'utf8') !== f.text;
          } catch {
            return true;
          }
        });
        if (differs.length)
          throw new UserError(`${differs.map((f) => f.file).join(', ')} differ from the generators: run \`npm run render\``, 1);
        console.log(`${files.length} files up to date in ${out}`);
        continue;
      }
      const changed = write(out, files);
      if (!values.out && !values.chart) changed.push(...updateReadme());
      console.log(`${files.length} files rendered into ${out}${changed.length ? ` (changed: ${changed.join(', ')})` : ' (no change)'}`);
    }
    return 0;
  },
};
