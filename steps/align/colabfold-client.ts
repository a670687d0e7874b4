// A client of the ColabFold MSA server's ticket API, as ColabFold's run_mmseqs2 and OpenFold3's
// query_colabfold_msa_server (openfold3/core/data/tools/colabfold_msa_server.py) use it:
//   POST {url}/ticket/msa   form q=">101\nSEQ\n>102\n...", mode=env|all|env-nofilter|nofilter   -> {status, id}
//   POST {url}/ticket/pair  the same, mode=pairgreedy[-env]|paircomplete[-env]                   -> {status, id}
//   GET  {url}/ticket/{id}                                                                       -> {status}
//   GET  {url}/result/download/{id}                                                              -> a .tar.gz
// status is one of PENDING, RUNNING, COMPLETE, ERROR, RATELIMIT, UNKNOWN, MAINTENANCE. Unlike those clients,
// every wait is bounded: rate limits (RATELIMIT, HTTP 429), maintenance, server errors (5xx) and network
// failures are retried with doubling backoff up to maxRetries, polling stops after maxWaitMinutes, and a
// Retry-After header is honoured. One process sends one request at a time; the workflow's msaServer
// semaphore bounds the pods that talk to the server at once.

export interface ServerSettings {
  url: string;
  userAgent: string;
  pollSeconds: number;
  maxWaitMinutes: number;
  maxRetries: number;
}

export interface ClientHooks {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Random in [0, 1) for the jitter. */
  random?: () => number;
  log?: (line: string) => void;
  now?: () => number;
}

export class MsaServerError extends Error {
  override name = 'MsaServerError';
}

type Status = 'PENDING' | 'RUNNING' | 'COMPLETE' | 'ERROR' | 'RATELIMIT' | 'UNKNOWN' | 'MAINTENANCE';
const RETRYABLE_STATUS = new Set<Status>(['RATELIMIT', 'UNKNOWN', 'MAINTENANCE']);
const WAITING = new Set<Status>(['PENDING', 'RUNNING', 'UNKNOWN']);
/** The longest single backoff, whatever the retry count. */
const MAX_BACKOFF_MS = 120_000;

/** The query form ColabFold numbers from 101: one record per unique sequence, in order. */
export function ticketQuery(sequences: readonly string[]): string {
  return sequences.map((s, i) => `>${101 + i}\n${s}\n`).join('');
}

/** Splits a multi-query A3M of the server (blocks starting with ">101", ">102"..., NUL-separated) by number. */
export function splitServerA3m(text: string): Map<number, string> {
  const blocks = new Map<number, string[]>();
  let current: number | undefined;
  let expectHeader = true;
  for (const raw of text.split('\n')) {
    let line = raw;
    if (line.includes('\0')) {
      line = line.replace(/\0/g, '');
      expectHeader = true;
    }
    if (line === '' && current === undefined) continue;
    if (line.startsWith('>') && expectHeader) {
      const n = Number(line.slice(1).trim());
      if (!Number.isInteger(n))
        throw new MsaServerError(`server A3M: expected a block header like ">101", got ${JSON.stringify(line.slice(0, 40))}`);
      current = n;
      expectHeader = false;
      if (!blocks.has(n)) blocks.set(n, []);
    }
    if (current !== undefined && line !== '') blocks.get(current)!.push(line);
  }
  return new Map([...blocks].map(([n, lines]) => [n, `${lines.join('\n')}\n`]));
}

export class ColabfoldClient {
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly base: string;

  constructor(
    private readonly s: ServerSettings,
    hooks: ClientHooks = {},
  ) {
    this.fetchFn = hooks.fetch ?? fetch;
    this.sleep = hooks.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = hooks.random ?? Math.random;
    this.log = hooks.log ?? ((l) => console.log(l));
    this.now = hooks.now ?? Date.now;
    // A trailing slash would make ".../com//ticket/msa", which the public server redirects as a GET (OpenFold3's note).
    this.base = s.url.replace(/\/+$/, '');
  }

  /** Doubling backoff from the poll interval, capped, with up to a second of jitter per step. */
  private backoff(attempt: number, retryAfter?: number): number {
    const ms = retryAfter !== undefined ? retryAfter * 1000 : Math.min(MAX_BACKOFF_MS, this.s.pollSeconds * 1000 * 2 ** attempt);
    return ms + Math.floor(this.random() * 1000);
  }

  /** One HTTP request, retried on network errors, 429 and 5xx; other HTTP errors fail at once. */
  private async request(path: string, init: RequestInit, what: string): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let res: Response | undefined;
      let problem: string;
      try {
        res = await this.fetchFn(`${this.base}/${path}`, {
          ...init,
          headers: { 'User-Agent': this.s.userAgent, ...(init.headers ?? {}) },
          signal: AbortSignal.timeout(60_000),
        });
        if (res.ok) return res;
        problem = `HTTP ${res.status}`;
        if (res.status !== 429 && res.status < 500)
          throw new MsaServerError(`${what}: ${this.base}/${path} answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
      } catch (e) {
        if (e instanceof MsaServerError) throw e;
        problem = (e as Error).message;
      }
      if (attempt >= this.s.maxRetries) throw new MsaServerError(`${what}: gave up after ${attempt + 1} attempts (last: ${problem})`);
      const retryAfter = Number(res?.headers.get('retry-after'));
      const wait = this.backoff(attempt, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
      this.log(`msa server: ${what}: ${problem}; retrying in ${(wait / 1000).toFixed(1)} s (${attempt + 1}/${this.s.maxRetries})`);
      await this.sleep(wait);
    }
  }

  private async json(path: string, init: RequestInit, what: string): Promise<{ status: Status; id?: string }> {
    const res = await this.request(path, init, what);
    const text = await res.text();
    try {
      const doc = JSON.parse(text) as { status?: unknown; id?: unknown };
      return { status: String(doc.status) as Status, ...(typeof doc.id === 'string' ? { id: doc.id } : {}) };
    } catch {
      throw new MsaServerError(`${what}: the server did not answer JSON: ${text.slice(0, 200)}`);
    }
  }

  /** Submits until the server takes the job (rate limits and maintenance retried with backoff); returns its id. */
  async submit(endpoint: 'ticket/msa' | 'ticket/pair', sequences: readonly string[], mode: string): Promise<string> {
    const body = new URLSearchParams({ q: ticketQuery(sequences), mode });
    for (let attempt = 0; ; attempt++) {
      const out = await this.json(
        endpoint,
        { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        `submit ${endpoint}`,
      );
      if (out.status === 'ERROR')
        throw new MsaServerError(`submit ${endpoint}: the server answered ERROR (is every sequence a valid protein sequence?)`);
      if (!RETRYABLE_STATUS.has(out.status) && out.id) return out.id;
      if (!RETRYABLE_STATUS.has(out.status)) throw new MsaServerError(`submit ${endpoint}: unexpected answer ${JSON.stringify(out)}`);
      if (attempt >= this.s.maxRetries) throw new MsaServerError(`submit ${endpoint}: still ${out.status} after ${attempt + 1} attempts`);
      const wait = this.backoff(attempt);
      this.log(`msa server: submit: ${out.status}; retrying in ${(wait / 1000).toFixed(1)} s (${attempt + 1}/${this.s.maxRetries})`);
      await this.sleep(wait);
    }
  }

  /** Polls until COMPLETE; ERROR or running out of time fail. */
  async wait(id: string): Promise<void> {
    const deadline = this.now() + this.s.maxWaitMinutes * 60_000;
    for (;;) {
      const out = await this.json(`ticket/${encodeURIComponent(id)}`, {}, `status of ${id}`);
      if (out.status === 'COMPLETE') return;
      if (out.status === 'ERROR') throw new MsaServerError(`job ${id}: the server answered ERROR`);
      if (!WAITING.has(out.status) && !RETRYABLE_STATUS.has(out.status))
        throw new MsaServerError(`job ${id}: unexpected status ${out.status}`);
      if (this.now() >= deadline)
        throw new MsaServerError(`job ${id}: not complete after ${this.s.maxWaitMinutes} min (last status ${out.status})`);
      await this.sleep(this.s.pollSeconds * 1000 + Math.floor(this.random() * 5000));
    }
  }

  /** The job's result archive (tar.gz). */
  async download(id: string): Promise<Buffer> {
    const res = await this.request(`result/download/${encodeURIComponent(id)}`, {}, `download of ${id}`);
    return Buffer.from(await res.arrayBuffer());
  }

  /** Submit, wait, download. */
  async run(endpoint: 'ticket/msa' | 'ticket/pair', sequences: readonly string[], mode: string): Promise<Buffer> {
    const id = await this.submit(endpoint, sequences, mode);
    this.log(`msa server: job ${id} (${endpoint}, mode ${mode}, ${sequences.length} sequence(s)) submitted`);
    await this.wait(id);
    return this.download(id);
  }
}
