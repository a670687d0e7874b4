// Layer 2: the limits and CEL rules of Argo's v4 CRDs (manifests/base/crds/full), written as code. The API server
// enforces them on create, but Argo's JSON schema does not carry them: a 250-task DAG passes the schema and
// `argo lint` and is then refused by kubectl apply. Each rule names the schema definition (and field) it sits
// on; test/lint/crd.test.ts checks every rule against the CRDs (of the version the tests read from Argo's Go
// module, naming where it differs from v4.1.2's, which these rules follow), so a version change is noticed.
import { ARGO_DEFINITION_PREFIX, type ArgoSchema } from './schema.js';
import { isObject, joinPath, type JsonObject } from './types.js';

const A = ARGO_DEFINITION_PREFIX;
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

export type LimitCheck = 'maxItems' | 'minItems' | 'maxLength' | 'minLength' | 'minimum' | 'maximum' | 'pattern' | 'enum';

/** An OpenAPI constraint of the CRD: on a definition's field (or on the definition's own value when no field). */
export interface FieldLimit {
  definition: string;
  field?: string;
  /** The constraint applies to each item of the (array) field. */
  items?: boolean;
  check: LimitCheck;
  value: number | string | string[];
}

/** An x-kubernetes-validations rule of the CRD, with its CEL text (as in the CRD) and the same logic in code. */
export interface CelRule {
  definition: string;
  field?: string;
  rule: string;
  message: string;
  holds(self: unknown): boolean;
}

const NAME = '^[a-zA-Z0-9][-a-zA-Z0-9]*$';
const PARAM_NAME = '^[-a-zA-Z0-9_]+$';
const METRIC_NAME = '^[a-zA-Z_][a-zA-Z0-9_]*$';
const ARTIFACT_GC = ['', 'OnWorkflowCompletion', 'OnWorkflowDeletion', 'Never'];

export const CRD_LIMITS: FieldLimit[] = [
  { definition: `${A}WorkflowSpec`, field: 'templates', check: 'maxItems', value: 200 },
  { definition: `${A}WorkflowSpec`, field: 'parallelism', check: 'minimum', value: 1 },
  { definition: `${A}DAGTemplate`, field: 'tasks', check: 'maxItems', value: 200 },
  { definition: `${A}DAGTemplate`, field: 'tasks', check: 'minItems', value: 1 },
  { definition: `${A}DAGTask`, field: 'name', check: 'maxLength', value: 128 },
  { definition: `${A}DAGTask`, field: 'name', check: 'pattern', value: NAME },
  { definition: `${A}WorkflowStep`, field: 'name', check: 'maxLength', value: 128 },
  { definition: `${A}WorkflowStep`, field: 'name', check: 'pattern', value: NAME },
  { definition: `${A}Template`, field: 'name', check: 'maxLength', value: 128 },
  { definition: `${A}Template`, field: 'name', check: 'pattern', value: NAME },
  { definition: `${A}Template`, field: 'parallelism', check: 'minimum', value: 1 },
  { definition: `${A}Template`, field: 'steps', check: 'minItems', value: 1 },
  { definition: `${A}Inputs`, field: 'parameters', check: 'maxItems', value: 500 },
  { definition: `${A}Parameter`, field: 'name', check: 'pattern', value: PARAM_NAME },
  { definition: `${A}Parameter`, field: 'enum', check: 'minItems', value: 1 },
  { definition: `${A}Artifact`, field: 'name', check: 'pattern', value: '^[-a-zA-Z0-9_{}.]+$' },
  { definition: `${A}Artifact`, field: 'mode', check: 'minimum', value: 0 },
  { definition: `${A}Artifact`, field: 'mode', check: 'maximum', value: 511 },
  { definition: `${A}ArtifactPaths`, field: 'name', check: 'pattern', value: '^[-a-zA-Z0-9_{}.]+$' },
  { definition: `${A}ArtifactPaths`, field: 'mode', check: 'minimum', value: 0 },
  { definition: `${A}ArtifactPaths`, field: 'mode', check: 'maximum', value: 511 },
  { definition: `${A}ArtifactGC`, field: 'strategy', check: 'enum', value: ARTIFACT_GC },
  { definition: `${A}WorkflowLevelArtifactGC`, field: 'strategy', check: 'enum', value: ARTIFACT_GC },
  { definition: `${A}S3Artifact`, field: 'addressingStyle', check: 'enum', value: ['', 'path', 'virtual-hosted'] },
  {
    definition: `${A}PodGC`,
    field: 'strategy',
    check: 'enum',
    value: ['', 'OnPodCompletion', 'OnPodSuccess', 'OnWorkflowCompletion', 'OnWorkflowSuccess'],
  },
  { definition: `${A}RetryStrategy`, field: 'retryPolicy', check: 'enum', value: ['Always', 'OnFailure', 'OnError', 'OnTransientError'] },
  { definition: `${A}ResourceTemplate`, field: 'action', check: 'enum', value: ['get', 'create', 'apply', 'delete', 'replace', 'patch'] },
  { definition: `${A}ResourceTemplate`, field: 'mergeStrategy', check: 'enum', value: ['strategic', 'merge', 'json'] },
  { definition: `${A}Metrics`, field: 'prometheus', check: 'maxItems', value: 100 },
  { definition: `${A}Prometheus`, field: 'name', check: 'pattern', value: METRIC_NAME },
  { definition: `${A}Prometheus`, field: 'help', check: 'minLength', value: 1 },
  { definition: `${A}MetricLabel`, field: 'key', check: 'pattern', value: METRIC_NAME },
  { definition: `${A}Counter`, field: 'value', check: 'minLength', value: 1 },
  { definition: `${A}Gauge`, field: 'value', check: 'minLength', value: 1 },
  { definition: `${A}Gauge`, field: 'value', check: 'maxLength', value: 256 },
  { definition: `${A}Gauge`, field: 'operation', check: 'enum', value: ['Set', 'Add', 'Sub'] },
  { definition: `${A}Histogram`, field: 'value', check: 'minLength', value: 1 },
  { definition: `${A}CronWorkflowSpec`, field: 'schedules', check: 'minItems', value: 1 },
  {
    definition: `${A}CronWorkflowSpec`,
    field: 'schedules',
    items: true,
    check: 'pattern',
    value:
      '^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|@every\\s+([0-9]+(ns|us|µs|ms|s|m|h))+|([A-Za-z0-9*,/?-]+\\s+){4}[A-Za-z0-9*,/?-]+)$',
  },
  { definition: `${A}CronWorkflowSpec`, field: 'concurrencyPolicy', check: 'enum', value: ['Allow', 'Forbid', 'Replace'] },
  { definition: `${A}CronWorkflowSpec`, field: 'startingDeadlineSeconds', check: 'minimum', value: 0 },
  {
    definition: QUANTITY,
    check: 'pattern',
    value: '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
  },
];

const has = (o: unknown, key: string): boolean => isObject(o) && o[key] !== undefined && o[key] !== null;
const ARTIFACT_LOCATIONS = ['s3', 'git', 'http', 'artifactory', 'hdfs', 'raw', 'oss', 'gcs', 'azure', 'plugin'];
const ONE_LOCATION = ARTIFACT_LOCATIONS.map((k) => `(has(self.${k}) ? 1 : 0)`).join(' + ') + ' <= 1';
const atMostOneLocation = (self: unknown) => ARTIFACT_LOCATIONS.filter((k) => has(self, k)).length <= 1;
const TEMPLATE_TYPES = ['container', 'script', 'dag', 'steps', 'resource', 'suspend', 'containerSet', 'data', 'http', 'plugin'];
const all = (self: unknown, each: (t: unknown) => boolean) => !Array.isArray(self) || self.every(each);

export const CRD_CEL_RULES: CelRule[] = [
  {
    definition: `${A}WorkflowSpec`,
    field: 'templates',
    rule: 'self.all(t, !(has(t.activeDeadlineSeconds) && (has(t.steps) || has(t.dag))))',
    message: 'activeDeadlineSeconds is only valid for leaf templates, not steps or dag',
    holds: (self) => all(self, (t) => !(has(t, 'activeDeadlineSeconds') && (has(t, 'steps') || has(t, 'dag')))),
  },
  {
    definition: `${A}WorkflowSpec`,
    field: 'templates',
    rule: 'self.all(t, !(has(t.timeout) && t.timeout != "" && (has(t.steps) || has(t.dag))))',
    message: 'timeout is only valid for leaf templates, not steps or dag',
    holds: (self) => all(self, (t) => !(has(t, 'timeout') && (t as JsonObject).timeout !== '' && (has(t, 'steps') || has(t, 'dag')))),
  },
  {
    definition: `${A}WorkflowSpec`,
    field: 'templates',
    rule: `self.all(t, ${TEMPLATE_TYPES.map((k) => `(has(t.${k}) ? 1 : 0)`).join(' + ')} <= 1)`,
    message: 'template must have at most one template type',
    holds: (self) => all(self, (t) => TEMPLATE_TYPES.filter((k) => has(t, k)).length <= 1),
  },
  {
    definition: `${A}DAGTask`,
    rule: '!has(self.depends) || !has(self.dependencies)',
    message: "cannot use both 'depends' and 'dependencies'",
    holds: (self) => !has(self, 'depends') || !has(self, 'dependencies'),
  },
  {
    definition: `${A}DAGTask`,
    rule: '!has(self.depends) || !has(self.continueOn)',
    message: "cannot use 'continueOn' when using 'depends'",
    holds: (self) => !has(self, 'depends') || !has(self, 'continueOn'),
  },
  {
    definition: `${A}DAGTask`,
    rule: "!(has(self.depends) || has(self.dependencies)) || !self.name.matches('^[0-9]')",
    message: "task name cannot begin with a digit when using 'depends' or 'dependencies'",
    holds: (self) => !(has(self, 'depends') || has(self, 'dependencies')) || !/^[0-9]/.test(String((self as JsonObject).name ?? '')),
  },
  {
    definition: `${A}Sequence`,
    rule: '!(has(self.count) && has(self.end))',
    message: 'only one of count or end can be defined',
    holds: (self) => !(has(self, 'count') && has(self, 'end')),
  },
  {
    definition: `${A}ResourceTemplate`,
    rule:
      '(has(self.manifest) && !has(self.manifestFrom)) || (!has(self.manifest) && has(self.manifestFrom)) || ' +
      '(!has(self.manifest) && !has(self.manifestFrom))',
    message: 'only one of manifest or manifestFrom can be specified',
    holds: (self) => !(has(self, 'manifest') && has(self, 'manifestFrom')),
  },
  {
    definition: `${A}Gauge`,
    rule: "!has(self.realtime) || !self.realtime || !self.value.contains('resourcesDuration.')",
    message: "'resourcesDuration.*' metrics cannot be used in real-time gauges",
    holds: (self) =>
      !has(self, 'realtime') || !(self as JsonObject).realtime || !String((self as JsonObject).value ?? '').includes('resourcesDuration.'),
  },
  ...[`${A}Artifact`, `${A}ArtifactPaths`, `${A}ArtifactLocation`].map((definition): CelRule => ({
    definition,
    rule: ONE_LOCATION,
    message: 'at most one artifact location can be specified',
    holds: atMostOneLocation,
  })),
];

export interface CrdProblem {
  path: string;
  message: string;
}

function limitProblem(limit: FieldLimit, value: unknown): string | undefined {
  const v = limit.value;
  switch (limit.check) {
    case 'maxItems':
      return Array.isArray(value) && value.length > (v as number) ? `has ${value.length} items; the v4 CRD allows at most ${v}` : undefined;
    case 'minItems':
      return Array.isArray(value) && value.length < (v as number)
        ? `has ${value.length} items; the v4 CRD requires at least ${v}`
        : undefined;
    case 'maxLength':
      return typeof value === 'string' && value.length > (v as number)
        ? `is ${value.length} characters long; the v4 CRD allows at most ${v}`
        : undefined;
    case 'minLength':
      return typeof value === 'string' && value.length < (v as number) ? `must not be empty (v4 CRD minLength ${v})` : undefined;
    case 'minimum':
      return typeof value === 'number' && value < (v as number) ? `is ${value}; the v4 CRD requires at least ${v}` : undefined;
    case 'maximum':
      return typeof value === 'number' && value > (v as number) ? `is ${value}; the v4 CRD allows at most ${v}` : undefined;
    case 'pattern':
      return typeof value === 'string' && !new RegExp(v as string, 'u').test(value)
        ? `${JSON.stringify(value)} does not match the v4 CRD pattern ${v}`
        : undefined;
    case 'enum':
      return typeof value === 'string' && !(v as string[]).includes(value)
        ? `${JSON.stringify(value)} is not one of ${(v as string[]).map((s) => JSON.stringify(s)).join(', ')} (v4 CRD)`
        : undefined;
  }
}

function indexRules<T extends { definition: string }>(rules: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const r of rules) map.set(r.definition, [...(map.get(r.definition) ?? []), r]);
  return map;
}
const LIMITS_BY_DEFINITION = indexRules(CRD_LIMITS);
const CEL_BY_DEFINITION = indexRules(CRD_CEL_RULES);

function applyRules(definition: string, value: unknown, path: string, out: CrdProblem[]): void {
  for (const limit of LIMITS_BY_DEFINITION.get(definition) ?? []) {
    const fieldPath = limit.field ? joinPath(path, limit.field) : path;
    const fieldValue = limit.field ? (isObject(value) ? value[limit.field] : undefined) : value;
    if (fieldValue === undefined) continue;
    const targets =
      limit.items && Array.isArray(fieldValue)
        ? fieldValue.map((v, i) => [v, joinPath(fieldPath, i)] as const)
        : [[fieldValue, fieldPath] as const];
    for (const [v, p] of targets) {
      const problem = limitProblem(limit, v);
      if (problem) out.push({ path: p, message: problem });
    }
  }
  for (const cel of CEL_BY_DEFINITION.get(definition) ?? []) {
    const target = cel.field ? (isObject(value) ? value[cel.field] : undefined) : value;
    if (target === undefined || !isObject(value)) continue;
    if (!cel.holds(target)) out.push({ path: cel.field ? joinPath(path, cel.field) : path, message: `${cel.message} (v4 CRD rule)` });
  }
}

/** Walks a document along the schema's definitions and applies every CRD rule of each definition it meets. */
export function checkCrdRules(schema: ArgoSchema, rootDefinition: string, doc: unknown): CrdProblem[] {
  const defs = schema.definitions;
  const out: CrdProblem[] = [];
  const walk = (node: JsonObject | undefined, value: unknown, path: string, depth: number): void => {
    if (!node || value === undefined || value === null || depth > 200) return;
    const ref = typeof node.$ref === 'string' ? node.$ref.replace('#/definitions/', '') : undefined;
    if (ref) {
      applyRules(ref, value, path, out);
      return walk(defs[ref], value, path, depth + 1);
    }
    if (isObject(value) && isObject(node.properties)) {
      for (const [key, child] of Object.entries(value))
        walk((node.properties as Record<string, JsonObject>)[key], child, joinPath(path, key), depth + 1);
    } else if (isObject(value) && isObject(node.additionalProperties)) {
      for (const [key, child] of Object.entries(value)) walk(node.additionalProperties, child, joinPath(path, key), depth + 1);
    }
    if (Array.isArray(value) && isObject(node.items))
      value.forEach((item, i) => walk(node.items as JsonObject, item, joinPath(path, i), depth + 1));
  };
  walk({ $ref: `#/definitions/${rootDefinition}` }, doc, '', 0);
  return out;
}
