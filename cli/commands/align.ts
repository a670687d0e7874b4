// `openfold-argo align`: MSA and template searches for an align group of a run's plan, or for FASTA files.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../generators/config/load.js';
import type { AlignMode, Config } from '../../generators/config/types.js';
import type { Command } from '../command.js';
import { EXIT, UserError } from '../../common/errors.js';
import { AlignInputError, alignTargets, type AlignTarget } from '../../steps/align/align.js';
import { SEARCHES, type SearchName } from '../../steps/align/contract.js';
import { killRunningTools, ToolError } from '../../steps/align/tools.js';
import { decodeFastaBytes, FastaError, parseFasta, type FastaRecord } from '../../steps/split/fasta.js';
import { assignTags, isSafeTag } from '../../steps/split/tags.js';
import { runDirOfPlan, startStepUsage, withUsage } from '../../estimate/usage.js';
import { alignWithServer, type ServerTarget } from '../../steps/align/server.js';
import { MsaServerError } from '../../steps/align/colabfold-client.js';
import { isPairKey } from '../../steps/split/chains.js';

const USAGE = `usage:
  openfold-argo align --fasta FILE... --out DIR [--config FILE] [--mode full_dbs|mmseqs] [--cpu N]
  openfold-argo align --plan RUN/split/plan.json --group N --out RUN/alignments [--mode M] [--cpu N]
modes: full_dbs, mmseqs (local searches), colabfold_server (alignment.msaServer.url: the sequences go there)
options:
  --search NAME   run only this search of each target into its staging folder (per-database fan-out)
  --finalize      only assemble the staged searches into OUT/<tag>/ with its manifest
  --no-cache      neither read nor fill alignment.cacheDir
  --verify        hash every output of a finished target (otherwise sizes are checked, and files whose
                  mtime moved are hashed) before calling it up to date
Targets of --fasta are named as split names them: the header's first word (CAMEO pdbid_chain, UniProt
accession), letters, digits and "_" only, made unique with _2, _3, ...`;

function readBytes(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UserError(`${what} ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message}`);
  }
}
const readText = (file: string, what: string): string => readBytes(file, what).toString('utf8');

/** The split step's parser (plain or gzip FASTA), with the file named in its one-line errors. */
function readFasta(file: string): FastaRecord[] {
  try {
    return parseFasta(decodeFastaBytes(readBytes(file, 'FASTA'), file), file);
  } catch (e) {
    if (e instanceof FastaError) throw new UserError(e.message.startsWith(file) ? e.message : `${file}: ${e.message}`);
    throw e;
  }
}

/** Targets of FASTA files, tagged by the split step's rule (assignTags: letters, digits and "_", unique). */
function targetsFromFasta(files: string[]): AlignTarget[] {
  const records = files.flatMap(readFasta);
  let tags: string[];
  try {
    tags = assignTags(records.map((r) => r.header));
  } catch (e) {
    if (e instanceof FastaError) throw new UserError(`${files.join(', ')}: ${e.message}`);
    throw e;
  }
  return records.map((r, i) => ({ tag: tags[i], sequence: r.sequence }));
}

function targetsFromPlan(planFile: string, group: string): ServerTarget[] {
  let plan: { alignGroups?: Array<{ id: number; tags: string[] }> };
  try {
    plan = JSON.parse(readText(planFile, 'plan'));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`plan ${planFile}: not JSON: ${(e as Error).message}`);
  }
  const id = Number(group);
  const g = plan.alignGroups?.find((x) => x.id === id);
  if (!Number.isInteger(id) || !g) throw new UserError(`plan ${planFile}: no align group ${JSON.stringify(group)}`);
  return g.tags.map((tag, i) => {
    // A tag names folders under --out: only what split could have written (no "/", "..", leading ".").
    if (!isSafeTag(tag)) throw new UserError(`plan ${planFile}: alignGroups[${id}].tags[${i}]: not a safe tag: ${JSON.stringify(tag)}`);
    const file = join(dirname(planFile), 'fasta', `${tag}.fasta`);
    const records = readFasta(file);
    // A paired MSA (OpenFold3 split, colabfold_server mode): one record per protein chain of the complex.
    if (isPairKey(tag)) {
      if (records.length < 2) throw new UserError(`${file}: a paired target needs two or more records, found ${records.length}`);
      return { tag, sequence: '', partners: records.map((r) => ({ tag: r.header, sequence: r.sequence })) };
    }
    if (records.length !== 1) throw new UserError(`${file}: expected one record, found ${records.length}`);
    return { tag, sequence: records[0].sequence };
  });
}

function cpuOf(value: string | number | undefined): number {
  if (value === undefined) return availableParallelism();
  const text = String(value);
  const n = text.endsWith('m') ? Number(text.slice(0, -1)) / 1000 : Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`--cpu: expected a positive number, got ${JSON.stringify(text)}`);
  return Math.max(1, Math.floor(n));
}

export const command: Command = {
  summary: 'MSA and template searches (jackhmmer/hhblits/hhsearch or MMseqs2) with done-manifests and a cache',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        fasta: { type: 'string', multiple: true },
        plan: { type: 'string' },
        group: { type: 'string' },
        out: { type: 'string' },
        config: { type: 'string' },
        mode: { type: 'string' },
        cpu: { type: 'string' },
        search: { type: 'string' },
        finalize: { type: 'boolean', default: false },
        'no-cache': { type: 'boolean', default: false },
        verify: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return EXIT.ok;
    }
    if (!values.out) throw new UserError(`--out is required\n${USAGE}`);
    if (!values.fasta === !values.plan) throw new UserError(`give either --fasta FILE... or --plan FILE --group N\n${USAGE}`);
    if (values.plan && values.group === undefined) throw new UserError('--plan needs --group N');
    if (values.search && values.finalize) throw new UserError('--search and --finalize are separate steps; give one');
    const config = loadConfig({ file: values.config });
    const mode = (values.mode ?? config.alignment.mode) as AlignMode;
    if (!(mode in SEARCHES))
      throw new UserError(`--mode: expected full_dbs, mmseqs or colabfold_server, got ${JSON.stringify(values.mode)}`);
    const cpu = cpuOf(values.cpu ?? config.alignment.resources.cpu);
    const targets: ServerTarget[] = values.fasta ? targetsFromFasta(values.fasta) : targetsFromPlan(values.plan!, values.group!);
    if (mode === 'colabfold_server') {
      if (values.search || values.finalize) throw new UserError('--search and --finalize are for local searches, not colabfold_server');
      try {
        const results = await alignWithServer(targets, { config, out: values.out, cache: !values['no-cache'] });
        const count = (o: string) => results.filter((r) => r.outcome === o).length;
        console.log(
          `align: ${results.length} target(s) from the MSA server ${config.alignment.msaServer.url}: ${count('aligned')} aligned, ${count('cached')} from the cache, ${count('up-to-date')} up to date`,
        );
        return EXIT.ok;
      } catch (e) {
        if (e instanceof MsaServerError) throw new UserError(`MSA server ${config.alignment.msaServer.url}: ${e.message}`, EXIT.failed);
        throw e;
      }
    }
    const paired = targets.find((t) => t.partners);
    if (paired) throw new UserError(`${paired.tag}: a paired MSA comes from the MSA server; align it with --mode colabfold_server`);

    // Pod run time for the report's cost (RUN/usage); a per-database pod is `group:search`.
    const podId = `${values.group}${values.search ? `:${values.search}` : values.finalize ? ':finalize' : ''}`;
    const usage = values.plan ? startStepUsage(runDirOfPlan(values.plan), 'align', podId, config, 'align') : undefined;
    // A terminated pod takes its tools down with it instead of leaving them running.
    const onSignal = (signal: NodeJS.Signals) => {
      killRunningTools('SIGKILL');
      const code = 128 + (signal === 'SIGINT' ? 2 : 15);
      usage?.finish(code);
      process.exit(code);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    return withUsage(usage, () => alignWith(targets as AlignTarget[], values, config, mode, cpu)).finally(() => {
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
    });
  },
};

type AlignValues = { out?: string; 'no-cache'?: boolean; verify?: boolean; search?: string; finalize?: boolean };

async function alignWith(targets: AlignTarget[], values: AlignValues, config: Config, mode: AlignMode, cpu: number): Promise<number> {
  try {
    const results = await alignTargets(
      targets,
      // Absolute: the searches run in their own working folders.
      { config, out: resolve(values.out as string), mode, cpu, cache: !values['no-cache'], verify: values.verify },
      { search: values.search as SearchName | undefined, finalize: values.finalize },
    );
    const count = (o: string) => results.filter((r) => r.outcome === o).length;
    console.log(
      `align: ${results.length} target(s): ${count('aligned')} aligned, ${count('cached')} from the cache, ${count('up-to-date')} up to date, ${count('staged')} staged`,
    );
    return EXIT.ok;
  } catch (e) {
    if (e instanceof ToolError) {
      throw new UserError(e.message, e.missing ? EXIT.missingTool : e.oomOrSignal ? EXIT.oomOrSignal : EXIT.failed);
    }
    if (e instanceof AlignInputError) throw new UserError(e.message, EXIT.failed);
    throw e;
  }
}
