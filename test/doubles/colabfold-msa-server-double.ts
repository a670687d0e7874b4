// TEST DOUBLE of a ColabFold MSA server (never shipped): the ticket API that ColabFold's and OpenFold3's clients
// use (POST /ticket/msa and /ticket/pair with form fields q and mode, GET /ticket/{id}, GET /result/download/{id}
// answering a tar.gz), on 127.0.0.1, running the REAL MMseqs2 on the demo databases: `mmseqs search` (the flags
// of steps/align's mmseqs mode) and `result2msa --msa-format-mode 6`, whose NUL-separated A3M database is the
// format of ColabFold's uniref.a3m. What it does not do like the real server: no taxonomy, so a pair job pairs
// hits by rank; no PDB70, so pdb70.m8 is empty. It can be told to answer RATELIMIT, HTTP 429 or 503 first, and
// records how many jobs were in flight at once (submit to download).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SEARCH = ['--num-iterations', '3', '-a', '-s', '8', '-e', '0.1', '--max-seqs', '10000', '--threads', '1', '-v', '1'];

export interface MsaServerDoubleOptions {
  /** MMseqs2 databases (plain layout): the UniRef30 stand-in and the environmental one. */
  uniref: string;
  env: string;
  workDir: string;
  /** Answer {"status": "RATELIMIT"} to this many submits first. */
  rateLimitSubmits?: number;
  /** Answer HTTP 429 (with Retry-After: 0) to this many requests of any kind first. */
  http429?: number;
  /** Answer HTTP 503 to this many requests first. */
  http503?: number;
  /** Make this many jobs end in ERROR. */
  errorJobs?: number;
}

export interface Job {
  id: string;
  endpoint: string;
  mode: string;
  sequences: string[];
  status: 'PENDING' | 'RUNNING' | 'COMPLETE' | 'ERROR';
  archive?: Buffer;
  downloaded: boolean;
}

export interface MsaServerDouble {
  url: string;
  jobs: Job[];
  requests: { method: string; path: string; status: number; userAgent?: string }[];
  /** Most jobs submitted and not yet downloaded at the same time. */
  maxInFlight(): number;
  close(): Promise<void>;
}

function parseQuery(q: string): string[] {
  return q
    .split('>')
    .filter((b) => b.trim())
    .map((b) => b.split('\n').slice(1).join('').trim());
}

/** MMseqs2 A3M database of the queries (headers 101, 102, ...) against `db`: one NUL-separated block per query. */
async function search(dir: string, sequences: string[], db: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'q.fasta'), sequences.map((s, i) => `>${101 + i}\n${s}\n`).join(''));
  await run('mmseqs', ['createdb', join(dir, 'q.fasta'), join(dir, 'qdb'), '-v', '1']);
  await run('mmseqs', ['search', join(dir, 'qdb'), db, join(dir, 'res'), join(dir, 'tmp'), ...SEARCH]);
  await run('mmseqs', ['result2msa', join(dir, 'qdb'), db, join(dir, 'res'), join(dir, 'msa'), '--msa-format-mode', '6', '-v', '1']);
  return readFileSync(join(dir, 'msa'), 'utf8')
    .split('\0')
    .filter((b) => b.trim());
}

async function buildArchive(o: MsaServerDoubleOptions, job: Job): Promise<Buffer> {
  const dir = join(o.workDir, job.id);
  const out = join(dir, 'out');
  mkdirSync(out, { recursive: true });
  if (job.endpoint === 'ticket/pair') {
    const blocks = await search(join(dir, 'pair'), job.sequences, o.uniref);
    const rows = blocks.map((b) => b.trim().split('\n'));
    // Paired by rank: row k of every chain is one "organism" (the real server pairs by taxonomy).
    const depth = Math.min(...rows.map((r) => r.length / 2));
    const paired = rows.map((r, i) => [`>${101 + i}`, r[1], ...r.slice(2, depth * 2)].join('\n'));
    writeFileSync(join(out, 'pair.a3m'), `${paired.join('\n\0')}\n`);
  } else {
    const uniref = await search(join(dir, 'uniref'), job.sequences, o.uniref);
    const env = job.mode.includes('env') ? await search(join(dir, 'env'), job.sequences, o.env) : [];
    writeFileSync(join(out, 'uniref.a3m'), uniref.join('\0'));
    if (job.mode.includes('env')) writeFileSync(join(out, 'bfd.mgnify30.metaeuk30.smag30.a3m'), env.join('\0'));
    writeFileSync(join(out, 'pdb70.m8'), '');
  }
  await run('tar', ['-czf', join(dir, 'out.tar.gz'), '-C', out, '.']);
  return readFileSync(join(dir, 'out.tar.gz'));
}

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

export async function startMsaServerDouble(o: MsaServerDoubleOptions): Promise<MsaServerDouble> {
  const jobs: Job[] = [];
  const requests: MsaServerDouble['requests'] = [];
  let rateLimits = o.rateLimitSubmits ?? 0;
  let http429 = o.http429 ?? 0;
  let http503 = o.http503 ?? 0;
  let errors = o.errorJobs ?? 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const answer = (req: IncomingMessage, res: ServerResponse, status: number, payload: unknown, type = 'application/json') => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', status, userAgent: req.headers['user-agent'] });
    res.writeHead(status, { 'content-type': type, ...(status === 429 ? { 'retry-after': '0' } : {}) });
    res.end(type === 'application/json' ? JSON.stringify(payload) : (payload as Buffer));
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (http429 > 0) {
        http429--;
        return answer(req, res, 429, { status: 'RATELIMIT' });
      }
      if (http503 > 0) {
        http503--;
        return answer(req, res, 503, { status: 'ERROR' });
      }
      const submit = /^\/ticket\/(msa|pair)$/.exec(url.pathname);
      if (req.method === 'POST' && submit) {
        const form = new URLSearchParams(await body(req));
        if (rateLimits > 0) {
          rateLimits--;
          return answer(req, res, 200, { status: 'RATELIMIT' });
        }
        const sequences = parseQuery(form.get('q') ?? '');
        if (!sequences.length || sequences.some((s) => !/^[A-Z]+$/.test(s))) return answer(req, res, 200, { status: 'ERROR' });
        const job: Job = {
          id: randomUUID(),
          endpoint: `ticket/${submit[1]}`,
          mode: form.get('mode') ?? '',
          sequences,
          status: 'PENDING',
          downloaded: false,
        };
        jobs.push(job);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const fail = errors > 0;
        if (fail) errors--;
        setImmediate(() => {
          job.status = 'RUNNING';
          if (fail) {
            job.status = 'ERROR';
            inFlight--;
            return;
          }
          buildArchive(o, job).then(
            (a) => {
              job.archive = a;
              job.status = 'COMPLETE';
            },
            () => (job.status = 'ERROR'),
          );
        });
        return answer(req, res, 200, { status: 'PENDING', id: job.id });
      }
      const status = /^\/ticket\/([\w-]+)$/.exec(url.pathname);
      if (req.method === 'GET' && status) {
        const job = jobs.find((j) => j.id === status[1]);
        return answer(req, res, 200, { status: job?.status ?? 'UNKNOWN', id: status[1] });
      }
      const download = /^\/result\/download\/([\w-]+)$/.exec(url.pathname);
      if (req.method === 'GET' && download) {
        const job = jobs.find((j) => j.id === download[1]);
        if (!job?.archive) return answer(req, res, 404, { status: 'UNKNOWN' });
        if (!job.downloaded) inFlight--;
        job.downloaded = true;
        return answer(req, res, 200, job.archive, 'application/gzip');
      }
      return answer(req, res, 404, { status: 'UNKNOWN' });
    })().catch((e: Error) => answer(req, res, 500, { status: 'ERROR', message: e.message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    jobs,
    requests,
    maxInFlight: () => maxInFlight,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
