// inference.mode: server, for real: the OpenFold3 predict step sends its batch to `openfold-argo serve` (the warm
// worker, OpenFold3's real code on CPU, the RANDOM-weights test checkpoint) and writes the same files as in batch
// mode (its own `run_openfold predict`): the same result.json (but for times), the same per-query output files,
// the same structures. Also: the server refuses a query set outside its shared root, and a plain 503 answer is
// asked again after Retry-After.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEMO_PROTEINS } from '../../../demo/data/sequences.js';
import { parseConfigText } from '../../../generators/config/load.js';
import { predictOpenfold3 } from '../../../steps/predict-openfold3/predict.js';
import { runOnServer } from '../../../steps/predict-openfold3/server-client.js';
import { queriesFromJson } from '../../../steps/predict-openfold3/targets.js';
import type { PredictResult } from '../../../steps/predict/result.js';
import { OpenfoldServer } from '../../../steps/serve/server.js';
import { workerOptions } from '../../../steps/serve/settings.js';
import { tempDir } from '../../helpers/env.js';
import { requires } from '../../helpers/gate.js';
import { openfold3Missing, openfold3Runtime, testCheckpoint, testOpenfold3Config } from '../../helpers/openfold3.js';

const it = requires(openfold3Missing());
const quiet = () => new Writable({ write: (_c, _e, done) => done() });

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p).map((f) => join(name, f)) : [name];
  });
}

const timeless = (r: PredictResult) => {
  const { completedAt: _c, predictSeconds: _p, ...rest } = r;
  void _c;
  void _p;
  return rest;
};

it('the predict step in server mode writes the same files as in batch mode', async () => {
  const rt = openfold3Runtime();
  const ck = await testCheckpoint(rt);
  const root = tempDir('ofa-server-mode-');
  const queryFile = join(root, 'queries.json');
  writeFileSync(
    queryFile,
    JSON.stringify({ queries: { gb1: { chains: [{ molecule_type: 'protein', chain_ids: ['A'], sequence: DEMO_PROTEINS[1].sequence }] } } }),
  );
  const { targets, alignedKeys } = queriesFromJson(queryFile);
  const base = { model: 'openfold3', volume: { mountPath: root }, openfold3: testOpenfold3Config(rt, ck) };
  const step = (config: ReturnType<typeof parseConfigText>, name: string) =>
    predictOpenfold3({
      config,
      chunk: 'c000',
      batches: [targets],
      alignedKeys,
      alignmentsDir: join(root, 'alignments'),
      outputDir: join(root, name, 'predictions'),
      resultsDir: join(root, name, 'results'),
      gpuClass: 'standard',
      maxTemplateDate: '2026-01-01',
      openfoldOutput: quiet(),
      note: () => undefined,
    });

  const batch = await step(parseConfigText(JSON.stringify(base), 'batch'), 'batch');
  assert.is(batch.exitCode, 0);

  const batchConfig = parseConfigText(JSON.stringify(base), 'serve');
  const server = new OpenfoldServer({
    host: '127.0.0.1',
    port: 0,
    queueCapacity: 2,
    timeoutMs: 1_800_000,
    worker: workerOptions(batchConfig, join(root, 'serve-work'), rt.python),
    seeds: batchConfig.openfold3.seeds,
    sharedRoot: root,
    log: () => undefined,
  });
  const address = await server.start();
  const url = `http://127.0.0.1:${address.port}`;
  try {
    const serverConfig = parseConfigText(JSON.stringify({ ...base, inference: { mode: 'server', serverUrl: url } }), 'server');
    const served = await step(serverConfig, 'server');
    assert.is(served.exitCode, 0);
    assert.is(served.commands.length, 1, 'the argv is still recorded');

    const read = (name: string) => JSON.parse(readFileSync(join(root, name, 'results', 'gb1', 'result.json'), 'utf8')) as PredictResult;
    const [b, s] = [read('batch'), read('server')];
    assert.is(b.status, 'predicted');
    assert.equal(timeless(s), timeless(b), 'the same result.json but for the times');
    const outputs = (name: string) => join(root, name, 'predictions', 'b000', 'attempt', 'output');
    assert.equal(files(join(outputs('server'), 'gb1')), files(join(outputs('batch'), 'gb1')), 'the same files per query');
    const model = (name: string) => readFileSync(join(root, name, b.files.model!), 'utf8');
    assert.is(model('server'), model('batch'), 'the same structure (same seed, same weights, CPU)');

    // Paths outside the shared root are refused, naming the field.
    const outside = await runOnServer(
      url,
      { queryJson: '/etc/passwd', outputDir: join(root, 'x'), seeds: [7], diffusionSamples: 1, structureFormat: 'cif' },
      () => undefined,
    );
    assert.equal(outside, { ok: false, error: `the OpenFold3 server answered 400: query_json: must be an absolute path under ${root}` });
    assert.ok(relative(root, outputs('server')).startsWith('server'));
  } finally {
    await server.shutdown();
  }
});

// A plain node:http server that answers 503 twice then 200: a test double of a busy `openfold-argo serve`.
it('the client asks a busy server again after its Retry-After', async () => {
  let calls = 0;
  const busy = createServer((req, res) => {
    calls++;
    req.resume();
    if (calls < 3) {
      res.writeHead(503, { 'retry-after': '2', 'content-type': 'application/json' });
      res.end('{"detail":"busy"}');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"seconds": 1.5, "loads": 1}');
    }
  });
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const waits: number[] = [];
  const out = await runOnServer(
    `http://127.0.0.1:${(busy.address() as AddressInfo).port}`,
    { queryJson: '/q.json', outputDir: '/o', seeds: [1], diffusionSamples: 1, structureFormat: 'cif' },
    () => undefined,
    5,
    async (s) => void waits.push(s),
  );
  busy.close();
  assert.equal(out, { ok: true, seconds: 1.5 });
  assert.equal(waits, [2, 2]);
});

test.run();
