// `openfold-argo databases [--config FILE] [--only NAME...] [--refresh] [--list]`: downloads the reference
// databases and OpenFold weights onto the shared volume (steps/databases/README.md).
import { parseArgs } from 'node:util';
import { loadConfig } from '../../generators/config/load.js';
import type { ModelName } from '../../generators/config/types.js';
import { S3Error } from '../../steps/databases/client.js';
import { UnsafeEntryError } from '../../steps/databases/files.js';
import { HashError } from '../../steps/databases/hasher.js';
import {
  InstalledButInvalidError,
  InsufficientSpaceError,
  UnknownDatabaseError,
  databaseStates,
  runDatabases,
} from '../../steps/databases/install.js';
import { LockBusyError, LockLostError } from '../../steps/databases/lock.js';
import { ManifestError, configuredManifest } from '../../steps/databases/manifest.js';
import { DiskFullError } from '../../steps/databases/transfer.js';
import { CorruptArchiveError, MissingToolError } from '../../steps/databases/unpack.js';
import { selectNames, writeSelection } from '../../steps/databases/select.js';
import { UnverifiableObjectError } from '../../steps/databases/verify.js';
import { EXIT, UserError } from '../../common/errors.js';
import type { Command } from '../command.js';

const HELP = `usage: openfold-argo databases [--config FILE] [--only NAME...] [--refresh] [--verify] [--verify-installed] [--list]

Downloads the reference databases and OpenFold weights under databases.root (anonymous S3 requests), verifies
each download (pinned sha256, ETag MD5 or multipart ETag) before unpacking it, and writes
<root>/<name>/.openfold-argo-done.json with the size and sha256 of every file. A rerun skips what is installed
and valid (every file's size checked; a file whose mtime moved is hashed again).

  --config FILE   openfold-argo.yaml (default: $OPENFOLD_ARGO_CONFIG, else the EKS + FSx example)
  --only NAME     install only this database (repeatable, or comma-separated; "all" for every one)
  --model MODEL   openfold or openfold3: without --only, install that model's weights, not the other's
                  (default: the config's model)
  --refresh       fetch new or changed objects of the incrementally refreshed databases (pdb_mmcif, pdb_seqres);
                  also --refresh true|false (and --verify, --verify-installed true|false), as the workflow passes them
  --verify        hash every file of the installed databases again; one whose content changed is installed again
                  (with --list: only report, exit 1 if a file differs)
  --verify-installed  an installed database is only verified, never reinstalled: one that does not verify fails
                  the step (the pipeline's data step: other runs may be reading it)
  --list          print each database, its state and its expected files; download nothing
  --select FILE   check --only against the manifest and write the selected names to FILE as a JSON list;
                  download nothing (the databases workflow's first step: the downloads fan out over it)`;

/** Prints transfer progress at most every 30 s. */
function progress(log: (l: string) => void): (bytes: number) => void {
  let total = 0;
  let last = Date.now();
  const started = last;
  return (bytes) => {
    total += bytes;
    const now = Date.now();
    if (now - last < 30_000) return;
    last = now;
    const rate = total / ((now - started) / 1000) / 1024 ** 2;
    log(`  ${(total / 1024 ** 3).toFixed(2)} GiB fetched, ${rate.toFixed(0)} MiB/s`);
  };
}

/** The workflow passes `--refresh true|false` (and the verify flags); a person types `--refresh`. Both mean the same. */
export function normalizeFlags(args: string[], flags = ['--refresh', '--verify', '--verify-installed']): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const flag = flags.find((f) => a === f || a.startsWith(`${f}=`));
    const value = !flag
      ? undefined
      : a.startsWith(`${flag}=`)
        ? a.slice(flag.length + 1)
        : /^(true|false)$/.test(args[i + 1] ?? '')
          ? args[++i]
          : 'true';
    if (!flag) out.push(a);
    else if (value === 'true') out.push(flag);
    else if (value !== 'false') throw new UserError(`${flag}: expected true or false, got ${JSON.stringify(value)}`);
  }
  return out;
}

/** `--only a --only b`, `--only a,b`; `all` (what the workflow passes for a custom manifest) selects everything. */
export function selectedNames(only: string[] | undefined): string[] {
  const names = (only ?? [])
    .flatMap((o) => o.split(','))
    .map((n) => n.trim())
    .filter(Boolean);
  return names.includes('all') ? [] : names;
}

function modelOf(value: string | undefined): ModelName | undefined {
  if (value === undefined || value === 'openfold' || value === 'openfold3') return value;
  throw new UserError(`--model: must be openfold or openfold3, got ${JSON.stringify(value)}`);
}

export const command: Command = {
  summary: 'download, verify and unpack the reference databases and weights',
  async run(args) {
    const { values } = parseArgs({
      args: normalizeFlags(args),
      options: {
        config: { type: 'string' },
        only: { type: 'string', multiple: true },
        model: { type: 'string' },
        refresh: { type: 'boolean', default: false },
        verify: { type: 'boolean', default: false },
        'verify-installed': { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        select: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      console.log(HELP);
      return EXIT.ok;
    }
    const config = loadConfig({ file: values.config });
    try {
      const manifest = configuredManifest(config);
      if (values.select) {
        const names = selectNames(manifest, values.only ?? [], modelOf(values.model) ?? config.model);
        writeSelection(values.select, names);
        console.log(`databases: selected ${names.join(', ')}`);
        return EXIT.ok;
      }
      if (values.list) {
        const states = await databaseStates(config, manifest, { verify: values.verify });
        for (const s of states) console.log(`${s.name.padEnd(16)} ${s.state}\n${''.padEnd(17)}${s.expect.join(' ')}`);
        const bad = states.filter((s) => !s.ok);
        if (bad.length) throw new UserError(`databases: ${bad.map((s) => `${s.name}: ${s.state}`).join('; ')}`, EXIT.failed);
        return EXIT.ok;
      }
      const log = (line: string) => console.log(line);
      const outcomes = await runDatabases({
        config,
        manifest,
        only: selectedNames(values.only),
        model: modelOf(values.model),
        refresh: values.refresh,
        verify: values.verify,
        verifyInstalled: values['verify-installed'],
        log,
        onBytes: progress(log),
      });
      const count = (s: string) => outcomes.filter((o) => o.status === s).length;
      const verified = values.verify ? `, ${count('verified')} verified` : '';
      log(`databases: ${count('installed')} installed, ${count('refreshed')} refreshed, ${count('skipped')} already installed${verified}`);
      return EXIT.ok;
    } catch (e) {
      if (e instanceof ManifestError || e instanceof UnknownDatabaseError) throw new UserError(e.message, EXIT.usage);
      if (e instanceof MissingToolError) throw new UserError(e.message, EXIT.missingTool);
      const failures = [S3Error, CorruptArchiveError, InsufficientSpaceError, DiskFullError, UnsafeEntryError, UnverifiableObjectError];
      const stepFailures = [LockBusyError, LockLostError, HashError, InstalledButInvalidError];
      if (failures.some((c) => e instanceof c) || stepFailures.some((c) => e instanceof c))
        throw new UserError((e as Error).message, EXIT.failed);
      throw e;
    }
  },
};
