// The engine on small fixture workflows whose steps are tiny Node scripts: retries and backoff, the retry
// expression and podSpecPatch of the generators, deadlines, semaphores, parameters across tasks, a failing
// item that does not stop the others, Ctrl-C and resume.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { patchByRetry } from '../../generators/argo/expression.js';
import { DEADLINE_MESSAGE } from '../../executor/process.js';
import { tempDir } from '../helpers/env.js';
import { phases, printed, runDocs } from './helpers.js';

const NODE = process.execPath;

/** A container template running a Node one-liner with positional arguments (no shell). */
function nodeStep(name: string, script: string, args: string[], extra: Record<string, unknown> = {}) {
  return { name, container: { image: 'node', command: [NODE, '-e', script, '--', ...args] }, ...extra };
}

function workflow(templates: unknown[], extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: 'fixture-' },
    spec: { entrypoint: 'main', templates, ...extra },
  };
}

// Fails until the attempt counter in argv[1] reaches argv[2], then succeeds.
const FLAKY = `const fs=require('fs');const f=process.argv[1];const n=(fs.existsSync(f)?Number(fs.readFileSync(f,'utf8')):0)+1;fs.writeFileSync(f,String(n));console.log('attempt',n);process.exit(n>=Number(process.argv[2])?0:1)`;

test('retries as the template says: limit, backoff duration and factor; a failing item does not stop the others', async () => {
  const dir = tempDir();
  const wf = workflow([
    {
      name: 'main',
      dag: {
        failFast: false,
        tasks: [
          {
            name: 'targets',
            template: 'flaky',
            withItems: ['a', 'b', 'c'],
            arguments: {
              parameters: [
                { name: 'target', value: '{{item}}' },
                { name: 'succeed-at', value: "{{=item == 'b' ? '9' : item == 'c' ? '3' : '1'}}" },
              ],
            },
          },
          { name: 'report', template: 'report', depends: 'targets.Succeeded || targets.Failed' },
        ],
      },
    },
    nodeStep('flaky', FLAKY, [join(dir, '{{inputs.parameters.target}}.count'), '{{inputs.parameters.succeed-at}}'], {
      inputs: { parameters: [{ name: 'target' }, { name: 'succeed-at' }] },
      retryStrategy: { limit: 2, retryPolicy: 'Always', backoff: { duration: '0.2', factor: 2, maxDuration: '1m' } },
    }),
    nodeStep('report', "console.log('report')", []),
  ]);
  const run = await runDocs([wf]);
  const p = phases(run);
  assert.is(p['targets(0:a)'], 'Succeeded');
  assert.is(p['targets(1:b)'], 'Failed');
  assert.is(p['targets(2:c)'], 'Succeeded');
  assert.is(p.targets, 'Failed');
  assert.is(p.report, 'Succeeded', 'the step after the fan-out still runs');
  assert.is(run.state.phase, 'Succeeded', 'Argo: the leaf (report) succeeded, so the DAG did');
  const b = run.state.nodes['wf.targets(1:b)'];
  assert.is(b.attempts!.length, 3, 'limit 2: one attempt and two retries');
  assert.match(b.message!, /No more retries left/);
  const c = run.state.nodes['wf.targets(2:c)'].attempts!;
  assert.is(c.length, 3);
  const gap = (i: number) => Date.parse(c[i + 1].startedAt) - Date.parse(c[i].finishedAt!);
  assert.ok(gap(0) >= 190 && gap(0) < 2000, `first backoff ~0.2s, was ${gap(0)}ms`);
  assert.ok(gap(1) >= 390 && gap(1) < 2500, `second backoff ~0.4s (factor 2), was ${gap(1)}ms`);
  assert.equal(printed(run, 'targets(2:c)'), ['attempt 1', 'attempt 2', 'attempt 3'], 'one log per node, every attempt appended');
  assert.ok(run.events.some((e) => e.kind === 'retry' && e.node.name === 'wf.targets(2:c)' && e.waitMs === 400));
});

test("the generators' retry expression: exit 2 (bad input) is not retried, a signal kill (137) is", async () => {
  const dir = tempDir();
  const expression = 'lastRetry.status == "Error" || asInt(lastRetry.exitCode) != 2';
  const step = (name: string, code: number) =>
    nodeStep(name, `const fs=require('fs');fs.appendFileSync(process.argv[1],'x');process.exit(${code})`, [join(dir, name)], {
      retryStrategy: { limit: 2, retryPolicy: 'Always', expression, backoff: { duration: '0', factor: 2 } },
    });
  const wf = workflow([
    {
      name: 'main',
      dag: {
        failFast: false,
        tasks: [
          { name: 'bad-input', template: 'bad' },
          { name: 'killed', template: 'oom' },
        ],
      },
    },
    step('bad', 2),
    step('oom', 137),
  ]);
  const run = await runDocs([wf]);
  assert.is(readFileSync(join(dir, 'bad'), 'utf8'), 'x');
  assert.match(run.state.nodes['wf.bad-input'].message!, /retryStrategy.expression evaluated false/);
  assert.is(readFileSync(join(dir, 'oom'), 'utf8'), 'xxx');
});

test('podSpecPatch: the env of the patch for the retry count reaches the process (the long GPU class on retry)', async () => {
  const patch = patchByRetry([{}, { containers: [{ name: 'main', env: [{ name: 'OPENFOLD_ARGO_GPU_CLASS', value: 'long' }] }] }]);
  const wf = workflow([
    { name: 'main', dag: { tasks: [{ name: 'predict', template: 'predict' }] } },
    {
      ...nodeStep('predict', "const c=process.env.OPENFOLD_ARGO_GPU_CLASS;console.log('gpu',c);process.exit(c==='long'?0:86)", []),
      podSpecPatch: patch,
      retryStrategy: { limit: 1 },
    },
  ]);
  (wf.spec.templates[1] as { container: { env: unknown[] } }).container.env = [{ name: 'OPENFOLD_ARGO_GPU_CLASS', value: 'standard' }];
  const run = await runDocs([wf]);
  assert.is(run.state.phase, 'Succeeded');
  assert.equal(printed(run, 'predict'), ['gpu standard', 'gpu long']);
  assert.equal(
    run.state.nodes['wf.predict'].attempts!.map((a) => a.exitCode),
    [86, 0],
  );
});

test("activeDeadlineSeconds kills the process group: Failed with Argo's deadline message", async () => {
  const wf = workflow([
    { name: 'main', dag: { tasks: [{ name: 'slow', template: 'slow' }] } },
    { ...nodeStep('slow', 'setTimeout(()=>{},30000)', []), activeDeadlineSeconds: 1 },
  ]);
  const started = Date.now();
  const run = await runDocs([wf], { killGraceMs: 500 });
  assert.ok(Date.now() - started < 8000, 'killed near the deadline');
  assert.is(run.phase('slow'), 'Failed');
  assert.is(run.state.nodes['wf.slow'].message, DEADLINE_MESSAGE);
  assert.is(run.state.phase, 'Failed');
});

test('semaphores from the ConfigMap bound concurrency; withSequence fans out; outputs aggregate as a JSON list', async () => {
  const dir = tempDir();
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits' }, data: { work: '2' } };
  const wf = workflow([
    {
      name: 'main',
      dag: {
        tasks: [
          {
            name: 'work',
            template: 'work',
            withSequence: { start: '1', end: '5' },
            arguments: { parameters: [{ name: 'n', value: '{{item}}' }] },
          },
          {
            name: 'sum',
            template: 'sum',
            depends: 'work',
            arguments: { parameters: [{ name: 'values', value: '{{tasks.work.outputs.parameters.square}}' }] },
          },
        ],
      },
    },
    nodeStep(
      'work',
      "const fs=require('fs');const [d,n]=process.argv.slice(1);fs.writeFileSync(d+'/'+n+'.start',String(Date.now()));setTimeout(()=>{fs.writeFileSync(d+'/'+n+'.end',String(Date.now()));fs.writeFileSync(d+'/'+n+'.out',String(n*n)+'\\n')},300)",
      [dir, '{{inputs.parameters.n}}'],
      {
        inputs: { parameters: [{ name: 'n' }] },
        outputs: { parameters: [{ name: 'square', valueFrom: { path: `${dir}/{{inputs.parameters.n}}.out` } }] },
        synchronization: { semaphores: [{ configMapKeyRef: { name: 'limits', key: 'work' } }] },
      },
    ),
    nodeStep('sum', 'console.log(JSON.parse(process.argv[1]).map(Number).reduce((a,b)=>a+b,0))', ['{{inputs.parameters.values}}'], {
      inputs: { parameters: [{ name: 'values' }] },
    }),
  ]);
  const run = await runDocs([wf, cm], { maxParallel: 8 });
  assert.is(run.state.phase, 'Succeeded');
  assert.equal(printed(run, 'sum'), ['55'], 'squares of 1..5 through output parameters (file contents, trailing newline kept)');
  const spans = [1, 2, 3, 4, 5].map((n) => [
    Number(readFileSync(join(dir, `${n}.start`), 'utf8')),
    Number(readFileSync(join(dir, `${n}.end`), 'utf8')),
  ]);
  const maxConcurrent = Math.max(...spans.map(([s]) => spans.filter(([s2, e2]) => s2 <= s && s < e2).length));
  assert.ok(maxConcurrent <= 2, `semaphore limit 2, saw ${maxConcurrent} at once`);
});

test('a mutex name with an input (one lock per database): same name serialised, different names concurrent', async () => {
  const dir = tempDir();
  const wf = workflow([
    {
      name: 'main',
      dag: {
        tasks: ['a', 'a', 'b'].map((db, i) => ({
          name: `t${i}`,
          template: 'install',
          arguments: {
            parameters: [
              { name: 'db', value: db },
              { name: 'i', value: String(i) },
            ],
          },
        })),
      },
    },
    nodeStep(
      'install',
      "const fs=require('fs');const [d,i]=process.argv.slice(1);fs.writeFileSync(d+'/'+i+'.start',String(Date.now()));setTimeout(()=>fs.writeFileSync(d+'/'+i+'.end',String(Date.now())),400)",
      [dir, '{{inputs.parameters.i}}'],
      { inputs: { parameters: [{ name: 'db' }, { name: 'i' }] }, synchronization: { mutexes: [{ name: 'db-{{inputs.parameters.db}}' }] } },
    ),
  ]);
  const run = await runDocs([wf], { maxParallel: 4 });
  assert.is(run.state.phase, 'Succeeded');
  const span = (i: number) => [0, 1].map((k) => Number(readFileSync(join(dir, `${i}.${k ? 'end' : 'start'}`), 'utf8')));
  const [a0, a1, b] = [span(0), span(1), span(2)];
  const overlap = (x: number[], y: number[]) => x[0] < y[1] && y[0] < x[1];
  assert.not.ok(overlap(a0, a1), 'two installs of database a never overlap');
  assert.ok(overlap(a0, b) || overlap(a1, b), 'database b does not wait for a');
});

test('withParam over a step output; when per item; a missing output without default is an Error', async () => {
  const dir = tempDir();
  const wf = workflow([
    {
      name: 'main',
      dag: {
        failFast: false,
        tasks: [
          { name: 'plan', template: 'plan' },
          {
            name: 'each',
            template: 'echo',
            depends: 'plan',
            withParam: '{{tasks.plan.outputs.parameters.items}}',
            when: "'{{item.gpu}}' == 'standard'",
            arguments: { parameters: [{ name: 'msg', value: '{{item.id}}' }] },
          },
          { name: 'broken', template: 'no-output' },
        ],
      },
    },
    nodeStep(
      'plan',
      "require('fs').writeFileSync(process.argv[1], JSON.stringify([{id:'c0',gpu:'standard'},{id:'c1',gpu:'long'},{id:'c2',gpu:'standard'}]))",
      [join(dir, 'items.json')],
      {
        outputs: { parameters: [{ name: 'items', valueFrom: { path: join(dir, 'items.json') } }] },
      },
    ),
    nodeStep('echo', 'console.log(process.argv[1])', ['{{inputs.parameters.msg}}'], { inputs: { parameters: [{ name: 'msg' }] } }),
    nodeStep('no-output', '', [], { outputs: { parameters: [{ name: 'x', valueFrom: { path: join(dir, 'missing') } }] } }),
  ]);
  const run = await runDocs([wf]);
  const p = phases(run);
  assert.is(p['each(0:gpu:standard,id:c0)'], 'Succeeded');
  assert.is(p['each(1:gpu:long,id:c1)'], 'Skipped');
  assert.equal(printed(run, 'each(2:gpu:standard,id:c2)'), ['c2']);
  assert.is(p.each, 'Succeeded');
  assert.is(p.broken, 'Error');
  assert.match(run.state.nodes['wf.broken'].message!, /output parameter "x": cannot read .*missing: ENOENT/);
  assert.is(run.state.phase, 'Error');
});

test('Ctrl-C stops the running step (its process group), marks it interrupted; resume reruns only what did not succeed', async () => {
  const dir = tempDir();
  const workdir = tempDir();
  const gate = join(dir, 'gate');
  const counter = (name: string) => `require('fs').appendFileSync(${JSON.stringify(join(dir, name))},'x');`;
  const wf = workflow([
    {
      name: 'main',
      dag: {
        tasks: [
          { name: 'a', template: 'a' },
          { name: 'b', template: 'b', depends: 'a' },
          { name: 'c', template: 'c', depends: 'b' },
        ],
      },
    },
    nodeStep('a', counter('a'), []),
    // Waits for the gate file (never there in the first run); a child process shares its group.
    nodeStep(
      'b',
      `${counter('b')}const fs=require('fs');require('child_process').spawn('sleep',['30'],{stdio:'ignore'});const t=setInterval(()=>{if(fs.existsSync(process.argv[1])){clearInterval(t);process.exit(0)}},50)`,
      [gate],
    ),
    nodeStep('c', counter('c'), []),
  ]);
  const abort = new AbortController();
  const started = Date.now();
  const first = runDocs([wf], { workdir, signal: abort.signal, killGraceMs: 1000 });
  // Interrupt once b is running.
  while (!existsSync(join(dir, 'b'))) await new Promise((r) => setTimeout(r, 20));
  abort.abort();
  const r1 = await first;
  assert.ok(Date.now() - started < 10_000);
  assert.equal(phases(r1), { '(workflow)': 'Failed', a: 'Succeeded', b: 'Failed' });
  assert.is(r1.state.nodes['wf.b'].message, 'interrupted');
  const saved = JSON.parse(readFileSync(join(workdir, 'state.json'), 'utf8'));
  assert.is(saved.nodes['wf.b'].phase, 'Failed', 'the state on disk says so too');

  writeFileSync(gate, '');
  const r2 = await runDocs([wf], { workdir, previous: saved });
  assert.equal(phases(r2), { '(workflow)': 'Succeeded', a: 'Succeeded', b: 'Succeeded', c: 'Succeeded' });
  assert.ok(r2.state.nodes['wf.a'].reused, 'a was taken from the first run');
  assert.is(readFileSync(join(dir, 'a'), 'utf8'), 'x', 'a ran once in all');
  assert.is(readFileSync(join(dir, 'b'), 'utf8'), 'xx');
  assert.is(readFileSync(join(dir, 'c'), 'utf8'), 'x');
});

test('-p: unknown names and values outside the enum are refused before anything runs', async () => {
  const wf = workflow([nodeStep('main', '', [])], { arguments: { parameters: [{ name: 'mode', value: 'a', enum: ['a', 'b'] }] } });
  (wf.spec as { entrypoint: string }).entrypoint = 'main';
  try {
    await runDocs([wf], { parameters: { mod: 'b' } });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /-p mod: the workflow has no parameter "mod"/);
  }
  try {
    await runDocs([wf], { parameters: { mode: 'c' } });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /workflow parameter "mode": must be one of "a", "b", got "c"/);
  }
});

test.run();
