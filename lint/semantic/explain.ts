// `{{tag}}` references checked against the scope of the place they appear in, with a hint for each one that
// does not resolve: what is missing and where it could come from.
import type { Checker } from './checker.js';
import { checkedTags, type Scope } from './variables.js';

export interface VariableContext {
  template: string;
  kind: 'leaf' | 'steps' | 'dag';
  /** Steps or tasks of the template. */
  known?: Set<string>;
  self?: string;
  ancestors?: Set<string>;
}

/** A hint for an unresolved tag: what is missing and where it could come from. */
export function explainUnresolved(tag: string, c: VariableContext): string {
  const [root, second, third] = tag.split('.');
  if (root === 'inputs') {
    if (second === 'artifacts' && tag.endsWith('.path')) return `no input artifact '${third}' with a path in template '${c.template}'`;
    return `template '${c.template}' has no input ${second === 'artifacts' ? 'artifact' : 'parameter'} '${third ?? ''}'`;
  }
  if (root === 'workflow') {
    if (second === 'parameters') return `the workflow has no parameter '${third ?? ''}' in spec.arguments.parameters`;
    if (second === 'outputs') return `no template exports a global output '${tag.split('.').slice(3).join('.')}' (globalName)`;
    if (second === 'labels' || second === 'annotations')
      return `the workflow has no ${second.slice(0, -1)} '${tag.split('.').slice(2).join('.')}'`;
    return `'${tag}' is not a workflow variable here`;
  }
  if (root === 'item')
    return '{{item}} is only defined in a step or task with withItems, withParam or withSequence (and its keys when items are maps)';
  if (root === 'pod') return `${tag} is only defined in templates that run a pod`;
  if (root === 'steps' || root === 'tasks') {
    const noun = root === 'steps' ? 'step' : 'task';
    if (c.kind === 'leaf')
      return `${root}.* variables are only defined in ${root === 'steps' ? 'steps' : 'dag'} templates; pass the value as an argument`;
    if (!c.known?.has(second)) return `template '${c.template}' has no ${noun} named '${second}'`;
    if (second === c.self) return `a ${noun} cannot refer to its own ${tag.split('.').slice(2).join('.')}`;
    if (root === 'tasks' && c.ancestors && !c.ancestors.has(second))
      return `task '${second}' is not among the dependencies of task '${c.self}' (add it to depends)`;
    if (root === 'steps' && c.kind === 'steps') return `step '${second}' has no such output, or does not run before step '${c.self}'`;
    return `${noun} '${second}' has no ${tag.split('.').slice(2).join('.')}`;
  }
  return 'not defined in this scope';
}

/** Reports each `{{tag}}` of a value that does not resolve in the scope. */
export function checkVariables(c: Checker, value: unknown, path: string, scope: Scope, context: VariableContext): void {
  for (const problem of checkedTags(value, path)) {
    if (problem.unclosed) {
      c.report(
        problem.path,
        `unclosed "{{" in ${JSON.stringify(problem.tag.length > 80 ? `${problem.tag.slice(0, 77)}...` : problem.tag)}`,
      );
    } else if (!scope.resolves(problem.tag)) {
      c.report(problem.path, `cannot resolve {{${problem.tag}}}: ${explainUnresolved(problem.tag, context)}`);
    }
  }
}
