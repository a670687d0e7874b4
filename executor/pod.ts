// A container template as a local process: the command, env and deadline evaluated per attempt, one slot of the
// run's --max-parallel (and the template's semaphores) held while it runs, output parameters read back from
// their files, and retries as its retryStrategy allows (retry.ts). A pod that succeeded in the run being
// resumed, with the same inputs, is taken over instead of run again.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TERMINATION_LOG_ENV, TERMINATION_MESSAGE_MAX } from '../common/termination.js';
import { acquireAll, Interrupted, sleep, type Limit } from './limits.js';
import { runProcess, type ProcessOutcome } from './process.js';
import { backoffWait, lastRetryScope, retryPlan, retryRefusal, retryWindowDeadline, type RetryPlan } from './retry.js';
import { asNumber, type RunContext } from './run-context.js';
import type { AttemptRecord, NodeRecord, Phase } from './state.js';
import { substitute, type Scope } from './template-string.js';
import type { Parameter, ResolvedTemplate } from './workflow.js';

/** Container env changes of an evaluated podSpecPatch (the only part with a local meaning). */
function patchEnv(patchText: string, where: string): Record<string, string> {
  if (!patchText.trim()) return {};
  let patch: { containers?: { name?: string; env?: { name: string; value?: string }[] }[] };
  try {
    patch = JSON.parse(patchText);
  } catch (e) {
    throw new Error(`${where}: podSpecPatch is not JSON after evaluation: ${(e as Error).message}`);
  }
  const env: Record<string, string> = {};
  for (const c of patch.containers ?? [])
    if (c.name === undefined || c.name === 'main') for (const e of c.env ?? []) env[e.name] = e.value ?? '';
  return env;
}

/** The termination message an attempt left (at most what Kubernetes keeps), or '' ; the file is removed. */
function terminationMessage(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(0, TERMINATION_MESSAGE_MAX).trim();
  } catch {
    return '';
  } finally {
    rmSync(path, { force: true });
  }
}

function finishPod(ctx: RunContext, node: NodeRecord, phase: Phase, message: string): NodeRecord {
  node.phase = phase;
  node.message = message || undefined;
  node.finishedAt = new Date().toISOString();
  return ctx.record(node);
}

interface AttemptSpec {
  command: string[];
  env: Record<string, string>;
  deadlineMs?: number;
  outputPaths: { p: Parameter; path?: string; value?: string }[];
}

/** What one attempt runs: everything `{{retries}}` may change is evaluated again for it. */
function attemptSpec(ctx: RunContext, rt: ResolvedTemplate, attemptScope: Scope): AttemptSpec {
  const t = rt.template;
  const where = `template "${rt.label}"`;
  const c = t.container!;
  const command = ctx.opts.mapCommand(
    [...(c.command ?? []), ...(c.args ?? [])].map((s, i) => substitute(String(s), attemptScope, `${where}: container command/args[${i}]`)),
  );
  const env = { ...ctx.opts.baseEnv };
  for (const e of c.env ?? []) env[e.name] = substitute(String(e.value ?? ''), attemptScope, `${where}: env ${e.name}`);
  if (t.podSpecPatch) Object.assign(env, patchEnv(substitute(t.podSpecPatch, attemptScope, `${where}: podSpecPatch`), where));
  let deadlineMs: number | undefined;
  if (t.activeDeadlineSeconds !== undefined)
    deadlineMs =
      asNumber(
        substitute(String(t.activeDeadlineSeconds), attemptScope, `${where}: activeDeadlineSeconds`),
        `${where}: activeDeadlineSeconds`,
      ) * 1000;
  const outputPaths = (t.outputs?.parameters ?? []).map((p) => ({
    p,
    path: p.valueFrom?.path === undefined ? undefined : substitute(p.valueFrom.path, attemptScope, `${where}: output ${p.name}`),
    value: p.value === undefined ? undefined : substitute(String(p.value), attemptScope, `${where}: output ${p.name}`),
  }));
  return { command, env, deadlineMs, outputPaths };
}

/** Output parameters of a finished attempt; a missing file without a default makes the node an Error. */
function readOutputs(spec: AttemptSpec): { outputs: Record<string, string>; error?: string } {
  const outputs: Record<string, string> = {};
  let error: string | undefined;
  for (const o of spec.outputPaths) {
    if (o.value !== undefined) outputs[o.p.name] = o.value;
    if (o.path === undefined) continue;
    try {
      outputs[o.p.name] = readFileSync(o.path, 'utf8');
    } catch (e) {
      if (o.p.valueFrom?.default !== undefined) outputs[o.p.name] = String(o.p.valueFrom.default);
      else error = `output parameter "${o.p.name}": cannot read ${o.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    }
  }
  return { outputs, error };
}

export async function runPod(
  ctx: RunContext,
  rt: ResolvedTemplate,
  scope: Scope,
  base: NodeRecord,
  logName: string,
  key: number[],
  sync: Limit[],
): Promise<NodeRecord> {
  const where = `template "${rt.label}"`;
  const node: NodeRecord = { ...base, type: 'Pod', attempts: [], log: join('logs', `${logName}.log`) };
  const prev = ctx.opts.previous?.nodes[node.name];
  if (prev && prev.type === 'Pod' && prev.phase === 'Succeeded' && JSON.stringify(prev.inputs) === JSON.stringify(node.inputs))
    return ctx.record({ ...prev, reused: true });
  ctx.state.nodes[node.name] = node;

  let plan: RetryPlan;
  try {
    plan = retryPlan(rt.template.retryStrategy, scope, where);
  } catch (e) {
    return finishPod(ctx, node, 'Error', (e as Error).message);
  }
  const firstStart = Date.now();
  // Argo substitutes lastRetry.* into the template of each attempt (v3.7+), with these values for the first.
  let lastRetry: Scope = { 'lastRetry.exitCode': '0', 'lastRetry.status': '', 'lastRetry.duration': '0', 'lastRetry.message': '' };

  for (let attempt = 0; ; attempt++) {
    let spec: AttemptSpec;
    try {
      spec = attemptSpec(ctx, rt, { ...scope, ...lastRetry, retries: String(attempt) });
    } catch (e) {
      return finishPod(ctx, node, 'Error', (e as Error).message);
    }

    let release: () => void;
    try {
      release = await acquireAll([...sync, ctx.slots], key, ctx.signal);
    } catch (e) {
      if (e instanceof Interrupted) return finishPod(ctx, node, 'Failed', ctx.abortMessage());
      throw e;
    }
    const retryDeadline = retryWindowDeadline(plan.backoff, attempt, firstStart, spec.deadlineMs);
    const marker = `OPENFOLD_ARGO_LOCAL_STEP=${ctx.opts.name}/${node.name}/${attempt}`;
    spec.env.OPENFOLD_ARGO_LOCAL_STEP = marker.slice(marker.indexOf('=') + 1);
    // As the kubelet does: an empty termination-message file the step may write its one-line reason into.
    const terminationLog = join(ctx.opts.workdir, 'logs', `${logName}.termination`);
    mkdirSync(join(ctx.opts.workdir, 'logs'), { recursive: true });
    writeFileSync(terminationLog, '');
    spec.env[TERMINATION_LOG_ENV] = terminationLog;
    const rec: AttemptRecord = { attempt, phase: 'Running', startedAt: new Date().toISOString(), command: spec.command, marker };
    node.attempts!.push(rec);
    // Saved before runProcess writes the attempt's header to the log: a run killed in between has one more
    // attempt in its state than invocations in its log (none started), never an invocation the state misses.
    ctx.save();
    ctx.emit({ kind: 'attempt-start', node, attempt });
    let outcome: ProcessOutcome;
    try {
      outcome = await runProcess({
        command: spec.command,
        env: spec.env,
        logPath: join(ctx.opts.workdir, node.log!),
        header: `# ${new Date().toISOString()} ${node.name} attempt ${attempt}: ${JSON.stringify(spec.command)}`,
        deadlineMs: retryDeadline?.deadlineMs ?? spec.deadlineMs,
        deadlineMessage: retryDeadline?.message,
        killGraceMs: ctx.killGraceMs,
        signal: ctx.signal,
        onSpawn: (pid) => {
          rec.pid = pid;
          ctx.save();
        },
      });
    } finally {
      release();
    }
    let phase: Phase = outcome.phase;
    let message = outcome.message === 'interrupted' ? ctx.abortMessage() : outcome.message;
    // Argo's form for a failed container with a termination message: `Error (exit code 2): <reason>`.
    const reason = terminationMessage(terminationLog);
    if (phase !== 'Succeeded' && reason && !outcome.interrupted && !outcome.deadlineExceeded) message = `${message}: ${reason}`;
    let outputs: Record<string, string> = {};
    if (phase === 'Succeeded') {
      const read = readOutputs(spec);
      outputs = read.outputs;
      if (read.error !== undefined) {
        phase = 'Error';
        message = read.error;
      }
    }
    Object.assign(rec, {
      phase,
      exitCode: outcome.exitCode,
      message,
      finishedAt: outcome.finishedAt.toISOString(),
      durationMs: outcome.durationMs,
      pid: undefined,
    });
    node.exitCode = outcome.exitCode;
    if (phase === 'Succeeded') {
      node.outputs = outputs;
      return finishPod(ctx, node, 'Succeeded', '');
    }
    if (outcome.interrupted && !outcome.deadlineExceeded) return finishPod(ctx, node, 'Failed', message);

    lastRetry = lastRetryScope(outcome, phase, message);
    const stopReason = retryRefusal(plan, attempt, phase, outcome, message, scope);
    if (stopReason !== null) return finishPod(ctx, node, phase, stopReason ? `${message} (${stopReason})` : message);
    const wait = backoffWait(plan.backoff, attempt, firstStart);
    if ('refusal' in wait) return finishPod(ctx, node, phase, `${message} (${wait.refusal})`);
    ctx.save();
    ctx.emit({ kind: 'retry', node, attempt: attempt + 1, waitMs: wait.waitMs });
    try {
      await sleep(wait.waitMs, ctx.signal);
    } catch {
      return finishPod(ctx, node, 'Failed', ctx.abortMessage());
    }
  }
}
