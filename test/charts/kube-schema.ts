// Validation of core Kubernetes objects against the API's OpenAPI definitions, offline, from two npm packages:
// - kubernetes-models (devDependency): each model's ajv validator compiled from the Kubernetes OpenAPI schema:
//   required fields, types, enums, formats;
// - @kubernetes/client-node (a dependency): the generated models' attributeTypeMap (every field the API
//   defines, from the same OpenAPI spec), used to reject unknown fields, as kubectl's strict field validation
//   would (the OpenAPI schema alone allows them).
import * as k8s from '@kubernetes/client-node';
import { ConfigMap, PersistentVolume, PersistentVolumeClaim, ResourceQuota, ServiceAccount } from 'kubernetes-models/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';

type Json = Record<string, unknown>;

interface Model {
  validate(): void;
}

const MODELS: Record<string, { model: new (data: never) => Model; clientType: string }> = {
  'v1/ServiceAccount': { model: ServiceAccount as never, clientType: 'V1ServiceAccount' },
  'v1/ConfigMap': { model: ConfigMap as never, clientType: 'V1ConfigMap' },
  'v1/PersistentVolume': { model: PersistentVolume as never, clientType: 'V1PersistentVolume' },
  'v1/PersistentVolumeClaim': { model: PersistentVolumeClaim as never, clientType: 'V1PersistentVolumeClaim' },
  'v1/ResourceQuota': { model: ResourceQuota as never, clientType: 'V1ResourceQuota' },
  'rbac.authorization.k8s.io/v1/Role': { model: Role as never, clientType: 'V1Role' },
  'rbac.authorization.k8s.io/v1/RoleBinding': { model: RoleBinding as never, clientType: 'V1RoleBinding' },
};

export const CORE_KINDS = Object.keys(MODELS);

interface Attribute {
  name: string;
  baseName: string;
  type: string;
}

function attributesOf(typeName: string): Attribute[] | undefined {
  const cls = (k8s as unknown as Record<string, { getAttributeTypeMap?: () => Attribute[] }>)[typeName];
  return cls?.getAttributeTypeMap?.();
}

/** Fields the Kubernetes API does not define, and values of the wrong JSON type, as `path: problem` lines. */
export function strictFieldProblems(value: unknown, typeName: string, path = ''): string[] {
  const array = /^Array<(.+)>$/.exec(typeName);
  if (array) {
    if (!Array.isArray(value)) return [`${path}: must be an array`];
    return value.flatMap((v, i) => strictFieldProblems(v, array[1], `${path}[${i}]`));
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(typeName);
  if (map) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: must be a map`];
    return Object.entries(value).flatMap(([k, v]) => strictFieldProblems(v, map[1], `${path}.${k}`));
  }
  if (typeName === 'string') return typeof value === 'string' ? [] : [`${path}: must be a string`];
  if (typeName === 'number') return typeof value === 'number' ? [] : [`${path}: must be a number`];
  if (typeName === 'boolean') return typeof value === 'boolean' ? [] : [`${path}: must be a boolean`];
  if (typeName === 'Date') return typeof value === 'string' ? [] : [`${path}: must be a timestamp string`];
  const attrs = attributesOf(typeName);
  if (!attrs) return []; // any, IntOrString and other free-form types
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: must be an object (${typeName})`];
  const byName = new Map(attrs.map((a) => [a.baseName, a]));
  return Object.entries(value as Json).flatMap(([k, v]) => {
    const a = byName.get(k);
    const at = path ? `${path}.${k}` : k;
    if (!a) return [`${at}: unknown field in ${typeName}`];
    return strictFieldProblems(v, a.type, at);
  });
}

/** Every problem of a core object: the OpenAPI schema (kubernetes-models) plus strict fields (client-node). */
export function kubeSchemaProblems(obj: Json): string[] {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const entry = MODELS[key];
  if (!entry) return [`${key}: no schema known to this test (add it to MODELS)`];
  const problems: string[] = [];
  try {
    new entry.model(obj as never).validate();
  } catch (e) {
    problems.push(`${key} ${(obj.metadata as Json)?.name}: ${(e as Error).message}`);
  }
  for (const p of strictFieldProblems(obj, entry.clientType)) problems.push(`${key} ${(obj.metadata as Json)?.name}: ${p}`);
  return problems;
}
