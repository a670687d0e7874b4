// DAG templates and tasks.
import type { DagTask, Parameter, Synchronization, Template } from './types.js';

export interface DagProps {
  readonly name: string;
  readonly inputs?: Parameter[];
  readonly tasks: DagTask[];
  /** Keep scheduling other branches when one fails (one bad target must not stop the run). @default false */
  readonly failFast?: boolean;
  /** Locks held while the DAG runs. @default none */
  readonly synchronization?: Synchronization;
}

export function dagTemplate(p: DagProps): Template {
  const t: Template = { name: p.name };
  if (p.inputs?.length) t.inputs = { parameters: p.inputs };
  if (p.synchronization) t.synchronization = p.synchronization;
  t.dag = { failFast: p.failFast ?? false, tasks: p.tasks };
  return t;
}

/** A task that runs a template of another WorkflowTemplate (the pipeline reuses, never copies). */
export function refTask(
  name: string,
  workflowTemplate: string,
  template: string,
  rest: Omit<DagTask, 'name' | 'templateRef' | 'template'> = {},
): DagTask {
  return { name, templateRef: { name: workflowTemplate, template }, ...rest };
}

export function localTask(name: string, template: string, rest: Omit<DagTask, 'name' | 'templateRef' | 'template'> = {}): DagTask {
  return { name, template, ...rest };
}

/** `depends` that waits for a task (or fan-out) to finish whatever its outcome. */
export function afterAnyOutcome(task: string): string {
  return `(${task}.Succeeded || ${task}.Failed || ${task}.Errored || ${task}.Skipped)`;
}
