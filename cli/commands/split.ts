// `openfold-argo split FASTA|s3://URL --out RUN/split [--config FILE]`: per-target FASTA files, manifest and plan.
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { loadConfig } from '../../generators/config/load.js';
import { runSplit } from '../../steps/split/split.js';
import { startStepUsage, withUsage } from '../../estimate/usage.js';
import { summaryLine } from '../../estimate/format.js';

const USAGE = `usage: openfold-argo split FASTA|s3://BUCKET/KEY --out DIR [--config FILE] [--align-mode full_dbs|mmseqs]

Splits a multi-FASTA (plain or gzip) into DIR/fasta/<tag>.fasta and writes DIR/manifest.json,
DIR/plan.json, DIR/chunks.json (see steps/split/README.md) and DIR/estimate.json, the run's estimate for
--align-mode (default alignment.mode), which the report compares with what the run measured.`;

export const command: Command = {
  summary: 'split a multi-FASTA into targets and plan align groups and prediction chunks',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        config: { type: 'string' },
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
    const alignMode = values['align-mode'];
    if (alignMode !== undefined && alignMode !== 'full_dbs' && alignMode !== 'mmseqs')
      throw new UserError(`--align-mode: expected full_dbs or mmseqs, got ${JSON.stringify(alignMode)}`);
    const out = values.out;
    const runDir = basename(resolve(out)) === 'split' ? dirname(resolve(out)) : undefined;
    const usage = startStepUsage(runDir, 'split', '', config, 'light');
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
