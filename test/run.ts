// Test runner: runs every compiled uvu test file (dist/test/**/*.test.js) in its own Node process, two at a
// time, and ends with the line `N passed, N failed, N skipped`. Usage: node dist/test/run.js [FILTER...]
// A skipped test is counted as skipped, never passed, and must say why: each file's `SKIP "<test>": <reason>`
// lines (printed by requires() in helpers/gate.ts) must match uvu's count of skipped tests, else the file fails.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARGO_VERSION, missingArgoMaterial } from './helpers/argo.js';
import { SKIP_PREFIX } from './helpers/env.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const filters = process.argv.slice(2);
// Project-local tools (Go-built helm, S3 server, Argo validator) live in .cache/bin.
process.env.PATH = `${join(root, '.cache', 'bin')}:${process.env.PATH ?? ''}`;
const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);

/** Compiled test files whose source still exists (dist/ may hold tests of files since moved or deleted). */
function find(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return find(p);
    const source = join(root, relative(join(root, 'dist'), p)).replace(/\.js$/, '.ts');
    return name.endsWith('.test.js') && existsSync(source) ? [p] : [];
  });
}

interface Outcome {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  output: string;
  code: number | null;
}

function runFile(file: string): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', file], {
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      const num = (label: string) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(output)?.[1] ?? 0);
      // uvu's Total counts the tests that ran (skipped ones are not in it).
      const total = num('Total');
      let passed = num('Passed');
      const skipped = num('Skipped');
      let failed = Math.max(0, total - passed);
      // A file that crashed before uvu reported counts as one failure.
      if (code !== 0 && failed === 0) failed = 1;
      if (code === 0 && total === 0) passed = 0;
      const reasons = output.split('\n').filter((l) => l.startsWith(SKIP_PREFIX)).length;
      if (reasons !== skipped) {
        output += `\ntest/run.ts: ${skipped} tests skipped but ${reasons} skip reasons printed: skip only through requires() (test/helpers/gate.ts)\n`;
        failed++;
      }
      resolve({ file, passed, failed, skipped, seconds: (Date.now() - started) / 1000, output, code });
    });
  });
}

// Argo's schema, CRDs and examples come from its Go module: fetched once here, not by each test file.
const argo = missingArgoMaterial({ fetchModule: true });
console.log(argo ? `Argo ${ARGO_VERSION} test material: ${argo}` : `Argo ${ARGO_VERSION} test material: .cache/argo/${ARGO_VERSION}`);

/** The skipped tests of a file's output, grouped by reason. */
function skipReasons(output: string): Map<string, string[]> {
  const byReason = new Map<string, string[]>();
  for (const line of output.split('\n')) {
    if (!line.startsWith(SKIP_PREFIX)) continue;
    const end = line.indexOf('": ', SKIP_PREFIX.length);
    const [name, reason] = [line.slice(SKIP_PREFIX.length, end), line.slice(end + 3)];
    byReason.set(reason, [...(byReason.get(reason) ?? []), name]);
  }
  return byReason;
}

const files = find(here)
  .filter((f) => filters.length === 0 || filters.some((s) => relative(here, f).includes(s)))
  .sort();
const outcomes: Outcome[] = [];
let next = 0;
async function worker(): Promise<void> {
  while (next < files.length) {
    const file = files[next++];
    const o = await runFile(file);
    outcomes.push(o);
    const name = relative(here, file);
    const status = o.failed ? 'FAIL' : 'ok  ';
    console.log(`${status} ${name} (${o.passed} passed, ${o.failed} failed, ${o.skipped} skipped, ${o.seconds.toFixed(1)}s)`);
    for (const [reason, tests] of skipReasons(o.output)) console.log(`     SKIP ${tests.length} (${reason}): ${tests.join('; ')}`);
    if (o.failed) console.log(o.output.replace(/^/gm, '     | '));
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, files.length || 1) }, worker));
const sum = (k: 'passed' | 'failed' | 'skipped') => outcomes.reduce((n, o) => n + o[k], 0);
console.log(`\n${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`);
process.exitCode = sum('failed') > 0 || files.length === 0 ? 1 : 0;
