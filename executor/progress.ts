// Progress of a local run. On a terminal: one bar per stage (the templates' `openfold-argo.io/step` label),
// counted in targets for align and predict once the plan exists, with running, failed, elapsed and ETA,
// redrawn in place. Elsewhere (CI, a pipe): one plain line per finished step, retry and note.
import { formatDuration } from './duration.js';
import type { EngineEvent, NodeRecord } from './state.js';

export interface Units {
  /** Total units of a stage, when known (e.g. targets to align, from the plan). */
  total(stage: string): number | undefined;
  /** Units a finished step accounts for (e.g. the targets of its align group). */
  of(node: NodeRecord): number;
  /** Name of the unit for a stage ("targets"); default "steps". */
  unit(stage: string): string;
  /** Called when a step finishes, so totals can be learnt (the plan appears when split succeeds). */
  learn?(node: NodeRecord): void;
}

interface Stage {
  done: number;
  failed: number;
  running: number;
  firstStart?: number;
}

const STAGE_ORDER = ['databases', 'split', 'align', 'predict', 'collect'];

export const stepUnits: Units = { total: () => undefined, of: () => 1, unit: () => 'steps' };

export class Progress {
  private readonly stages = new Map<string, Stage>();
  private readonly started = Date.now();
  private drawn = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly title: string,
    private readonly units: Units = stepUnits,
    private readonly tty = !!out.isTTY,
  ) {}

  start(): void {
    if (!this.tty) {
      this.out.write(`${this.title}: started\n`);
      return;
    }
    this.draw();
    this.timer = setInterval(() => this.draw(), 500);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.tty) this.draw();
  }

  private stage(name: string): Stage {
    if (!this.stages.has(name)) this.stages.set(name, { done: 0, failed: 0, running: 0 });
    return this.stages.get(name)!;
  }

  private stageOf(node: NodeRecord): string {
    return node.step ?? node.template?.split('/').pop() ?? 'steps';
  }

  private elapsed(): string {
    return formatDuration(Date.now() - this.started).padStart(6);
  }

  onEvent(e: EngineEvent): void {
    if (e.kind === 'note') return this.say(`note: ${e.message}`);
    const node = e.node;
    if (node.type !== 'Pod' && !(node.type === 'Skipped' && node.step)) return;
    const s = this.stage(this.stageOf(node));
    if (e.kind === 'attempt-start') {
      s.running++;
      s.firstStart ??= Date.now();
      return;
    }
    if (e.kind === 'retry') {
      s.running--;
      return this.say(
        `retry  ${node.displayName}: attempt ${e.attempt} in ${formatDuration(e.waitMs)} (${node.attempts?.at(-1)?.message ?? 'failed'})`,
      );
    }
    const wasRunning = node.attempts?.length && !node.reused;
    if (wasRunning) s.running = Math.max(0, s.running - 1);
    this.units.learn?.(node);
    if (node.phase === 'Succeeded') s.done += this.units.of(node);
    if (node.phase === 'Failed' || node.phase === 'Error') s.failed += this.units.of(node);
    const seconds = node.attempts?.length ? formatDuration(node.attempts.reduce((t, a) => t + (a.durationMs ?? 0), 0)) : '';
    const what = node.reused
      ? 'done earlier (resumed)'
      : `${node.phase}${seconds ? ` ${seconds}` : ''}${node.message ? `: ${node.message}` : ''}`;
    if (!this.tty || node.phase === 'Failed' || node.phase === 'Error')
      this.say(
        `${this.stageOf(node).padEnd(9)} ${node.displayName}: ${what}${node.phase === 'Failed' || node.phase === 'Error' ? ` (log: ${node.log})` : ''}`,
      );
  }

  /** A line above the bars (or a plain line). */
  say(line: string): void {
    if (!this.tty) {
      this.out.write(`[${this.elapsed()}] ${line}\n`);
      return;
    }
    this.clear();
    this.out.write(`${line}\n`);
    this.draw();
  }

  private clear(): void {
    if (this.drawn) this.out.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private bar(fraction: number, width = 16): string {
    const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
    return '█'.repeat(full) + '░'.repeat(width - full);
  }

  /** The lines of the stage bars (also used by tests). */
  lines(): string[] {
    const names = [...new Set([...STAGE_ORDER.filter((n) => this.stages.has(n)), ...this.stages.keys()])];
    const lines = [`${this.title}  elapsed ${formatDuration(Date.now() - this.started)}`];
    for (const name of names) {
      const s = this.stages.get(name)!;
      const total = this.units.total(name);
      const finished = s.done + s.failed;
      const count = total === undefined ? `${s.done} done` : `${s.done}/${total} ${this.units.unit(name)}`;
      let eta = '';
      if (total !== undefined && s.firstStart && finished > 0 && finished < total) {
        const spent = Date.now() - s.firstStart;
        eta = `  ETA ${formatDuration((spent / finished) * (total - finished))}`;
      }
      const elapsed = s.firstStart ? `  elapsed ${formatDuration(Date.now() - s.firstStart)}` : '';
      const fraction = total ? finished / total : s.running ? 0.5 : finished ? 1 : 0;
      lines.push(`  ${name.padEnd(9)} ${this.bar(fraction)} ${count}  running ${s.running}  failed ${s.failed}${elapsed}${eta}`);
    }
    return lines;
  }

  private draw(): void {
    this.clear();
    const width = this.out.columns ?? 120;
    const lines = this.lines().map((l) => (l.length > width - 1 ? l.slice(0, width - 1) : l));
    this.out.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
