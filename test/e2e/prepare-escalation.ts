// Prepares the real-Argo check of escalation (test/go/argo-e2e, check "escalation"): the rendered align-group and
// predict-chunk templates (their retryStrategy, podSpecPatch, resources, node selector, as `render` writes them
// for the harness's Argo version), each with its step program swapped for a STAND-IN, in a Workflow that runs
// five scenarios side by side.
//
//   node dist/test/e2e/prepare-escalation.js --dir DIR --namespace NS
//
// The stand-in is a Node one-liner that counts its attempts in a file and does, per attempt, what the scenario
// lists: `alloc:N` holds N MiB of resident memory for 2 s then exits 0 (the harness's kubelet stand-in SIGKILLs a
// process group above limits.memory and reports OOMKilled), `exit:N` exits with N. It appends
// "<attempt> <OPENFOLD_ARGO_GPU_CLASS>" to DIR/<scenario>.log. It predicts and aligns nothing.
// Prints one JSON object (PreparedEscalation) on stdout for the Go harness.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../../generators/config/load.js';
import { DEFAULT_NODE_CLASSES } from '../../generators/config/schema.js';
import { generateResources } from '../../generators/index.js';
import { toYaml } from '../../generators/render.js';
import type { Template, WorkflowTemplate } from '../../generators/argo/types.js';
import { ALIGN_GROUP } from '../../generators/templates/align.js';
import { PREDICT_CHUNK } from '../../generators/templates/predict.js';
import { writeAtomic } from '../../executor/state.js';
import { ARGO_VERSION } from '../helpers/argo.js';

/**
 * Node classes small enough for this machine, for the alignment and GPU steps: the memory ladder 256Mi -> 512Mi
 * -> 1024Mi (the class's 1025Mi less 1Mi, its cap). The other steps keep the default cpu class.
 */
function smallClasses() {
  const small = (name: string, gpus: number) => ({
    instanceType: '',
    allocatable: { cpu: '4', memory: '1025Mi', gpus },
    reserved: { cpu: '100m', memory: '1Mi' },
    nodeSelector: { 'openfold-argo.io/node-class': name },
  });
  return {
    cpu: DEFAULT_NODE_CLASSES.cpu,
    'small-cpu': small('small-cpu', 0),
    gpu: { ...DEFAULT_NODE_CLASSES.gpu, ...small('gpu', 1) },
    'gpu-large': { ...DEFAULT_NODE_CLASSES['gpu-large'], ...small('gpu-large', 1) },
  };
}

const STAND_IN = `const fs=require('fs');const [dir,scenario,plan]=process.argv.slice(1);const f=dir+'/'+scenario;const n=(fs.existsSync(f+'.count')?Number(fs.readFileSync(f+'.count','utf8')):0)+1;fs.writeFileSync(f+'.count',String(n));fs.appendFileSync(f+'.log',n+' '+(process.env.OPENFOLD_ARGO_GPU_CLASS||'-')+'\\n');const steps=plan.split(',');const [what,arg]=steps[Math.min(n,steps.length)-1].split(':');if(what==='exit')process.exit(Number(arg));const keep=[];for(let i=0;i<Number(arg);i++)keep.push(Buffer.alloc(1<<20,1));setTimeout(()=>process.exit(0),2000)`;

export interface Scenario {
  name: string;
  template: string;
  plan: string;
}

export const SCENARIOS: Scenario[] = [
  { name: 'align-oom', template: ALIGN_GROUP, plan: 'alloc:400' },
  { name: 'align-plain', template: ALIGN_GROUP, plan: 'exit:3,alloc:100' },
  { name: 'predict-cuda-oom', template: PREDICT_CHUNK, plan: 'exit:86,exit:0' },
  { name: 'predict-plain', template: PREDICT_CHUNK, plan: 'exit:3,exit:0' },
  { name: 'predict-before-any-target', template: PREDICT_CHUNK, plan: 'exit:1,exit:0' },
];

export interface PreparedEscalation {
  file: string;
  dir: string;
  scenarios: Scenario[];
}

/** A rendered template with the stand-in as its program; everything Argo decides retries by is left as rendered. */
function withStandIn(t: Template, dir: string): Template {
  const out = structuredClone(t);
  out.inputs = { parameters: [{ name: 'scenario' }, { name: 'plan' }] };
  out.outputs = undefined;
  out.container!.command = ['node', '-e', STAND_IN, '--', dir, '{{inputs.parameters.scenario}}', '{{inputs.parameters.plan}}'];
  out.container!.args = [];
  return out;
}

export function prepare(dir: string, namespace: string): PreparedEscalation {
  const config = resolveConfig(
    {
      namespace,
      argoVersion: ARGO_VERSION,
      nodeClasses: smallClasses(),
      alignment: { nodeClass: 'small-cpu', resources: { cpu: 1, memory: '256Mi' }, oomMemoryFactor: 2 },
      inference: { gpu: { cpu: 1, memory: '512Mi', shm: '64Mi' }, longSequence: { cpu: 2, memory: '768Mi', shm: '128Mi' } },
      retries: { limit: 2, backoff: { duration: '1s', factor: 1, maxDelay: '1s' } },
    },
    'the escalation e2e config (test/e2e/prepare-escalation.ts)',
  );
  const resources = generateResources(config).map((r) => r.resource);
  const template = (owner: string, name: string) =>
    (resources.find((r) => r.metadata.name === owner) as WorkflowTemplate).spec.templates!.find((t) => t.name === name)!;
  const semaphores = resources.find((r) => r.kind === 'ConfigMap')!;
  const workflow = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: 'escalation-', namespace },
    spec: {
      entrypoint: 'main',
      templates: [
        {
          name: 'main',
          dag: {
            failFast: false,
            tasks: SCENARIOS.map((s) => ({
              name: s.name,
              template: s.template,
              arguments: {
                parameters: [
                  { name: 'scenario', value: s.name },
                  { name: 'plan', value: s.plan },
                ],
              },
            })),
          },
        },
        withStandIn(template('openfold-align', ALIGN_GROUP), dir),
        withStandIn(template('openfold-predict', PREDICT_CHUNK), dir),
      ],
    },
  };
  const file = join(dir, 'escalation.yaml');
  writeAtomic(file, `${toYaml(semaphores)}---\n${toYaml(workflow)}`);
  return { file, dir, scenarios: SCENARIOS };
}

function main(): void {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, namespace: { type: 'string' } } });
  if (!values.dir || !values.namespace) throw new Error('usage: prepare-escalation --dir DIR --namespace NS');
  console.log(JSON.stringify(prepare(resolve(values.dir), values.namespace)));
}

main();
