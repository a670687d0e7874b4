// Which external commands are missing, found the way spawn finds them (PATH lookup, no shell), and installing
// the Debian packages that provide them where the machine allows it without a password.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function onPath(command: string, path = process.env.PATH ?? ''): boolean {
  if (command.includes('/')) return isExecutable(command);
  return path.split(delimiter).some((dir) => dir && isExecutable(join(dir, command)));
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function missingCommands(commands: string[], path?: string): string[] {
  return commands.filter((c) => !onPath(c, path));
}

/** The Debian/Ubuntu package that provides each external command the pipeline's steps run. */
export const DEBIAN_PACKAGE: Readonly<Record<string, string>> = {
  jackhmmer: 'hmmer',
  hhblits: 'hhsuite',
  hhsearch: 'hhsuite',
  hhmake: 'hhsuite',
  ffindex_build: 'hhsuite',
  ffindex_apply: 'hhsuite',
  kalign: 'kalign',
  mmseqs: 'mmseqs2',
  tar: 'tar',
  gzip: 'gzip',
};

/**
 * How this machine can install Debian packages without asking for a password: apt-get as root, or through
 * `sudo -n`. Null where it cannot (not Debian/Ubuntu, or no password-less root): the caller says what to run.
 */
export function aptGetCommand(path = process.env.PATH ?? ''): string[] | null {
  if (!onPath('apt-get', path)) return null;
  if (process.getuid?.() === 0) return ['apt-get'];
  if (!onPath('sudo', path)) return null;
  const probe = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', env: { ...process.env, PATH: path } });
  return probe.status === 0 ? ['sudo', '-n', 'apt-get'] : null;
}

export interface InstallOutcome {
  /** The packages asked for. */
  packages: string[];
  /** What still is not on PATH afterwards. */
  stillMissing: string[];
  /** Set when apt-get could not be run or failed. */
  error?: string;
}

/**
 * Installs the Debian packages of the missing commands (apt-get update, then install -y), its output shown as
 * it runs; `apt` is aptGetCommand()'s answer. Commands without a known package are left missing.
 */
export function installDebianPackages(missing: string[], apt: string[], log: (line: string) => void): InstallOutcome {
  const packages = [...new Set(missing.map((c) => DEBIAN_PACKAGE[c]).filter(Boolean))].sort();
  const run = (args: string[]): string | undefined => {
    log(`$ ${[...apt, ...args].join(' ')}`);
    const r = spawnSync(apt[0], [...apt.slice(1), ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.error) return `${apt[0]}: ${r.error.message}`;
    if (r.status !== 0) return `${[...apt, ...args].join(' ')} exited with ${r.status ?? r.signal}`;
    return undefined;
  };
  let error: string | undefined;
  if (packages.length) {
    const update = run(['update']);
    if (update) log(`warning: ${update}; installing from the package lists already there`);
    error = run(['install', '-y', '--no-install-recommends', ...packages]);
  }
  return { packages, stillMissing: missingCommands(missing), ...(error ? { error } : {}) };
}
