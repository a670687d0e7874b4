// Invalid documents that both `argo lint`'s rules (layer 3) and Argo's own Go validation (layer 4) must refuse:
// the agreement test runs them through both.
import { workflowYaml } from './helpers.js';

const ECHO = `  - name: echo
    inputs: {parameters: [{name: msg}]}
    container: {image: busybox, args: ["{{inputs.parameters.msg}}"]}
`;

export const INVALID_CASES: Record<string, string> = {
  'undefined template': workflowYaml(`  - name: main
    steps:
    - - {name: a, template: nope}
`),
  'dependency cycle': workflowYaml(`  - name: main
    dag:
      tasks:
      - {name: a, template: leaf, depends: b}
      - {name: b, template: leaf, depends: a}
  - name: leaf
    container: {image: busybox}
`),
  'unknown dependency': workflowYaml(`  - name: main
    dag:
      tasks:
      - {name: a, template: leaf, depends: ghost}
  - name: leaf
    container: {image: busybox}
`),
  'misspelled task result': workflowYaml(`  - name: main
    dag:
      tasks:
      - {name: a, template: leaf}
      - {name: b, template: leaf, depends: a.Succeded}
  - name: leaf
    container: {image: busybox}
`),
  'unresolved input parameter': workflowYaml(`  - name: main
    container: {image: busybox, args: ["{{inputs.parameters.missing}}"]}
`),
  'unresolved workflow parameter': workflowYaml(`  - name: main
    container: {image: busybox, args: ["{{workflow.parameters.missing}}"]}
`),
  'missing argument': workflowYaml(`  - name: main
    steps:
    - - {name: say, template: echo}
${ECHO}`),
  'invalid retry policy': workflowYaml(`  - name: main
    retryStrategy: {limit: 1, retryPolicy: Sometimes}
    container: {image: busybox}
`),
  'invalid podGC strategy': workflowYaml(
    `  - name: main
    container: {image: busybox}
`,
    '  podGC: {strategy: OnSuccess}\n',
  ),
  'timeout on a steps template': workflowYaml(`  - name: main
    timeout: 10m
    steps:
    - - {name: a, template: leaf}
  - name: leaf
    container: {image: busybox}
`),
  'name longer than 63': workflowYaml(
    `  - name: main
    container: {image: busybox}
`,
    '',
    'a'.repeat(70),
  ),
  'bad cron schedule': `apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata: {name: nightly}
spec:
  schedules: ["61 * * * *"]
  workflowSpec:
    entrypoint: main
    templates:
    - name: main
      container: {image: busybox}
`,
  'bad time zone': `apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata: {name: nightly}
spec:
  schedules: ["0 1 * * *"]
  timezone: Mars/Olympus
  workflowSpec:
    entrypoint: main
    templates:
    - name: main
      container: {image: busybox}
`,
  'DAG argument from a task that is not a dependency': workflowYaml(`  - name: main
    dag:
      tasks:
      - {name: a, template: producer}
      - {name: b, template: echo, arguments: {parameters: [{name: msg, value: "{{tasks.a.outputs.result}}"}]}}
  - name: producer
    script: {image: busybox, source: echo hi}
${ECHO}`),
};
