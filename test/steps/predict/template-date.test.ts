// max-template-date "today": resolved once when the prediction starts, passed to OpenFold, and recorded (with the
// checkpoint) in every result.json, so a result always says which templates it could have used.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveTemplateDate } from '../../../steps/predict/template-date.js';
import { CLI } from '../../helpers/env.js';
import { makeWorld } from './world.js';

const exec = promisify(execFile);

test('today is the UTC date of the start; a date stays itself', () => {
  assert.is(resolveTemplateDate('today', new Date('2026-12-03T23:59:59Z')), '2026-12-03');
  assert.is(resolveTemplateDate('2022-04-08', new Date('2026-12-03T10:00:00Z')), '2022-04-08');
});

test('a chunk run with today records the resolved date and the checkpoint in its results', async () => {
  const w = makeWorld({ batches: [['T1']], runtime: false, inference: { maxTemplateDate: 'today' } });
  const today = new Date().toISOString().slice(0, 10);
  const common = [
    'predict',
    '--plan',
    w.plan,
    '--chunk',
    'c0000',
    '--alignments',
    w.alignments,
    '--config',
    w.configFile,
    '--results',
    w.results,
  ];
  const printed = await exec(process.execPath, [CLI, ...common, '--output', join(w.run, 'p'), '--print-command']);
  const argv = JSON.parse(printed.stdout.trim()) as string[];
  assert.is(argv[argv.indexOf('--max_template_date') + 1], today);
  // without an OpenFold runtime the targets are recorded as not run, with the date they would have used
  await exec(process.execPath, [CLI, ...common, '--output', join(w.run, 'p')]).catch((e) => e);
  const result = JSON.parse(readFileSync(join(w.results, 'T1', 'result.json'), 'utf8'));
  assert.is(result.status, 'not_run');
  assert.is(result.maxTemplateDate, today);
  assert.is(result.checkpoint, w.config.inference.checkpoint);
});

test.run();
