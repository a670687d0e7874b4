// What every semantic check works on: the document being linted, its WorkflowSpec, the templates of the other
// documents, the scope of global variables, and where problems are reported.
import type { JsonObject, LintedKind } from '../types.js';
import type { Scope } from './variables.js';

export interface SemanticProblem {
  path: string;
  message: string;
  /** Not an Argo rule: reported, but the document still passes. */
  warning?: boolean;
}

/** WorkflowTemplates and ClusterWorkflowTemplates among the documents linted, by name: templateRefs resolve here. */
export interface TemplateLibrary {
  workflowTemplates: Map<string, JsonObject>;
  clusterWorkflowTemplates: Map<string, JsonObject>;
}

export interface SemanticOptions {
  /** Do not report templateRefs to WorkflowTemplates that are not among the documents (they live in the cluster). */
  allowExternalTemplateRefs?: boolean;
}

export interface Checker {
  readonly doc: JsonObject;
  readonly kind: LintedKind;
  readonly lib: TemplateLibrary;
  readonly opts: SemanticOptions;
  /** The WorkflowSpec (a CronWorkflow's spec.workflowSpec) and its path. */
  readonly spec: JsonObject;
  readonly specPath: string;
  /** A WorkflowTemplate is checked without real arguments: the Workflow that uses it brings them. */
  readonly templateValidation: boolean;
  /** Variables every template sees (workflow.*, global outputs). */
  readonly globals: Scope;
  /** Paths of the templates checked already (each once, however often it is referenced). */
  readonly validated: Set<string>;
  report(path: string, message: string, warning?: boolean): void;
  /** Checks a template reached from a step or task (templates.ts). */
  validateTemplate(t: JsonObject, path: string, spec: JsonObject): void;
}
