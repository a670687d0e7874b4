import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { collectRun, type Report } from '../../../steps/collect/collect.js';
import { markdownSummary, writeReport } from '../../../steps/collect/report.js';
import { meanPlddt } from '../../../steps/collect/plddt.js';
import { CLI, missingTools, tempDir } from '../../helpers/env.js';
import { requires } from '../../helpers/gate.js';
import { buildFixtureRun, type FixtureRun } from './fixture-run.js';

const run = promisify(execFile);
let fixture: FixtureRun;

test.before(async () => {
  fixture = await buildFixtureRun();
});

test('each target has its measured numbers or says what has not happened yet', async () => {
  const { report, plddt } = await collectRun(fixture.run);
  const byTag = Object.fromEntries(report.targets.map((t) => [t.tag, t]));
  assert.equal(
    report.targets.map((t) => [t.tag, t.status]),
    [
      ['6KWC_1', 'predicted'],
      ['7ELF_C', 'failed'],
      ['ALIGNED_ONLY', 'pending'],
      ['NOT_STARTED', 'pending'],
      ['6KWC_copy', 'predicted'],
    ],
  );
  const p = byTag['6KWC_1'];
  assert.equal(p.msaDepth, { 'bfd_uniref_hits.a3m': 100, 'mgnify_hits.sto': 100 });
  assert.is(p.alignSeconds, 1800);
  assert.is(p.predictSeconds, 95.5);
  assert.is(p.meanPlddt, meanPlddt(fixture.plddt6kwc));
  assert.is(p.reason, undefined);
  assert.is(byTag['7ELF_C'].reason, 'CUDA out of memory (exit 86)');
  assert.is(byTag['7ELF_C'].meanPlddt, null);
  assert.is(byTag['ALIGNED_ONLY'].reason, 'aligned, not predicted yet');
  assert.is(byTag['ALIGNED_ONLY'].alignCached, true);
  assert.is(byTag['NOT_STARTED'].reason, 'not aligned yet');
  assert.equal([byTag['NOT_STARTED'].alignSeconds, byTag['NOT_STARTED'].predictSeconds, byTag['NOT_STARTED'].msaDepth], [null, null, null]);
  const dup = byTag['6KWC_copy'];
  assert.is(dup.duplicateOf, '6KWC_1');
  assert.equal([dup.meanPlddt, dup.predictSeconds, dup.files], [p.meanPlddt, p.predictSeconds, p.files]);
  assert.match(dup.reason!, "same sequence as 6KWC_1: not aligned or predicted again, numbers are 6KWC_1's");
  assert.equal(plddt.get('6KWC_1'), fixture.plddt6kwc);
});

test('the summary counts duplicates once in time and pLDDT', async () => {
  const { summary } = (await collectRun(fixture.run)).report;
  assert.equal(summary.byStatus, { predicted: 2, failed: 1, not_run: 0, pending: 2, unknown: 0 });
  assert.is(summary.targets, 5);
  assert.is(summary.duplicates, 1);
  assert.is(summary.aligned, 3);
  assert.is(summary.alignSeconds, 1800 + 600 + 30);
  assert.is(summary.gpuSeconds, 95.5);
  assert.is(summary.firstCompletedAt, '2024-05-01T09:00:00.000Z');
  assert.is(summary.lastCompletedAt, '2024-05-01T10:06:00.000Z');
  assert.is(summary.wallSeconds, 66 * 60);
  assert.is(summary.meanPlddt, meanPlddt(fixture.plddt6kwc));
});

test('a predicted result without plddt reads it from its structure; an unreadable result is "unknown"', async () => {
  const { run } = await buildFixtureRun();
  const file = join(run, 'results', '6KWC_1', 'result.json');
  const r = JSON.parse(readFileSync(file, 'utf8'));
  delete r.plddt;
  delete r.meanPlddt;
  writeFileSync(file, JSON.stringify(r));
  mkdirSync(join(run, 'results', 'NOT_STARTED'), { recursive: true });
  writeFileSync(join(run, 'results', 'NOT_STARTED', 'result.json'), '{ truncated');
  const { report, plddt } = await collectRun(run);
  const byTag = Object.fromEntries(report.targets.map((t) => [t.tag, t]));
  assert.equal(plddt.get('6KWC_1')!.length, 191);
  assert.ok(Math.abs(byTag['6KWC_1'].meanPlddt! - meanPlddt(plddt.get('6KWC_1')!)!) < 1e-9);
  assert.is(byTag['NOT_STARTED'].status, 'unknown');
  assert.match(byTag['NOT_STARTED'].reason!, 'results/NOT_STARTED/result.json: not valid JSON');
});

test('an MSA that changed after it was aligned: its depth is not shown, and the reason names the file', async () => {
  const { run } = await buildFixtureRun();
  const dir = join(run, 'alignments', '6KWC_1');
  const original = readFileSync(join(dir, 'mgnify_hits.sto'));
  truncateSync(join(dir, 'mgnify_hits.sto'), 0);
  let t = (await collectRun(run)).report.targets.find((x) => x.tag === '6KWC_1')!;
  assert.is(t.msaDepth, null);
  assert.match(t.reason!, `alignments/6KWC_1/mgnify_hits.sto: size 0 bytes, recorded ${original.length}: its MSA depth is not shown`);
  assert.is(t.status, 'predicted', 'the outcome stays; only the depth is withheld');
  // The same size, other bytes (the mtime moves with the write).
  const same = Buffer.from(original);
  same[same.indexOf('M'.charCodeAt(0), 200)] = 'W'.charCodeAt(0);
  writeFileSync(join(dir, 'mgnify_hits.sto'), same);
  utimesSync(join(dir, 'mgnify_hits.sto'), new Date(), new Date(Date.now() + 10_000));
  t = (await collectRun(run)).report.targets.find((x) => x.tag === '6KWC_1')!;
  assert.is(t.msaDepth, null);
  assert.match(t.reason!, /mgnify_hits\.sto: sha256 [0-9a-f]{12}…, recorded/);
  // A manifest without content records (written before they existed) is not trusted for depths either.
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  writeFileSync(join(dir, 'mgnify_hits.sto'), original);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, version: 1, searches: [] }));
  t = (await collectRun(run)).report.targets.find((x) => x.tag === '6KWC_1')!;
  assert.is(t.msaDepth, null);
  assert.match(t.reason!, 'no size and sha256 recorded');
});

test('--final (every step of the run has ended): a target without a result is not_run with the step that left it so', async () => {
  const { report } = await collectRun(fixture.run, { final: true });
  const byTag = Object.fromEntries(report.targets.map((t) => [t.tag, t]));
  assert.is(report.final, true);
  assert.equal(report.summary.byStatus, { predicted: 2, failed: 1, not_run: 2, pending: 0, unknown: 0 });
  assert.is(byTag['ALIGNED_ONLY'].status, 'not_run');
  assert.match(byTag['ALIGNED_ONLY'].reason!, 'aligned, never predicted: the predict step of its chunk ended without a result');
  assert.is(byTag['NOT_STARTED'].status, 'not_run');
  assert.match(byTag['NOT_STARTED'].reason!, 'never aligned: the align step of its group ended without an alignment');
  // Every target is counted exactly once, in a final state.
  const counts = report.summary.byStatus;
  assert.is(counts.predicted + counts.failed + counts.not_run + counts.unknown, report.summary.targets);
  assert.is((await collectRun(fixture.run)).report.final, false);
  const metrics = join(tempDir(), 'metrics');
  await run(process.execPath, [CLI, 'report', fixture.run, '--final', '--metrics-dir', metrics]);
  assert.equal(
    ['predicted', 'failed', 'not-run', 'pending', 'unknown'].map((k) => readFileSync(join(metrics, `targets-${k}`), 'utf8')),
    ['2', '1', '2', '0', '0'],
  );
});

test('report.json and a self-contained report.html are written; the Markdown names the failure', async () => {
  const { report, markdown } = await writeReport(fixture.run);
  const json = JSON.parse(readFileSync(join(fixture.run, 'report.json'), 'utf8')) as Report;
  assert.equal(json, JSON.parse(JSON.stringify(report)));
  const html = readFileSync(join(fixture.run, 'report.html'), 'utf8');
  for (const tag of ['6KWC_1', '7ELF_C', 'ALIGNED_ONLY', 'NOT_STARTED', '6KWC_copy']) assert.match(html, `id="target-${tag}"`);
  assert.match(html, 'id="profile-6KWC_1"');
  assert.match(html, '(also 6KWC_copy)');
  assert.match(html, 'CUDA out of memory (exit 86)');
  assert.match(html, '<circle ');
  assert.match(html, 'href="predictions/c0000/6KWC_1_model_1_ptm_unrelaxed.pdb"');
  assert.not.match(html, /NaN|undefined|null/);
  assert.not.match(html, /<script|<link|src="http/);
  assert.match(markdown, '## openfold-argo report: run-2024');
  assert.match(markdown, '- targets: 5 (2 predicted, 1 failed, 2 pending), 1 duplicate sequence');
  assert.match(markdown, '- `7ELF_C` failed: CUDA out of memory (exit 86)');
  assert.is(markdownSummary(report).split('\n').length < 20, true);
  assert.equal(
    readdirSync(fixture.run).filter((f) => f.includes('.tmp-')),
    [],
  );
});

test('CLI: prints the summary and exits 0; a directory without a split exits 2', async () => {
  const ok = await run(process.execPath, [CLI, 'report', fixture.run]);
  assert.match(ok.stdout, '## openfold-argo report: run-2024');
  assert.match(ok.stdout, 'wrote ');
  const empty = tempDir();
  const bad = await run(process.execPath, [CLI, 'report', empty]).catch((e) => e as { code: number; stderr: string });
  assert.is((bad as { code: number }).code, 2);
  assert.match((bad as { stderr: string }).stderr, 'split/manifest.json: not found');
});

requires(missingTools(['chromium'], 'apt-get install chromium'))(
  'the HTML renders in headless Chromium: a non-trivial screenshot and the rows in the DOM',
  async () => {
    await writeReport(fixture.run);
    const shot = join(tempDir(), 'report.png');
    const page = `file://${join(fixture.run, 'report.html')}`;
    const flags = (profile: string) => [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
    ];
    await run('chromium', [...flags(tempDir('ofa-chromium-')), `--screenshot=${shot}`, '--window-size=1200,1600', page], {
      timeout: 90_000,
    });
    assert.ok(existsSync(shot), 'screenshot written');
    const png = readFileSync(shot);
    assert.equal([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(statSync(shot).size > 20_000, `screenshot of ${statSync(shot).size} bytes`);
    const dom = await run('chromium', [...flags(tempDir('ofa-chromium-')), '--dump-dom', page], {
      timeout: 90_000,
      maxBuffer: 32 * 1024 * 1024,
    });
    assert.is((dom.stdout.match(/class="target-row"/g) ?? []).length, 5);
    assert.match(dom.stdout, 'id="target-6KWC_1"');
    if (process.env.KEEP_REPORT_SCREENSHOT) console.log(`screenshot: ${shot}`);
  },
);

test.run();
