import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { CAMEO_SOURCE, fetchCameoTargets } from '../../cameo/targets.js';
import { tempDir } from '../helpers/env.js';
import { CAMEO_FASTA } from '../helpers/fixtures.js';

// A loopback HTTP server stands in for the public source (no internet here); it serves the real file.
const real = readFileSync(CAMEO_FASTA);
let hits = 0;
let body = real;
const server = createServer((_req, res) => {
  hits++;
  res.end(body);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cameo.fasta`;

test('GIVEN the public file WHEN fetched THEN it is verified, cached and fetched once', async () => {
  const cacheDir = tempDir();
  const file = await fetchCameoTargets({ url, cacheDir });
  assert.equal(readFileSync(file), real);
  const headers = real.toString().match(/^>/gm)!.length;
  assert.is(headers, CAMEO_SOURCE.targets);
  const before = hits;
  assert.is(await fetchCameoTargets({ url, cacheDir }), file);
  assert.is(hits, before, 'served from the cache');
});

test('a corrupted cache entry is replaced; a tampered source is refused', async () => {
  const cacheDir = tempDir();
  const file = await fetchCameoTargets({ url, cacheDir });
  writeFileSync(file, 'garbage');
  assert.equal(readFileSync(await fetchCameoTargets({ url, cacheDir })), real);
  body = Buffer.from('>x\nMKV\n');
  try {
    await fetchCameoTargets({ url, cacheDir: tempDir() });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /sha256 .* expected 5561d062/);
  } finally {
    body = real;
  }
});

test.after(() => {
  server.close();
});
test.run();
