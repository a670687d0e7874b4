// Test runner: runs every compiled uvu test file (dist/test/**/*.test.js) in its own Node process, two at a
// time, and ends with the line `N passed, N failed` (plus skips). Usage: node dist/test/run.js [FILTER...]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
// Project-local tools (Go-built helm, S3 server, Argo validator) live in .cache/bin.
process.env.PATH = `${join(here, '..', '..', '.cache', 'bin')}:${process.env.PATH ?? ''}`;
const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);

function find(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return find(p);
    return name.endsWith('.test.js') ? [p] : [];
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
      const total = num('Total');
      let passed = num('Passed');
      const skipped = num('Skipped');
      let failed = Math.max(0, total - passed - skipped);
      // A file that crashed before uvu reported counts as one failure.
      if (code !== 0 && failed === 0) failed = 1;
      if (code === 0 && total === 0) passed = 0;
      resolve({ file, passed, failed, skipped, seconds: (Date.now() - started) / 1000, output, code });
    });
  });
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
    for (const line of o.output.split('\n')) if (line.startsWith('SKIP ')) console.log(`     ${line}`);
    if (o.failed) console.log(o.output.replace(/^/gm, '     | '));
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, files.length || 1) }, worker));
const sum = (k: 'passed' | 'failed' | 'skipped') => outcomes.reduce((n, o) => n + o[k], 0);
console.log(`\n${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`);
process.exitCode = sum('failed') > 0 || files.length === 0 ? 1 : 0;
