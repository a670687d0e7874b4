// Pods that fit their nodes, or a refusal at render time. A pod whose request exceeds what every node of its
// class can give stays Pending; with a semaphore slot held, the run waits for the workflow's deadline. So every
// container template of the rendered resources is checked against its node class (the label cliStep puts on
// it): CPU, memory, GPUs, and the /dev/shm emptyDir (its pages are charged to the pod's memory).
import type { Config, NodeClass } from './config/types.js';
import type { Resource, Template } from './argo/types.js';
import { cpuMillis, memoryBytes, showCpu, showMemory } from './argo/units.js';
import { NODE_CLASS_LABEL } from './templates/common.js';

/** What one pod can request on a node of the class: allocatable less what is left for DaemonSets. */
export interface PodRoom {
  cpuMillis: number;
  memoryBytes: number;
  gpus: number;
}

export function podRoom(cls: NodeClass): PodRoom {
  return {
    cpuMillis: cpuMillis(cls.allocatable.cpu) - cpuMillis(cls.reserved.cpu),
    memoryBytes: memoryBytes(cls.allocatable.memory) - memoryBytes(cls.reserved.memory),
    gpus: cls.allocatable.gpus,
  };
}

const NOT_GPU = new Set(['cpu', 'memory', 'ephemeral-storage', 'hugepages-2Mi', 'hugepages-1Gi']);

function templatesOf(r: Resource): { owner: string; templates: Template[] }[] {
  if (r.kind === 'WorkflowTemplate') return [{ owner: r.metadata.name, templates: r.spec.templates ?? [] }];
  if (r.kind === 'CronWorkflow') return [{ owner: r.metadata.name, templates: r.spec.workflowSpec.templates ?? [] }];
  return [];
}

function shmSize(t: Template): string | undefined {
  for (const v of t.volumes ?? []) {
    const dir = (v as { emptyDir?: { medium?: string; sizeLimit?: string } }).emptyDir;
    if (dir?.medium === 'Memory' && dir.sizeLimit !== undefined) return dir.sizeLimit;
  }
  return undefined;
}

function templateProblems(where: string, t: Template, className: string, cls: NodeClass): string[] {
  const room = podRoom(cls);
  const requests = t.container!.resources.requests;
  const on = `node class ${className}${cls.instanceType ? ` (${cls.instanceType})` : ''}`;
  const left = (what: string, allocatable: string, reserved: string, rest: string) =>
    `${on} has ${allocatable} ${what} allocatable, less ${reserved} left for DaemonSets: ${rest} for a pod`;
  const out: string[] = [];
  const cpu = cpuMillis(requests.cpu);
  if (cpu > room.cpuMillis)
    out.push(
      `${where}: cpu request ${showCpu(cpu)} does not fit: ${left(
        'CPU',
        showCpu(cpuMillis(cls.allocatable.cpu)),
        showCpu(cpuMillis(cls.reserved.cpu)),
        showCpu(room.cpuMillis),
      )}`,
    );
  const memory = memoryBytes(requests.memory);
  const memoryLeft = (rest: number) =>
    left('memory', showMemory(memoryBytes(cls.allocatable.memory)), showMemory(memoryBytes(cls.reserved.memory)), showMemory(rest));
  if (memory > room.memoryBytes) out.push(`${where}: memory request ${showMemory(memory)} does not fit: ${memoryLeft(room.memoryBytes)}`);
  for (const [resource, count] of Object.entries(requests))
    if (!NOT_GPU.has(resource) && Number(count) > room.gpus)
      out.push(`${where}: ${resource} request ${count} does not fit: ${on} has ${room.gpus} per node`);
  const shm = shmSize(t);
  if (shm !== undefined) {
    const bytes = memoryBytes(shm);
    if (bytes > memory)
      out.push(
        `${where}: /dev/shm ${showMemory(bytes)} exceeds the pod's memory ${showMemory(memory)} (its files are charged to the pod's memory)`,
      );
    else if (bytes > room.memoryBytes) out.push(`${where}: /dev/shm ${showMemory(bytes)} does not fit: ${memoryLeft(room.memoryBytes)}`);
  }
  return out;
}

/** One line per request that does not fit its node class, naming the template, the resource and both numbers. */
export function fitProblems(c: Config, resources: Resource[]): string[] {
  const out: string[] = [];
  for (const r of resources)
    for (const { owner, templates } of templatesOf(r))
      for (const t of templates) {
        if (!t.container) continue;
        const where = `template ${owner}/${t.name}`;
        const className = t.metadata?.labels?.[NODE_CLASS_LABEL];
        const cls = className === undefined ? undefined : c.nodeClasses[className];
        if (!className || !cls) {
          out.push(`${where}: node class ${JSON.stringify(className ?? '')} is not in nodeClasses`);
          continue;
        }
        out.push(...templateProblems(where, t, className, cls));
      }
  return out;
}
