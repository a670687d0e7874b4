// Reading the untyped YAML of a workflow without casts, and what kind of template an object is.
import { isObject, type JsonObject } from '../types.js';

export const TEMPLATE_TYPES = ['container', 'containerSet', 'steps', 'script', 'resource', 'dag', 'suspend', 'data', 'http', 'plugin'];
export const LEAF_TYPES = new Set(['container', 'containerSet', 'script', 'resource', 'data', 'http', 'plugin']);
const POD_TYPES = new Set(['container', 'containerSet', 'script', 'resource', 'data']);
const ARTIFACT_LOCATIONS = ['s3', 'git', 'http', 'artifactory', 'hdfs', 'raw', 'oss', 'gcs', 'azure', 'plugin'];

export const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const present = (v: unknown): boolean => v !== undefined && v !== null;
export const hasTag = (s: string): boolean => s.includes('{{');

function templateType(t: JsonObject): string | undefined {
  return TEMPLATE_TYPES.find((k) => present(t[k]));
}
export const isPod = (t: JsonObject) => POD_TYPES.has(templateType(t) ?? '');

export function hasContainerNamed(t: JsonObject, name: string): boolean {
  return arr(obj(t.containerSet).containers).some((c) => obj(c).name === name);
}

/** Whether a template exposes outputs.result and exitCode (Argo's HasOutput). */
export function hasOutput(t: JsonObject): boolean {
  return (
    present(t.container) || hasContainerNamed(t, 'main') || present(t.script) || present(t.data) || present(t.http) || present(t.plugin)
  );
}

/** An artifact has a location when any storage is given (or a key for the default repository). */
export function hasLocationOrKey(a: JsonObject): boolean {
  return ARTIFACT_LOCATIONS.some((k) => present(a[k])) || typeof a.key === 'string';
}
