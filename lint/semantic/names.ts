// Name rules of Kubernetes objects and of Argo's templates, steps, tasks, parameters and artifacts.

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const WORKFLOW_FIELD_NAME = /^[a-zA-Z0-9][-a-zA-Z0-9]*$/;
const PARAM_OR_ARTIFACT_NAME = /^[-a-zA-Z0-9_]+$/;

/** Argo's limit: the name becomes a label value (63 characters). */
export const MAX_OBJECT_NAME = 63;
/** CronWorkflows append a timestamp (`-1615836720`) to their name for each run. */
export const MAX_CRON_WORKFLOW_NAME = 52;
export const MAX_WORKFLOW_FIELD_NAME = 128;

/** Problems with metadata.name (DNS-1123 subdomain, Argo's length limit), or [] when fine. */
export function objectNameProblems(name: string, maxLength: number): string[] {
  const problems: string[] = [];
  if (name.length > maxLength)
    problems.push(`name "${name}" must not be more than ${maxLength} characters long (currently ${name.length})`);
  if (!DNS1123_SUBDOMAIN.test(name)) {
    problems.push(
      `name "${name}" must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`,
    );
  }
  return problems;
}

/** generateName is a prefix: the same characters, and it may end with '-' or '.'. */
export function generateNameProblems(prefix: string): string[] {
  if (prefix === '' || /^[a-z0-9]([-a-z0-9.]*)$/.test(prefix)) return [];
  return [`generateName "${prefix}" must be a DNS-1123 prefix: lowercase letters, digits, '-' and '.', starting with a letter or digit`];
}

/** Template, step and task names (Argo's isValidWorkflowFieldName). */
export function workflowFieldNameProblem(name: string): string | undefined {
  const problems: string[] = [];
  if (name.length > MAX_WORKFLOW_FIELD_NAME) problems.push(`must be no more than ${MAX_WORKFLOW_FIELD_NAME} characters`);
  if (!WORKFLOW_FIELD_NAME.test(name))
    problems.push("must consist of alpha-numeric characters or '-', and start with an alpha-numeric character");
  return problems.length ? `name '${name}' is invalid: ${problems.join('; ')}` : undefined;
}

export function paramOrArtifactNameProblem(name: string): string | undefined {
  return PARAM_OR_ARTIFACT_NAME.test(name)
    ? undefined
    : `name '${name}' is invalid: must consist of alpha-numeric characters, '_' or '-' e.g. my_param_1, MY-PARAM-1`;
}

/** A whole-tag parameter reference such as {{inputs.parameters.x}} (Argo's isParameter). */
export function isParameterReference(s: string): boolean {
  return /{{[-a-zA-Z0-9]+(\.[-a-zA-Z0-9_]+)*}}/.test(s);
}
