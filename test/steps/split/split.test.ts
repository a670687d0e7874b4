import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { resolveConfig } from '../../../generators/config/load.js';
import { UserError } from '../../../common/errors.js';
import { runSplit, sha256Hex, type SplitManifest } from '../../../steps/split/split.js';
import { chunkItems, type Plan } from '../../../steps/split/plan.js';
import { CLI, ROOT, tempDir } from '../../helpers/env.js';
import { CAMEO_FASTA } from './synthetic.js';

const config = resolveConfig({});
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

async function rejection(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, UserError);
    return e as UserError;
  }
  assert.unreachable('expected a UserError');
  throw new Error('unreachable');
}

test('CAMEO: one FASTA per target, the manifest, the plan and chunks.json', async () => {
  const out = join(tempDir(), 'run', 'split');
  const s = await runSplit({ input: CAMEO_FASTA, out, config });
  assert.equal([s.targets, s.duplicates, s.residues, s.chunks, s.installed], [92, 0, 25326, 7, 'created']);
  const manifest = readJson<SplitManifest>(join(out, 'manifest.json'));
  const plan = readJson<Plan>(join(out, 'plan.json'));
  assert.is(manifest.targets.length, 92);
  assert.equal(manifest.targets[0], {
    tag: '7ELF_C',
    header: 'Cameo_3D target id: 2022-04-09_00000025_1 | pdbid: 7ELF | chain: C',
    length: 302,
    sha256: manifest.targets[0].sha256,
  });
  assert.is(readdirSync(join(out, 'fasta')).length, 92);
  const fasta = readFileSync(join(out, 'fasta', '7ELF_C.fasta'), 'utf8');
  const [header, sequence] = fasta.trimEnd().split('\n');
  assert.is(header, '>7ELF_C');
  assert.is(sequence.length, 302);
  assert.is(sha256Hex(sequence), manifest.targets[0].sha256);
  assert.equal(readJson(join(out, 'chunks.json')), chunkItems(plan));
  assert.equal(plan.limits.residuesPerBatch, config.inference.residuesPerBatch);
});

test('a rerun with the same input replaces the split in place; nothing is left beside it', async () => {
  const parent = tempDir();
  const out = join(parent, 'split');
  await runSplit({ input: CAMEO_FASTA, out, config });
  const before = readFileSync(join(out, 'plan.json'));
  const again = await runSplit({ input: CAMEO_FASTA, out, config });
  assert.is(again.installed, 'replaced');
  assert.ok(readFileSync(join(out, 'plan.json')).equals(before));
  assert.equal(readdirSync(parent), ['split']);
});

test('a different input into an existing split is refused and the old split is untouched', async () => {
  const parent = tempDir();
  const out = join(parent, 'split');
  await runSplit({ input: CAMEO_FASTA, out, config });
  const other = join(parent, 'other.fa');
  writeFileSync(other, '>x\nMKV\n');
  const err = await rejection(runSplit({ input: other, out, config }));
  assert.match(err.message, 'already holds a different split');
  assert.is(readJson<SplitManifest>(join(out, 'manifest.json')).targets.length, 92);
  assert.equal(readdirSync(parent).sort(), ['other.fa', 'split']);
});

test('bad input leaves no output directory and no temporary sibling', async () => {
  const parent = tempDir();
  const bad = join(parent, 'bad.fa');
  writeFileSync(bad, '>a\nMKV\n>b\nMK1\n');
  const err = await rejection(runSplit({ input: bad, out: join(parent, 'split'), config }));
  assert.is(err.exitCode, 2);
  assert.match(err.message, 'record 2 (">b"): invalid character "1" at residue 3 (line 4, column 3)');
  assert.equal(readdirSync(parent), ['bad.fa']);
  const missing = await rejection(runSplit({ input: join(parent, 'nope.fa'), out: join(parent, 'split'), config }));
  assert.match(missing.message, 'nope.fa: FASTA file not found');
});

test('an existing empty directory is filled (the workflow may create RUN/split first)', async () => {
  const out = join(tempDir(), 'split');
  mkdirSync(out);
  assert.is((await runSplit({ input: CAMEO_FASTA, out, config })).installed, 'created');
  assert.ok(existsSync(join(out, 'plan.json')));
});

test('gzip input gives the same split; identical sequences get duplicateOf and stay out of the plan', async () => {
  const dir = tempDir();
  const gz = join(dir, 'in.fa.gz');
  writeFileSync(
    gz,
    gzipSync(
      '>sp|P69905|HBA_HUMAN\nMVLSPADKTNVKAAWGKVGAHAGEYGAEALERMFLSFPTTKTYFPHF\n>copy of it\nmvlspadktnvkaawgkvgahageygaealermflsfpttktyfphf\n>other\nACDU\n',
    ),
  );
  const s = await runSplit({ input: gz, out: join(dir, 'split'), config });
  assert.equal(s.mappedToX, [{ tag: 'other', count: 1 }]);
  const m = readJson<SplitManifest>(join(dir, 'split', 'manifest.json'));
  assert.equal(
    m.targets.map((t) => [t.tag, t.length, t.duplicateOf]),
    [
      ['P69905', 47, undefined],
      ['copy', 47, 'P69905'],
      ['other', 4, undefined],
    ],
  );
  assert.is(readFileSync(join(dir, 'split', 'fasta', 'other.fasta'), 'utf8'), '>other\nACDX\n');
  const plan = readJson<Plan>(join(dir, 'split', 'plan.json'));
  assert.not.ok(plan.alignGroups.some((g) => g.tags.includes('copy')));
});

/** A minimal path-style S3 endpoint serving one object (HEAD and ranged GET). */
function s3Server(bucket: string, key: string, body: Buffer): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== `/${bucket}/${key}`) {
      res.writeHead(404).end();
      return;
    }
    const range = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
    const headers = { etag: '"e1"', 'content-length': String(req.method === 'HEAD' ? body.length : end - start + 1) };
    res.writeHead(range ? 206 : 200, headers);
    res.end(req.method === 'HEAD' ? undefined : body.subarray(start, end + 1));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('s3:// input is downloaded through steps/databases/s3 with the configured endpoint', async () => {
  const server = await s3Server('bkt', 'in/targets.fa', readFileSync(CAMEO_FASTA));
  try {
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const s3config = resolveConfig({ databases: { source: { endpoint } } });
    const out = join(tempDir(), 'split');
    const s = await runSplit({ input: 's3://bkt/in/targets.fa', out, config: s3config });
    assert.is(s.targets, 92);
    const missing = await rejection(runSplit({ input: 's3://bkt/none.fa', out: join(tempDir(), 'split'), config: s3config }));
    assert.match(missing.message, 's3://bkt/none.fa: download failed');
    assert.match(missing.message, 'not found');
    const bad = await rejection(runSplit({ input: 's3://bucket-only', out: join(tempDir(), 'split'), config: s3config }));
    assert.match(bad.message, 'expected s3://bucket/key');
  } finally {
    server.close();
  }
});

const run = promisify(execFile);

test('CLI: exit 0 with a summary line; exit 2 naming the record on bad input', async () => {
  const dir = tempDir();
  const ok = await run(process.execPath, [CLI, 'split', CAMEO_FASTA, '--out', join(dir, 'split')], { cwd: ROOT });
  assert.match(ok.stdout, 'split: 92 targets (0 duplicate sequences), 25326 residues -> 7 chunks');
  writeFileSync(join(dir, 'dup.fa'), '>a\nMK\n>a\nMV\n');
  const bad = await run(process.execPath, [CLI, 'split', join(dir, 'dup.fa'), '--out', join(dir, 'x')]).catch(
    (e) => e as { code: number; stderr: string },
  );
  assert.is((bad as { code: number }).code, 2);
  assert.match((bad as { stderr: string }).stderr, 'openfold-argo split: record 2 (">a"): duplicate ID "a"');
  const usage = await run(process.execPath, [CLI, 'split', CAMEO_FASTA]).catch((e) => e as { code: number; stderr: string });
  assert.is((usage as { code: number }).code, 2);
  assert.match((usage as { stderr: string }).stderr, '--out DIR is required');
});

test.run();
