// Parameters, serialised the three ways Argo uses them: declared input, task argument, output.
import type { Parameter } from './types.js';

export interface InputSpec {
  description: string;
  default?: string;
  enum?: string[];
}

/** A declared input (template or workflow argument) with a description the Argo UI shows. */
export function input(name: string, spec: InputSpec): Parameter {
  const p: Parameter = { name, description: spec.description };
  if (spec.default !== undefined) p.value = spec.default;
  if (spec.enum) p.enum = spec.enum;
  return p;
}

/** Task arguments from a plain record, in declaration order. */
export function args(values: Record<string, string>): { parameters: Parameter[] } {
  return { parameters: Object.entries(values).map(([name, value]) => ({ name, value })) };
}

/** An output read from a file the step wrote (on the shared volume, so the wait container sees it too). */
export function outputFromFile(name: string, path: string, description: string, fallback?: string): Parameter {
  return { name, description, valueFrom: fallback === undefined ? { path } : { path, default: fallback } };
}

/** References, so names are typed once. */
export const ref = {
  input: (name: string) => `{{inputs.parameters.${name}}}`,
  workflow: (name: string) => `{{workflow.parameters.${name}}}`,
  taskOutput: (task: string, name: string) => `{{tasks.${task}.outputs.parameters.${name}}}`,
  item: (field?: string) => (field ? `{{item.${field}}}` : '{{item}}'),
};
