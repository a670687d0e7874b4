// The align step's colabfold_server mode: the ticket API client (retries, backoff, bounded waits) against
// scripted answers, then the step end to end against the loopback MSA-server TEST DOUBLE that runs the real
// MMseqs2 on the demo databases (test/doubles/colabfold-msa-server-double.ts).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../../generators/config/load.js';
import { DEMO_PROTEINS } from '../../../demo/data/sequences.js';
import { ColabfoldClient, MsaServerError, splitServerA3m, ticketQuery } from '../../../steps/align/colabfold-client.js';
import { parseA3m } from '../../../steps/align/formats.js';
import type { AlignManifest } from '../../../steps/align/manifest.js';
import { chainKey, pairKey } from '../../../steps/split/chains.js';
import { missingTools, tempDir } from '../../helpers/env.js';
import { requires } from '../../helpers/gate.js';
import { startMsaServerDouble, type MsaServerDouble } from '../../doubles/colabfold-msa-server-double.js';
import { demoDatabases, runCli, TINY, workspace, type Workspace } from './fixture.js';

const SETTINGS = { url: 'http://server.invalid/', userAgent: 'test/1', pollSeconds: 1, maxWaitMinutes: 1, maxRetries: 3 };

/** A fetch that answers from a script, recording what was asked. */
function scripted(answers: Array<{ status?: number; json?: unknown; headers?: Record<string, string> } | Error>) {
  const calls: { url: string; method: string; userAgent?: string }[] = [];
  const fetchFn = (async (url: string, init: RequestInit = {}) => {
    calls.push({ url, method: init.method ?? 'GET', userAgent: (init.headers as Record<string, string>)?.['User-Agent'] });
    const a = answers.shift();
    if (!a) throw new Error('no more answers');
    if (a instanceof Error) throw a;
    return new Response(JSON.stringify(a.json ?? {}), { status: a.status ?? 200, headers: a.headers });
  }) as unknown as typeof fetch;
  const sleeps: number[] = [];
  return { fetchFn, calls, sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
}

test('the query form numbers sequences from 101; server A3Ms split by block number, NULs removed', () => {
  assert.is(ticketQuery(['MKT', 'GSH']), '>101\nMKT\n>102\nGSH\n');
  const blocks = splitServerA3m('>101\nMKT\n>h1\nMKS\n\0>102\nGSH\n>h2\nGSA\n');
  assert.equal([...blocks.keys()], [101, 102]);
  assert.is(blocks.get(102), '>102\nGSH\n>h2\nGSA\n');
});

test('rate limits, 429 (with Retry-After), 503 and network errors are retried with doubling backoff; the URL has no double slash', async () => {
  const s = scripted([
    { status: 503 },
    new Error('socket hang up'),
    { status: 429, headers: { 'retry-after': '7' } },
    { json: { status: 'RATELIMIT' } },
    { json: { status: 'PENDING', id: 'j1' } },
  ]);
  const client = new ColabfoldClient(SETTINGS, { fetch: s.fetchFn, sleep: s.sleep, random: () => 0, log: () => undefined });
  assert.is(await client.submit('ticket/msa', ['MKT'], 'env'), 'j1');
  assert.equal(s.sleeps, [1000, 2000, 7000, 1000]);
  assert.ok(s.calls.every((c) => c.url === 'http://server.invalid/ticket/msa' && c.method === 'POST' && c.userAgent === 'test/1'));
});

test('bounded: gives up after maxRetries, on ERROR, and after maxWaitMinutes of polling', async () => {
  const busy = scripted(Array.from({ length: 5 }, () => ({ status: 503 })));
  const a = new ColabfoldClient(SETTINGS, { fetch: busy.fetchFn, sleep: busy.sleep, random: () => 0, log: () => undefined });
  await a.submit('ticket/msa', ['MKT'], 'env').then(
    () => assert.unreachable(),
    (e: Error) => {
      assert.instance(e, MsaServerError);
      assert.match(e.message, /gave up after 4 attempts \(last: HTTP 503\)/);
    },
  );
  const error = scripted([{ json: { status: 'ERROR' } }]);
  const b = new ColabfoldClient(SETTINGS, { fetch: error.fetchFn, sleep: error.sleep, log: () => undefined });
  await b.submit('ticket/msa', ['MKT'], 'env').then(
    () => assert.unreachable(),
    (e: Error) => assert.match(e.message, /answered ERROR/),
  );
  let t = 0;
  const slow = scripted(Array.from({ length: 100 }, () => ({ json: { status: 'RUNNING' } })));
  const c = new ColabfoldClient(SETTINGS, {
    fetch: slow.fetchFn,
    sleep: async (ms) => void (t += ms),
    now: () => t,
    random: () => 0,
    log: () => undefined,
  });
  await c.wait('j1').then(
    () => assert.unreachable(),
    (e: Error) => assert.match(e.message, /not complete after 1 min \(last status RUNNING\)/),
  );
  assert.ok(slow.calls.length <= 62);
});

const skip = missingTools(['mmseqs', 'tar'], 'apt-get install mmseqs2');
const it = requires(skip);
const ENV = 'colabfold_env/colabfold_envdb_202108_db';
let ws: Workspace;
let server: MsaServerDouble;
let uniref = '';
let env = '';
let dbDir = '';

test.before(async () => {
  if (skip) return;
  const paths = { ...resolveConfig({}).databases.paths, colabfoldEnv: ENV };
  dbDir = await demoDatabases({ ...TINY, only: ['uniref30Mmseqs', 'colabfoldEnv'], paths });
  uniref = join(dbDir, paths.uniref30Mmseqs);
  env = join(dbDir, ENV);
});

test.after(async () => {
  await server?.close();
});

/** `openfold-argo align --plan PLAN --group 0 --out OUT` with the workspace config. */
const alignGroup0 = (planFile: string, out: string, ...more: string[]) =>
  runCli(['align', '--plan', planFile, '--group', '0', '--out', out, '--config', ws.config, ...more]);

async function start(extra: Partial<Parameters<typeof startMsaServerDouble>[0]> = {}) {
  await server?.close();
  server = await startMsaServerDouble({ uniref, env, workDir: tempDir('ofa-msa-double-'), ...extra });
  ws = workspace(dbDir, {
    alignment: {
      mode: 'colabfold_server',
      msaServer: { url: `${server.url}/`, pollSeconds: 1, maxRetries: 4, userAgent: 'openfold-argo-test/1' },
    },
  });
}

function plan(run: string, groups: string[][], fasta: Record<string, string>) {
  const split = join(run, 'split');
  for (const [key, text] of Object.entries(fasta)) {
    writeFileSync(join(split, 'fasta', `${key}.fasta`), text);
  }
  writeFileSync(
    join(split, 'plan.json'),
    JSON.stringify({ version: 1, model: 'openfold3', alignGroups: groups.map((tags, id) => ({ id, tags })), chunks: [] }),
  );
  return join(split, 'plan.json');
}

it('a group of chains is one job of the double (real MMseqs2); each chain gets uniref.a3m and the environmental A3M', async () => {
  await start({ rateLimitSubmits: 1, http503: 1 });
  const [a, b] = [DEMO_PROTEINS[0].sequence, DEMO_PROTEINS[1].sequence];
  const [ka, kb] = [chainKey('protein', a), chainKey('protein', b)];
  const run = join(ws.mount, 'runs', 'r1');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(run, 'split', 'fasta'), { recursive: true });
  const planFile = plan(run, [[ka, kb]], { [ka]: `>${ka}\n${a}\n`, [kb]: `>${kb}\n${b}\n` });
  const r = await alignGroup0(planFile, join(run, 'alignments'));
  assert.is(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /retrying in/, 'the rate limit and the 503 were retried');
  assert.is(server.jobs.length, 1, 'one job for the whole group');
  assert.equal(server.jobs[0].sequences, [a, b]);
  assert.is(server.jobs[0].mode, 'env');
  assert.ok(server.requests.every((q) => q.userAgent === 'openfold-argo-test/1'));
  for (const [key, seq] of [
    [ka, a],
    [kb, b],
  ]) {
    const dir = join(run, 'alignments', key);
    assert.equal(readdirSync(dir).sort(), ['bfd.mgnify30.metaeuk30.smag30.a3m', 'manifest.json', 'uniref.a3m']);
    const rows = parseA3m(readFileSync(join(dir, 'uniref.a3m'), 'utf8'));
    assert.is(rows[0].sequence, seq, 'the first row is the query');
    assert.ok(rows.length > 5, 'the family was found by MMseqs2');
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as AlignManifest;
    assert.is(m.mode, 'colabfold_server');
    assert.match(m.searches[0].flags[0], /^POST http:\/\/127\.0\.0\.1:\d+\/ticket\/msa mode=env$/);
    assert.is(m.msaDepth['uniref.a3m'], rows.length);
  }
  // A rerun finds them done; a new run directory takes them from the cache: no new job either way.
  const again = await alignGroup0(planFile, join(run, 'alignments'));
  assert.match(again.stdout, /2 up to date/);
  const other = await alignGroup0(planFile, join(ws.mount, 'runs', 'r2', 'alignments'));
  assert.match(other.stdout, /2 from the cache/);
  assert.is(server.jobs.length, 1);
  assert.is(server.maxInFlight(), 1);
});

it('a paired target is a ticket/pair job: one colabfold_paired block per chain, rows in the same order', async () => {
  await start({ http429: 1 });
  const [a, b] = [DEMO_PROTEINS[0].sequence, DEMO_PROTEINS[1].sequence];
  const [ka, kb] = [chainKey('protein', a), chainKey('protein', b)];
  const pk = pairKey([ka, kb]);
  const run = join(ws.mount, 'runs', 'p1');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(run, 'split', 'fasta'), { recursive: true });
  const planFile = plan(run, [[pk]], { [pk]: `>${ka}\n${a}\n>${kb}\n${b}\n` });
  const r = await alignGroup0(planFile, join(run, 'alignments'));
  assert.is(r.code, 0, r.stderr + r.stdout);
  assert.is(server.jobs[0].endpoint, 'ticket/pair');
  assert.is(server.jobs[0].mode, 'pairgreedy-env');
  const rowsA = parseA3m(readFileSync(join(run, 'alignments', pk, `${ka}.a3m`), 'utf8'));
  const rowsB = parseA3m(readFileSync(join(run, 'alignments', pk, `${kb}.a3m`), 'utf8'));
  assert.is(rowsA[0].sequence, a);
  assert.is(rowsB[0].sequence, b);
  assert.is(rowsA.length, rowsB.length, 'paired rows line up');
});

it('a job that ends in ERROR fails the step (exit 1) naming the server; nothing is written', async () => {
  await start({ errorJobs: 1 });
  const a = DEMO_PROTEINS[2].sequence;
  const ka = chainKey('protein', a);
  const run = join(ws.mount, 'runs', 'e1');
  const { mkdirSync, existsSync } = await import('node:fs');
  mkdirSync(join(run, 'split', 'fasta'), { recursive: true });
  const planFile = plan(run, [[ka]], { [ka]: `>${ka}\n${a}\n` });
  const r = await runCli([
    'align',
    '--plan',
    planFile,
    '--group',
    '0',
    '--out',
    join(run, 'alignments'),
    '--config',
    ws.config,
    '--no-cache',
  ]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /MSA server http:\/\/127\.0\.0\.1:\d+\/: job .*: the server answered ERROR/);
  assert.not.ok(existsSync(join(run, 'alignments', ka)));
});

test.run();
