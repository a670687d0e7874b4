// `align --fasta` and `--plan` inputs: split's FASTA parser and tag rule, safe tags on every path, a relative
// --out (issue 13 §3).
import { existsSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { missingTools } from '../../helpers/env.js';
import { requires } from '../../helpers/gate.js';
import { DEMO_PROTEINS } from '../../../demo/data/sequences.js';
import { readManifest } from '../../../steps/align/manifest.js';
import { ALIGN_TOOLS, demoDatabases, INSTALL, runCli, workspace, writeFasta, type Workspace } from './fixture.js';

const skip = missingTools(ALIGN_TOOLS, INSTALL);
const it = requires(skip);
let ws: Workspace;

test.before(async () => {
  if (!skip) ws = workspace(await demoDatabases());
});

/** The one line a bad input gives: no stack, no usage text. */
function assertOneLineError(stderr: string, text: string | RegExp) {
  const lines = stderr.trim().split('\n');
  assert.is(lines.length, 1, stderr);
  assert.match(lines[0], text);
}

it('an empty FASTA exits 2 with one line naming the file', async () => {
  const empty = join(ws.mount, 'empty.fasta');
  writeFileSync(empty, '\n\n');
  const r = await runCli(['align', '--fasta', empty, '--out', join(ws.mount, 'out-empty'), '--config', ws.config]);
  assert.is(r.code, 2);
  assertOneLineError(r.stderr, `openfold-argo align: ${empty}: empty input: no FASTA records`);
  assert.not.ok(existsSync(join(ws.mount, 'out-empty')));
});

it('a plan whose tag is not one split could write ("..", "/", ".x") is refused before any path is built', async () => {
  const run = join(ws.mount, 'runs', 'evil');
  mkdirSync(join(run, 'split', 'fasta'), { recursive: true });
  for (const tag of ['..', '../../etc', '.hidden']) {
    const plan = join(run, 'split', 'plan.json');
    writeFileSync(plan, JSON.stringify({ version: 1, alignGroups: [{ id: 0, tags: [tag] }], chunks: [] }));
    const r = await runCli(['align', '--plan', plan, '--group', '0', '--out', join(run, 'alignments'), '--config', ws.config]);
    assert.is(r.code, 2, tag);
    assertOneLineError(r.stderr, `alignGroups[0].tags[0]: not a safe tag: ${JSON.stringify(tag)}`);
  }
  assert.equal(readdirSync(run), ['split'], 'nothing written');
});

it('headers "." and "..", a relative --out: tags by split\'s rule, the searches run, nothing outside --out moves', async () => {
  const [ubq, gb1] = DEMO_PROTEINS;
  writeFasta(ws.mount, 'dots.fasta', [
    ['.', ubq.sequence],
    ['..', gb1.sequence],
  ]);
  const before = readdirSync(ws.mount).sort();
  const r = await runCli(
    ['align', '--fasta', 'dots.fasta', '--out', 'rel', '--config', ws.config, '--mode', 'mmseqs', '--no-cache'],
    {},
    ws.mount,
  );
  assert.is(r.code, 0, r.stderr);
  assert.equal(readdirSync(join(ws.mount, 'rel')).sort(), ['target_1', 'target_2']);
  assert.equal(readdirSync(ws.mount).sort(), [...before, 'rel'].sort());
  for (const tag of ['target_1', 'target_2']) {
    const m = readManifest(join(ws.mount, 'rel', tag));
    assert.ok(m, tag);
    assert.ok(m!.msaDepth['uniref.a3m'] > 5, `${tag}: a real MSA`);
  }
});

test.run();
