// `openfold-argo report RUN`: collects the run's outcomes into RUN/report.json and RUN/report.html.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { writeReport } from '../../steps/collect/report.js';
import { loadConfig } from '../../generators/config/load.js';
import { startStepUsage, withUsage } from '../../estimate/usage.js';
import { pruneOldRuns } from '../../steps/collect/retention.js';
import { durationSeconds } from '../../generators/argo/units.js';

const USAGE = `usage: openfold-argo report RUN_DIR [--config FILE] [--metrics-dir DIR] [--final] [--prune-runs-older-than DURATION]

Reads RUN_DIR/split/manifest.json, RUN_DIR/alignments/<tag>/manifest.json and RUN_DIR/results/<tag>/result.json
(any may be missing: the report says what has not run yet), writes RUN_DIR/report.json and RUN_DIR/report.html
and prints a Markdown summary, with the run's measured cost (prices from the config: --config FILE, else
$OPENFOLD_ARGO_CONFIG, else the default) beside the estimate split made (split/estimate.json).
--metrics-dir DIR also writes one file per status holding its target count (the workflow's Prometheus gauges).
--final: every align and predict step of the run has ended (the workflow's collect step says so): a target
without a result is counted as not_run, with the step that left it so, never as pending.
--prune-runs-older-than DURATION (30d, 12h), after the report: deletes the run folders beside RUN_DIR (those
with split/ or report.json) unchanged for longer (config input.keepRunsFor).`;

/** Target counts by status, one small file each, written atomically (read as Argo output parameters). */
function writeCounts(dir: string, byStatus: Record<string, number>): void {
  mkdirSync(dir, { recursive: true });
  for (const [status, n] of Object.entries(byStatus)) {
    const file = join(dir, `targets-${status.replace(/_/g, '-')}`);
    writeFileSync(`${file}.tmp`, String(n));
    renameSync(`${file}.tmp`, file);
  }
}

export const command: Command = {
  summary: 'collect a run into report.json and report.html (with a Markdown summary)',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        'metrics-dir': { type: 'string' },
        final: { type: 'boolean', default: false },
        'prune-runs-older-than': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UserError(`expected one run directory, got ${positionals.length}\n${USAGE}`);
    const run = resolve(positionals[0]);
    const config = loadConfig({ file: values.config });
    // The collect pod's own run time is part of the run's cost: recorded only where a run directory exists.
    const usage = existsSync(join(run, 'split')) ? startStepUsage(run, 'collect', '', config, 'light') : undefined;
    return withUsage(usage, async () => {
      const { report, markdown, files } = await writeReport(run, { config, final: values.final });
      if (values['metrics-dir']) writeCounts(values['metrics-dir'], report.summary.byStatus);
      console.log(markdown);
      console.log(`\nwrote ${files.join(' and ')}`);
      const keep = values['prune-runs-older-than'];
      if (keep) {
        let ms: number;
        try {
          ms = durationSeconds(keep) * 1000;
        } catch {
          throw new UserError(`--prune-runs-older-than: expected a duration such as 30d or 12h, got ${JSON.stringify(keep)}`);
        }
        const pruned = pruneOldRuns(positionals[0], ms);
        console.log(
          `retention ${keep}: ${pruned.removed.length} old run folder(s) deleted${pruned.removed.length ? ` (${pruned.removed.join(', ')})` : ''}, ${pruned.kept} kept`,
        );
      }
      return 0;
    });
  },
};
