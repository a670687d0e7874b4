// Finding missing commands and installing their Debian packages, with apt-get and sudo replaced by test doubles
// (shell scripts on a PATH of their own) so that nothing is installed on the machine running the tests.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aptGetCommand, installDebianPackages, missingCommands, onPath } from '../../demo/tools.js';
import { CLI, tempDir } from '../helpers/env.js';

const isRoot = process.getuid?.() === 0;

/** A PATH folder with test doubles of apt-get and sudo; apt-get logs its arguments and behaves as `install` says. */
function doubles(install: 'fail' | 'provide' | 'nothing'): { bin: string; log: string } {
  const bin = tempDir('ofa-apt-double-');
  const log = join(bin, 'apt-get.log');
  const provide = `for t in jackhmmer hhblits hhsearch hhmake ffindex_build ffindex_apply; do printf '#!/bin/sh\\n' > "${bin}/$t"; chmod +x "${bin}/$t"; done`;
  const onInstall = { fail: 'exit 100', provide: `${provide}; exit 0`, nothing: 'exit 0' }[install];
  writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\necho "$@" >> "${log}"\n[ "$1" = install ] && { ${onInstall}; }\nexit 0\n`, {
    mode: 0o755,
  });
  // sudo -n true answers 0 (no password needed); sudo -n CMD... runs CMD.
  writeFileSync(join(bin, 'sudo'), '#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n', { mode: 0o755 });
  for (const real of ['tar', 'gzip', 'sh', 'chmod']) {
    const found = ['/usr/bin', '/bin'].map((d) => join(d, real)).find((f) => existsSync(f));
    if (found) symlinkSync(found, join(bin, real));
  }
  return { bin, log };
}

test('missingCommands looks commands up on PATH as spawn does', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(dir, 'not-executable'), '');
  assert.ok(onPath('tool', dir));
  assert.equal(missingCommands(['tool', 'not-executable', 'absent'], dir), ['not-executable', 'absent']);
});

test('aptGetCommand: none without apt-get; apt-get as root, else sudo -n apt-get', () => {
  const empty = tempDir();
  assert.is(aptGetCommand(empty), null);
  const { bin } = doubles('nothing');
  assert.equal(aptGetCommand(bin), isRoot ? ['apt-get'] : ['sudo', '-n', 'apt-get']);
});

test('installDebianPackages: update, then install -y of the packages of the missing commands only', () => {
  const { bin, log } = doubles('provide');
  const saved = process.env.PATH;
  process.env.PATH = bin;
  try {
    const lines: string[] = [];
    const r = installDebianPackages(['jackhmmer', 'hhblits', 'hhsearch'], [join(bin, 'apt-get')], (l) => lines.push(l));
    assert.equal(r, { packages: ['hhsuite', 'hmmer'], stillMissing: [] });
    assert.equal(readFileSync(log, 'utf8').trim().split('\n'), ['update', 'install -y --no-install-recommends hhsuite hmmer']);
    assert.equal(lines, [`$ ${bin}/apt-get update`, `$ ${bin}/apt-get install -y --no-install-recommends hhsuite hmmer`]);
  } finally {
    process.env.PATH = saved;
  }
});

function demo(bin: string, ...args: string[]) {
  const workdir = tempDir('ofa-demo-install-');
  mkdirSync(workdir, { recursive: true });
  return spawnSync(process.execPath, [CLI, 'demo', '--workdir', workdir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PATH: bin },
  });
}

test('demo without the tools: apt-get install runs, and a failure is one line naming the packages', () => {
  const { bin, log } = doubles('fail');
  const r = demo(bin);
  assert.is(r.status, 127, r.stderr);
  assert.match(r.stderr, 'installing their Debian packages (--no-install to skip)');
  assert.match(r.stderr, /installing hhsuite hmmer failed \(.*apt-get install -y --no-install-recommends hhsuite hmmer exited with 100\)/);
  assert.match(readFileSync(log, 'utf8'), 'install -y --no-install-recommends hhsuite hmmer');
});

test('demo --no-install: names the missing tools and the command, runs no apt-get', () => {
  const { bin, log } = doubles('provide');
  const r = demo(bin, '--no-install');
  assert.is(r.status, 127, r.stderr);
  assert.match(r.stderr, 'the demo needs jackhmmer, hhblits, hhsearch, hhmake, ffindex_build, ffindex_apply, not found on PATH');
  assert.match(r.stderr, 'sudo apt-get install hmmer hhsuite kalign mmseqs2');
  assert.not.ok(existsSync(log));
});

test.run();
