// inference.mode: server: a batch of the predict step goes to `openfold-argo serve` (its /v1/openfold3/query-set
// route) instead of a `run_openfold predict` of its own; the server's warm model writes the same output folder.
// A busy server (503) is asked again after its Retry-After, a bounded number of times.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export const QUERY_SET_ROUTE = '/v1/openfold3/query-set';

export interface ServerBatch {
  readonly queryJson: string;
  readonly outputDir: string;
  readonly seeds: readonly number[];
  readonly diffusionSamples: number;
  readonly structureFormat: 'cif' | 'pdb';
}

export type ServerOutcome = { ok: true; seconds: number } | { ok: false; error: string };

interface HttpReply {
  status: number;
  text: string;
  retryAfter?: number;
}

function post(url: URL, body: string): Promise<HttpReply> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        const retry = Number(res.headers['retry-after']);
        resolve({ status: res.statusCode ?? 0, text, ...(Number.isFinite(retry) ? { retryAfter: retry } : {}) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends one batch; resolves to its outcome (never throws). */
export async function runOnServer(
  serverUrl: string,
  batch: ServerBatch,
  note: (line: string) => void,
  attempts = 20,
  sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000)),
): Promise<ServerOutcome> {
  const url = new URL(QUERY_SET_ROUTE, serverUrl);
  const body = JSON.stringify({
    query_json: batch.queryJson,
    output_dir: batch.outputDir,
    seeds: batch.seeds,
    diffusion_samples: batch.diffusionSamples,
    structure_format: batch.structureFormat,
  });
  for (let i = 1; i <= attempts; i++) {
    let reply: HttpReply;
    try {
      reply = await post(url, body);
    } catch (e) {
      return { ok: false, error: `the OpenFold3 server at ${url.origin} did not answer: ${(e as Error).message}` };
    }
    if (reply.status === 200) return { ok: true, seconds: (JSON.parse(reply.text) as { seconds: number }).seconds };
    if (reply.status !== 503 || i === attempts) {
      const detail = (() => {
        try {
          return String((JSON.parse(reply.text) as { detail?: unknown }).detail);
        } catch {
          return reply.text.slice(0, 300);
        }
      })();
      return { ok: false, error: `the OpenFold3 server answered ${reply.status}: ${detail}` };
    }
    const wait = Math.min(Math.max(reply.retryAfter ?? 30, 1), 600);
    note(`predict: the OpenFold3 server is busy (503); again in ${wait} s (${i}/${attempts})`);
    await sleep(wait);
  }
  return { ok: false, error: 'unreachable' };
}
