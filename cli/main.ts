// Entry point of the `openfold-argo` CLI: picks the command, runs it, and maps errors to messages and exit codes.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../generators/config/load.js';
import { UserError } from '../common/errors.js';
import { writeTerminationMessage } from '../common/termination.js';
import type { Command } from './command.js';

type Loader = () => Promise<{ command: Command }>;

// Lazy imports keep start-up fast: a step pod only loads the command it runs.
const COMMANDS: Record<string, Loader> = {
  render: () => import('./commands/render.js'),
  lint: () => import('./commands/lint.js'),
  split: () => import('./commands/split.js'),
  estimate: () => import('./commands/estimate.js'),
  databases: () => import('./commands/databases.js'),
  'check-parameters': () => import('./commands/check-parameters.js'),
  align: () => import('./commands/align.js'),
  predict: () => import('./commands/predict.js'),
  evaluate: () => import('./commands/evaluate.js'),
  report: () => import('./commands/report.js'),
  cameo: () => import('./commands/cameo.js'),
  run: () => import('./commands/run.js'),
  serve: () => import('./commands/serve.js'),
  demo: () => import('./commands/demo.js'),
  install: () => import('./commands/install.js'),
  submit: () => import('./commands/submit.js'),
  watch: () => import('./commands/watch.js'),
  status: () => import('./commands/status.js'),
  logs: () => import('./commands/logs.js'),
  list: () => import('./commands/list.js'),
  get: () => import('./commands/get.js'),
  retry: () => import('./commands/retry.js'),
  resubmit: () => import('./commands/resubmit.js'),
  stop: () => import('./commands/stop.js'),
  terminate: () => import('./commands/terminate.js'),
  delete: () => import('./commands/delete.js'),
};

async function usage(): Promise<string> {
  const lines = ['usage: openfold-argo <command> [options]', '', 'commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const { command } = await load();
    lines.push(`  ${name.padEnd(16)} ${command.summary}`);
  }
  lines.push('', 'Run `openfold-argo <command> --help` for the options of a command; `openfold-argo --version` for the version.');
  return lines.join('\n');
}

/** The message, its one-line reason (no usage text, no stack) and the exit code of an error that ends a command. */
function failure(name: string, e: unknown): { message: string; reason: string; code: number } {
  const withoutUsage = (m: string) => m.replace(/\nusage:[\s\S]*$/, '');
  if (e instanceof ConfigError) return { message: e.message, reason: e.message, code: 2 };
  if (e instanceof UserError) return { message: `openfold-argo ${name}: ${e.message}`, reason: withoutUsage(e.message), code: e.exitCode };
  const err = e as Error & { code?: string };
  if (
    err?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ||
    err?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ||
    err?.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'
  )
    return { message: `openfold-argo ${name}: ${err.message}`, reason: err.message, code: 2 };
  return {
    message: `openfold-argo ${name}: internal error: ${err?.stack ?? String(e)}`,
    reason: `internal error: ${err?.message ?? String(e)}`,
    code: 1,
  };
}

/** `openfold-argo <version> [(revision <commit>)]`: the package version, and the commit an image was built from. */
function versionLine(): string {
  const read = (file: string) => {
    try {
      return readFileSync(new URL(file, import.meta.url), 'utf8').trim();
    } catch {
      return '';
    }
  };
  const pkg = JSON.parse(read('../../package.json')) as { version: string };
  // REVISION is written by the image builds (images/*/Dockerfile); a checkout has none.
  const revision = read('../../REVISION');
  return `openfold-argo ${pkg.version}${revision && revision !== 'unknown' ? ` (revision ${revision})` : ''}`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    console.log(versionLine());
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`openfold-argo: unknown command "${name}"; run \`openfold-argo --help\` for the list`);
    return 2;
  }
  try {
    const { command } = await load();
    return await command.run(rest);
  } catch (e) {
    const { message, reason, code } = failure(name, e);
    console.error(message);
    // The reason in one line where the step's runtime reports it (Argo's node message, the local summary).
    writeTerminationMessage(reason);
    return code;
  }
}
