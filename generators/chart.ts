// The Helm chart charts/openfold-argo from the same generators as workflows/: the Argo resources become
// templates/argo/*.yaml (Argo's `{{` escaped for Helm, the namespace and the semaphore limits left to Helm),
// values.yaml carries the config they were rendered from, and values.schema.json is derived from the config
// schema plus the chart's own values. Hand-written templates (ServiceAccount, RBAC, volume, NOTES)
// sit beside them and are not touched here. Pure except writeChart at the end.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './config/types.js';
import type { Resource } from './argo/types.js';
import { configSchema } from './config/schema.js';
import { generateResources } from './index.js';
import { header, toYaml, writeRendered, type RenderedFile } from './render.js';
import { APP, VERSION } from './argo/metadata.js';
import { SEMAPHORE_CONFIGMAP, SEMAPHORE_KEYS } from './templates/common.js';

type Schema = Record<string, unknown>;

/** Where the generated Argo resources go inside the chart. */
export const CHART_ARGO_DIR = 'templates/argo';
/** Name of the optional ResourceQuota on the GPUs of the namespace. */
export const GPU_QUOTA = 'openfold-argo-gpus';

// Placeholders survive js-yaml unquoted and are swapped for Helm actions after escaping.
const NAMESPACE_PLACEHOLDER = '__HELM_RELEASE_NAMESPACE__';
const semaphorePlaceholder = (key: string) => `__HELM_SEMAPHORE_${key}__`;

/** Argo's own `{{…}}` must reach the cluster verbatim: Helm prints `{{` from a string action. */
export function escapeForHelm(text: string): string {
  return text.replaceAll('{{', '{{ "{{" }}');
}

/**
 * JSON as Helm's `toJson` (Go's encoding/json on the values map) writes it: keys sorted, no spaces, and
 * <, >, & escaped. The chart compares the sha256 of this with `toJson .Values.config` at install time.
 */
export function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.keys(v)
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .sort()
          .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
      );
    return v;
  };
  return JSON.stringify(sorted(value))
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

export function configDigest(c: Config): string {
  return createHash('sha256').update(goJson(c)).digest('hex');
}

// ---------------------------------------------------------------------------------------------------------
// The chart's own values: what the Argo resources do not bake in.

const str = (description: string, def: string, extra: Schema = {}): Schema => ({ type: 'string', description, default: def, ...extra });
const bool = (description: string, def: boolean): Schema => ({ type: 'boolean', description, default: def });
const int = (description: string, def: number, minimum: number): Schema => ({ type: 'integer', description, default: def, minimum });
const obj = (description: string, properties: Record<string, Schema>, extra: Schema = {}): Schema => ({
  type: 'object',
  description,
  additionalProperties: false,
  properties,
  ...extra,
});
const stringMap = (description: string): Schema => ({ type: 'object', description, additionalProperties: { type: 'string' }, default: {} });

const VOLUME_TYPES = ['existingClaim', 'fsx', 'storageClass'];

/** Schema of the chart's own values (defaults that depend on the config are taken from it). */
export function chartValuesSchema(c: Config): Record<string, Schema> {
  return {
    serviceAccount: obj(`The ServiceAccount the workflow pods run as; its name is config.serviceAccount (${c.serviceAccount}).`, {
      create: bool('Create the ServiceAccount (false: one of that name exists already).', true),
      annotations: stringMap(
        'Annotations of the ServiceAccount, e.g. eks.amazonaws.com/role-arn for IRSA (S3 access without keys). Never put secrets here.',
      ),
    }),
    rbac: obj("A Role and RoleBinding with the least privilege Argo's executor needs (workflowtaskresults: create, patch).", {
      create: bool('Create the Role and RoleBinding.', true),
    }),
    volume: obj(
      `The shared ReadWriteMany volume; its claim name is config.volume.claimName (${c.volume.claimName}).`,
      {
        type: {
          enum: VOLUME_TYPES,
          default: 'existingClaim',
          description:
            'existingClaim: the claim exists already, create nothing; fsx: a static PersistentVolume + claim for FSx for Lustre (FSx CSI driver); storageClass: a claim provisioned by a StorageClass.',
        },
        size: str('Capacity of the volume (FSx: the file system size; storageClass: the request).', '1200Gi', {
          pattern: '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$',
        }),
        keepOnUninstall: bool('Keep the claim (and so the databases and runs) when the release is uninstalled.', true),
        fsx: obj('FSx for Lustre file system (volume.type=fsx); values from `aws fsx describe-file-systems`.', {
          fileSystemId: str('File system id (fs-…).', ''),
          dnsName: str('DNS name of the file system (fs-….fsx.<region>.amazonaws.com).', ''),
          mountName: str('Mount name of the file system (LustreConfiguration.MountName).', ''),
          mountOptions: { type: 'array', items: { type: 'string' }, default: ['flock'], description: 'Lustre mount options.' },
        }),
        storageClass: obj('Claim from a StorageClass (volume.type=storageClass).', {
          name: str('StorageClass name; empty means the cluster default.', ''),
          accessMode: {
            enum: ['ReadWriteMany', 'ReadWriteOnce'],
            default: 'ReadWriteMany',
            description: 'Access mode (pods on several nodes need ReadWriteMany).',
          },
        }),
      },
      {
        allOf: [
          {
            if: { properties: { type: { const: 'fsx' } }, required: ['type'] },
            then: {
              properties: {
                fsx: {
                  required: ['fileSystemId', 'dnsName', 'mountName'],
                  properties: {
                    fileSystemId: { pattern: '^fs-[0-9a-f]{8,17}$' },
                    dnsName: { minLength: 1 },
                    mountName: { minLength: 1 },
                  },
                },
              },
            },
          },
        ],
      },
    ),
    semaphores: obj(`Live concurrency limits read by the workflows from the ConfigMap ${SEMAPHORE_CONFIGMAP}.`, {
      [SEMAPHORE_KEYS.gpu]: int('Most GPU (prediction) pods at once.', c.inference.maxConcurrentGpus, 1),
      [SEMAPHORE_KEYS.align]: int('Most alignment pods at once.', c.alignment.maxParallelPods, 1),
      [SEMAPHORE_KEYS.msaServer]: int(
        'Most requests in flight to the ColabFold MSA server (align-mode colabfold_server).',
        c.alignment.msaServer.maxConcurrent,
        1,
      ),
    }),
    gpuQuota: obj(
      `A ResourceQuota ${GPU_QUOTA} on the GPUs the namespace's pods may request at once (${gpuResources(c).join(', ')}): a hard cap beside the GPU semaphore, which only the workflows honour. A pod over the quota is refused at creation and Argo retries creating it.`,
      {
        create: bool('Create the ResourceQuota.', false),
        gpus: int('GPUs requested at once, at most (each GPU resource).', defaultGpuQuota(c), 1),
      },
    ),
  };
}

/** The extended resources the GPU classes request. */
function gpuResources(c: Config): string[] {
  return [...new Set([c.inference.gpu.resource, c.inference.longSequence.resource])];
}

/** As many GPUs as the GPU semaphore lets run at once, at the larger per-pod count. */
function defaultGpuQuota(c: Config): number {
  return c.inference.maxConcurrentGpus * Math.max(c.inference.gpu.count, c.inference.longSequence.count);
}

/** The ResourceQuota on GPUs, a Helm template generated from the config (its resource names), off by default. */
export function gpuQuotaTemplate(c: Config, configName: string): string {
  const hard = gpuResources(c)
    .map((r) => `    requests.${r}: {{ .Values.gpuQuota.gpus | quote }}\n`)
    .join('');
  return [
    header(configName),
    '{{- if .Values.gpuQuota.create }}\n',
    'apiVersion: v1\n',
    'kind: ResourceQuota\n',
    'metadata:\n',
    `  name: ${GPU_QUOTA}\n`,
    '  namespace: {{ .Release.Namespace }}\n',
    '  labels:\n',
    '    {{- include "openfold-argo.labels" . | nindent 4 }}\n',
    'spec:\n',
    '  hard:\n',
    hard,
    '{{- end }}\n',
  ].join('');
}

function defaults(props: Record<string, Schema>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(props).map(([k, s]) => [k, s.properties ? defaults(s.properties as Record<string, Schema>) : s.default]),
  );
}

/** values.schema.json: the chart's own values plus `config`, validated by the config schema itself. */
export function chartSchema(c: Config): Schema {
  const { $schema, $id: _id, title: _title, ...config } = configSchema;
  void _id;
  void _title;
  return {
    $schema,
    title: `${APP} Helm chart values`,
    type: 'object',
    additionalProperties: false,
    properties: {
      ...chartValuesSchema(c),
      config: {
        ...config,
        description:
          'The openfold-argo config the Argo resources were rendered from (read-only here: re-render the chart with `openfold-argo render --config FILE --chart DIR` to change it).',
      },
      // Helm passes a global map to every chart.
      global: { type: 'object' },
    },
  };
}

/** YAML of the chart's own values with each key's description as a comment above it. */
function commentedValues(props: Record<string, Schema>, values: Record<string, unknown>, indent = ''): string {
  return Object.entries(props)
    .map(([key, schema]) => {
      const comment = `${indent}# ${String(schema.description ?? '')}\n`;
      const sub = schema.properties as Record<string, Schema> | undefined;
      if (sub) return `${comment}${indent}${key}:\n${commentedValues(sub, values[key] as Record<string, unknown>, `${indent}  `)}`;
      const line = toYaml({ [key]: values[key] }).replace(/\n(?=.)/g, `\n${indent}`);
      return `${comment}${indent}${line}`;
    })
    .join('');
}

export function chartValuesYaml(c: Config, configName: string): string {
  const props = chartValuesSchema(c);
  return [
    header(configName),
    '# Values of the openfold-argo chart. The keys above `config` are live: change them with --set or -f.\n',
    '# Pipeline settings (images, resources, node classes, retries, schedules) are baked into the Argo templates;\n',
    '# `config` records them and must not be edited here: run `openfold-argo render --config my.yaml --chart DIR`.\n',
    '\n',
    commentedValues(props, defaults(props)),
    '# The openfold-argo config these templates were rendered from (checked at install time).\n',
    toYaml({ config: c }),
  ].join('');
}

export function chartYaml(configName: string, version: string): string {
  return (
    header(configName) +
    toYaml({
      apiVersion: 'v2',
      name: APP,
      description:
        'OpenFold protein-structure prediction on Argo Workflows: WorkflowTemplates, CronWorkflows, ServiceAccount, RBAC and the shared volume.',
      type: 'application',
      version,
      appVersion: version,
      keywords: ['openfold', 'argo-workflows', 'protein-structure'],
      annotations: { 'openfold-argo.io/argo-workflows-version': '>= 3.6.0' },
    })
  );
}

/** One generated Argo resource as a Helm template. */
export function argoTemplate(resource: Resource, configName: string): string {
  const r = structuredClone(resource);
  r.metadata.namespace = NAMESPACE_PLACEHOLDER;
  const isSemaphores = r.kind === 'ConfigMap' && r.metadata.name === SEMAPHORE_CONFIGMAP;
  if (isSemaphores) for (const key of Object.keys(r.data)) r.data[key] = semaphorePlaceholder(key);
  let text = escapeForHelm(header(configName) + toYaml(r)).replace(NAMESPACE_PLACEHOLDER, '{{ .Release.Namespace }}');
  if (isSemaphores)
    for (const key of Object.keys(r.data)) text = text.replace(semaphorePlaceholder(key), `{{ .Values.semaphores.${key} | quote }}`);
  return text;
}

/** Template definitions the hand-written templates use to refuse a values.config that differs from the render. */
function generatedHelpers(c: Config, configName: string): string {
  return [
    `{{/* ${header(configName).slice(2).trim()} */}}`,
    `{{- define "openfold-argo.renderedConfigSha256" -}}${configDigest(c)}{{- end -}}`,
    `{{- define "openfold-argo.renderedFrom" -}}${configName.replaceAll('{{', '').replaceAll('}}', '')}{{- end -}}`,
    '',
  ].join('\n');
}

/** Every generated file of the chart, paths relative to the chart directory. */
export function chartFiles(c: Config, configName: string, version = VERSION): RenderedFile[] {
  const argo = generateResources(c, configName).map(({ file, resource }) => ({
    file: `${CHART_ARGO_DIR}/${file}`,
    text: argoTemplate(resource, configName),
  }));
  return [
    { file: 'Chart.yaml', text: chartYaml(configName, version) },
    { file: 'values.yaml', text: chartValuesYaml(c, configName) },
    { file: 'values.schema.json', text: `${JSON.stringify(chartSchema(c), null, 2)}\n` },
    { file: 'templates/_generated.tpl', text: generatedHelpers(c, configName) },
    { file: 'templates/resourcequota-gpus.yaml', text: gpuQuotaTemplate(c, configName) },
    ...argo,
  ];
}

/**
 * Writes the chart's generated files under dir (each folder through writeRendered: atomic writes, stale
 * generated files removed, hand-written ones left alone). Returns the changed paths.
 */
export function writeChart(dir: string, files: RenderedFile[], handWritten = PROJECT_CHART): string[] {
  const seeded = seedChart(dir, handWritten, new Set(files.map((f) => f.file)));
  const byFolder = new Map<string, RenderedFile[]>();
  for (const f of files) {
    const slash = f.file.lastIndexOf('/');
    const folder = slash < 0 ? '' : f.file.slice(0, slash);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), { file: f.file.slice(slash + 1), text: f.text }]);
  }
  return [
    ...seeded,
    ...[...byFolder].flatMap(([folder, list]) =>
      writeRendered(folder ? join(dir, folder) : dir, list).map((name) => (folder ? `${folder}/${name}` : name)),
    ),
  ];
}

/** The project's chart (dist/generators/chart.js -> ../../charts/openfold-argo): the hand-written templates. */
const PROJECT_CHART = fileURLToPath(new URL('../../charts/openfold-argo', import.meta.url));

/**
 * A new chart directory gets the hand-written files (templates, examples, NOTES) of the project's chart, so
 * `render --config my.yaml --chart DIR` alone makes a complete chart. Existing files are never overwritten.
 */
function seedChart(dir: string, from: string, generated: Set<string>): string[] {
  if (resolve(dir) === resolve(from) || !existsSync(from)) return [];
  const copied: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(from, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(join(from, r)).isDirectory()) {
        if (r !== CHART_ARGO_DIR) walk(r);
      } else if (!generated.has(r) && !existsSync(join(dir, r))) {
        mkdirSync(dirname(join(dir, r)), { recursive: true });
        copyFileSync(join(from, r), join(dir, r));
        copied.push(r);
      }
    }
  };
  walk('');
  return copied;
}
