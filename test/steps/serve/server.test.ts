// `openfold-argo serve` for real: the HTTP server on loopback in front of the warm worker running OpenFold3 0.5.0's
// own inference code on CPU, with the RANDOM-weights test checkpoint (test only: the structures are noise and are
// checked for form). Health before and after the load; predict answers in the NIM response shape; bad inputs get
// 400/413 naming the field; a burst beyond the queue gets 503 + Retry-After and every accepted request is answered
// (the bounded load test: its counts are printed and quoted in steps/serve/README.md); one model load in all;
// no sequence in the logs; SIGTERM lets the running request finish, refuses the waiting one, and exits 0.
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEMO_PROTEINS } from '../../../demo/data/sequences.js';
import { runnerYaml } from '../../../steps/predict-openfold3/command.js';
import { ROUTES, OpenfoldServer } from '../../../steps/serve/server.js';
import type { NimResponse } from '../../../steps/serve/predict-job.js';
import { CLI, tempDir } from '../../helpers/env.js';
import { requires } from '../../helpers/gate.js';
import {
  openfold3Missing,
  openfold3Runtime,
  testCheckpoint,
  testOpenfold3Config,
  testRunnerSettings,
  type Openfold3Runtime,
  type TestCheckpoint,
} from '../../helpers/openfold3.js';

const it = requires(openfold3Missing());
const UBQ = DEMO_PROTEINS[0].sequence;
const GB1 = DEMO_PROTEINS[1].sequence;
const ASPIRIN = 'CC(=O)Oc1ccccc1C(=O)O';
const QUEUE = 1;
const BURST = 5;

let rt: Openfold3Runtime;
let ck: TestCheckpoint;
let server: OpenfoldServer;
let base = '';
const logs: string[] = [];

interface Reply {
  status: number;
  body: Record<string, unknown>;
  retryAfter: string | null;
  seconds: number;
}

/** One HTTP call on loopback (node:http: no client-side timeout, a CPU prediction under load can take minutes). */
function call(path: string, body?: unknown, raw?: string, url = base): Promise<Reply> {
  const start = Date.now();
  const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}${path}`,
      { method: payload === undefined ? 'GET' : 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          const json = res.headers['content-type']?.startsWith('application/json');
          const retry = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            body: json ? (JSON.parse(text) as Record<string, unknown>) : { text },
            retryAfter: typeof retry === 'string' ? retry : null,
            seconds: (Date.now() - start) / 1000,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const request = (sequence: string, extra: Record<string, unknown> = {}, molecules: unknown[] = []) => ({
  request_id: 'req-1',
  inputs: [
    {
      input_id: 'ubq',
      molecules: [
        { type: 'protein', sequence, msa: { main: { a3m: { alignment: `>query\n${sequence}\n`, format: 'a3m' } } } },
        ...molecules,
      ],
      ...extra,
    },
  ],
});

const metric = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}"=]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);

test.before(async () => {
  if (openfold3Missing()) return;
  rt = openfold3Runtime();
  ck = await testCheckpoint(rt);
  const workDir = tempDir('ofa-serve-');
  const runner = join(workDir, 'runner.json');
  writeFileSync(
    runner,
    JSON.stringify(
      runnerYaml({
        seeds: [7],
        device: 'cpu',
        structureFormat: 'cif',
        useTemplates: false,
        lowMemory: false,
        extra: testRunnerSettings(ck),
      }),
    ),
  );
  server = new OpenfoldServer({
    host: '127.0.0.1',
    port: 0,
    queueCapacity: QUEUE,
    timeoutMs: 900_000,
    limits: { maxBodyBytes: 64 * 1024, maxSequenceLength: 200, maxTokens: 400, maxMolecules: 8 },
    worker: {
      python: rt.python,
      checkpoint: ck.path,
      runnerYaml: runner,
      workDir,
      env: { ...process.env, OPENFOLD_CACHE: join(workDir, 'cache') },
    },
    seeds: [7],
    log: (line) => logs.push(line),
  });
  const address = await server.start();
  base = `http://127.0.0.1:${address.port}`;
});

test.after(async () => {
  if (server) await server.shutdown();
});

it('health: live at once, ready only once the weights are loaded', async () => {
  assert.is((await call(ROUTES.live)).status, 200);
  const loading = await call(ROUTES.ready);
  assert.is(loading.status, 503);
  assert.equal(loading.body, { status: 'loading' });
  await server.whenReady();
  assert.equal((await call(ROUTES.ready)).body, { status: 'ready' });
  assert.match(String((await call(ROUTES.metrics)).body.text), /^openfold_argo_ready 1$/m);
});

it('predict: a structure and its scores in the NIM response shape (PDB, two samples; mmCIF with a SMILES ligand)', async () => {
  const pdb = await call(ROUTES.predict, request(UBQ, { output_format: 'pdb', diffusion_samples: 2 }));
  assert.is(pdb.status, 200, JSON.stringify(pdb.body));
  const r = pdb.body as unknown as NimResponse;
  assert.is(r.request_id, 'req-1');
  assert.is(r.outputs.length, 1);
  assert.is(r.outputs[0].input_id, 'ubq');
  const s = r.outputs[0].structures_with_scores;
  assert.is(s.length, 2);
  for (const x of s) {
    assert.is(x.format, 'pdb');
    assert.match(x.structure, /^ATOM /m);
    assert.is(x.structure.match(/^ATOM.{8} CA /gm)?.length, UBQ.length, 'one CA per residue');
    for (const k of ['confidence_score', 'complex_plddt_score', 'ptm_score', 'iptm_score'] as const) assert.type(x[k], 'number', k);
  }
  assert.ok(s[0].confidence_score >= s[1].confidence_score, 'best first');
  assert.ok(r.outputs[0].runtime_metrics.inference_seconds > 0);
  console.log(`predict: UBQ (76 residues, 2 samples, CPU, test model) answered in ${pdb.seconds.toFixed(1)} s`);

  const cif = await call(ROUTES.predict, request(GB1, {}, [{ type: 'ligand', smiles: ASPIRIN }]));
  assert.is(cif.status, 200, JSON.stringify(cif.body));
  const c = (cif.body as unknown as NimResponse).outputs[0].structures_with_scores;
  assert.is(c.length, 1);
  assert.is(c[0].format, 'cif');
  assert.match(c[0].structure, /_atom_site\./);
  assert.match(c[0].structure, /HETATM/);
});

it('bad inputs: 400/413 naming the field; the OpenFold2 route is not configured here', async () => {
  const cases: [unknown, string | undefined, number, string][] = [
    [undefined, '{"inputs": [', 400, 'body'],
    [request('MKV1TLL'), undefined, 400, 'inputs[0].molecules[0].sequence'],
    [request(UBQ, {}, [{ type: 'ligand', smiles: 'C1CC' }]), undefined, 400, 'inputs[0].molecules[1].smiles'],
    [request(UBQ, { output_format: 'xyz' }), undefined, 400, 'inputs[0].output_format'],
    [request(UBQ.repeat(3)), undefined, 413, 'inputs[0].molecules[0].sequence'],
    [
      request(UBQ, {}, [
        { type: 'protein', sequence: UBQ },
        { type: 'protein', sequence: UBQ },
        { type: 'protein', sequence: UBQ },
        { type: 'protein', sequence: UBQ },
        { type: 'protein', sequence: UBQ },
      ]),
      undefined,
      413,
      'inputs[0].molecules',
    ],
    [undefined, JSON.stringify(request(UBQ)).padEnd(70 * 1024), 413, 'body'],
  ];
  for (const [doc, raw, status, field] of cases) {
    const r = await call(ROUTES.predict, doc, raw);
    assert.is(r.status, status, `${field}: ${JSON.stringify(r.body)}`);
    assert.is(r.body.field, field);
  }
  assert.is((await call(ROUTES.openfold2, {})).status, 404);
  assert.is((await call('/v1/nothing')).status, 404);
});

it(`bounded load test: a burst of ${BURST} against queue ${QUEUE}: 503 + Retry-After beyond it, every accepted request answered, one model load`, async () => {
  const start = Date.now();
  const replies = await Promise.all(Array.from({ length: BURST }, () => call(ROUTES.predict, request(GB1))));
  const wall = (Date.now() - start) / 1000;
  const ok = replies.filter((r) => r.status === 200);
  const busy = replies.filter((r) => r.status === 503);
  assert.is(ok.length, QUEUE + 1, 'the running request and the full queue are answered');
  assert.is(busy.length, BURST - QUEUE - 1);
  assert.ok(
    busy.every((r) => Number(r.retryAfter) >= 1),
    'Retry-After on every 503',
  );
  assert.ok(ok.every((r) => (r.body as unknown as NimResponse).outputs[0].structures_with_scores.length === 1));
  const metrics = String((await call(ROUTES.metrics)).body.text);
  assert.is(metric(metrics, 'openfold_argo_model_loads_total'), 1, 'no model load per request');
  assert.is(metric(metrics, 'openfold_argo_requests_total{outcome="queue_full"}'), busy.length);
  assert.is(metric(metrics, 'openfold_argo_queue_depth'), 0);
  const okSeconds = ok.map((r) => r.seconds).sort((a, b) => a - b);
  const busySeconds = Math.max(...busy.map((r) => r.seconds));
  console.log(
    `load test: ${BURST} concurrent requests, queue ${QUEUE}: ${ok.length} x 200, ${busy.length} x 503 (Retry-After ${busy[0].retryAfter} s), ` +
      `0 lost; 200s answered after ${okSeconds.map((s) => s.toFixed(1)).join(', ')} s; 503s within ${busySeconds.toFixed(2)} s; wall ${wall.toFixed(1)} s`,
  );
});

it('no sequence, SMILES or alignment reaches the log', async () => {
  const all = logs.join('\n');
  assert.ok(all.includes('request 1:'), 'the log has the requests');
  for (const secret of [UBQ, GB1, ASPIRIN, UBQ.slice(0, 12), GB1.slice(10, 22)])
    assert.not.ok(all.includes(secret), `log shows ${secret.slice(0, 6)}...`);
});

it('SIGTERM (the CLI): the running request finishes, the waiting one gets 503, the process exits 0', async () => {
  const dir = tempDir('ofa-serve-cli-');
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ model: 'openfold3', volume: { mountPath: dir }, openfold3: testOpenfold3Config(rt, ck) }));
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--config', config, '--host', '127.0.0.1', '--port', '0', '--queue', '2', '--work-dir', join(dir, 'work')],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const until = async (re: RegExp) => {
    for (let i = 0; i < 1200 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 250));
    assert.match(out, re);
  };
  await until(/listening on [^\s]+:(\d+)/);
  const url = `http://127.0.0.1:${/listening on [^\s]+:(\d+)/.exec(out)![1]}`;
  await until(/; ready/);
  const running = call(ROUTES.predict, request(UBQ), undefined, url);
  await new Promise((r) => setTimeout(r, 300));
  const waiting = call(ROUTES.predict, request(GB1), undefined, url);
  await new Promise((r) => setTimeout(r, 500));
  child.kill('SIGTERM');
  const [a, b] = await Promise.all([running, waiting]);
  assert.is(a.status, 200, JSON.stringify(a.body));
  assert.is(b.status, 503);
  assert.is(await exited, 0, out.slice(-3000));
  assert.match(out, /serve: stopped/);
  assert.not.ok(out.includes(UBQ) || out.includes(GB1), 'no sequence in the CLI log');
});

test.run();
