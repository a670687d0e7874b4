// `openfold-argo split FASTA|s3://URL --out RUN/split [--config FILE]`: per-target FASTA files, manifest and plan.
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { loadConfig } from '../../generators/config/load.js';
import type { AlignMode, ModelName } from '../../generators/config/types.js';
import { runSplit } from '../../steps/split/split.js';
import { startStepUsage, withUsage } from '../../estimate/usage.js';
import { summaryLine } from '../../estimate/format.js';
import { runQuerySplit } from '../../steps/split/split-queries.js';

const USAGE = `usage: openfold-argo split INPUT|s3://BUCKET/KEY --out DIR [--config FILE] [--model openfold|openfold3]
                          [--align-mode full_dbs|mmseqs|colabfold_server]

openfold (AF2-class): INPUT is a multi-FASTA (plain or gzip); writes DIR/fasta/<tag>.fasta, DIR/manifest.json,
DIR/plan.json, DIR/chunks.json, DIR/shared.json (see steps/split/README.md) and DIR/estimate.json, the run's
estimate for --align-mode, which the report compares with what the run measured.
openfold3: INPUT is an OpenFold3 query JSON, or a FASTA with one record per chain (>QUERY|CHAIN for complexes);
writes DIR/queries/<query>.json, DIR/fasta/<chain key>.fasta (the unique chains to align) and the same files,
planned by OpenFold3 tokens. --model and --align-mode default to the config's model and alignment.mode.`;

const MODELS: ModelName[] = ['openfold', 'openfold3'];
const ALIGN_MODES: AlignMode[] = ['full_dbs', 'mmseqs', 'colabfold_server'];

export const command: Command = {
  summary: 'split a multi-FASTA into targets and plan align groups and prediction chunks',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        config: { type: 'string' },
        model: { type: 'string' },
        'align-mode': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UserError(`expected one FASTA path or s3:// URL, got ${positionals.length}\n${USAGE}`);
    if (!values.out) throw new UserError(`--out DIR is required\n${USAGE}`);
    const config = loadConfig({ file: values.config });
    const model = (values.model ?? config.model) as ModelName;
    if (!MODELS.includes(model)) throw new UserError(`--model: must be openfold or openfold3, got ${JSON.stringify(values.model)}`);
    const alignMode = (values['align-mode'] ?? config.alignment.mode) as AlignMode;
    if (!ALIGN_MODES.includes(alignMode))
      throw new UserError(`--align-mode: must be one of ${ALIGN_MODES.join(', ')}, got ${JSON.stringify(values['align-mode'])}`);
    const out = values.out;
    const runDir = basename(resolve(out)) === 'split' ? dirname(resolve(out)) : undefined;
    const usage = startStepUsage(runDir, 'split', '', config, 'light');
    if (model === 'openfold3') {
      const q = await withUsage(usage, () => runQuerySplit({ input: positionals[0], out, config, alignMode }));
      for (const note of q.notes) console.error(`note: ${note}`);
      console.log(
        `split: ${q.targets} OpenFold3 queries (${q.duplicates} duplicates), ${q.tokens} tokens -> ` +
          `${q.chunks} chunks, ${q.alignGroups} align groups of <= ${q.targetsPerAlignGroup} chains; ` +
          `${q.installed === 'replaced' ? 'replaced identical' : 'wrote'} ${q.out}`,
      );
      return 0;
    }
    const s = await withUsage(usage, () => runSplit({ input: positionals[0], out, config, alignMode }));
    for (const m of s.mappedToX) console.error(`note: ${m.tag}: ${m.count} residue(s) B/J/O/U/Z written as X (as OpenFold reads them)`);
    console.log(
      `split: ${s.targets} targets (${s.duplicates} duplicate sequences), ${s.residues} residues -> ` +
        `${s.chunks} chunks, ${s.alignGroups} align groups of <= ${s.targetsPerAlignGroup} targets; ` +
        `${s.installed === 'replaced' ? 'replaced identical' : 'wrote'} ${s.out}`,
    );
    if (s.estimate) console.log(summaryLine(s.estimate));
    else console.error(`note: no estimate.json: ${s.estimateError ?? 'unknown error'}`);
    return 0;
  },
};
