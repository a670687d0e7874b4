// What a step leaves on the shared volume, for when its pod (and so its stdout) is gone. The step programs
// print their progress to stdout only (the pod log, deleted with the pod by podGC); on the volume they leave
// their outputs and done-manifests: split's manifest.json and plan.json, each target's alignment
// manifest.json (every search's command, exit code, time and depth), OpenFold's own openfold.log per predict
// batch, each target's result.json, the run's report.json/report.html, and each database's done-manifest.
// Paths come from the node's input parameters, so they are the ones that pod used. Pure.
import type { Stage, WorkflowNode } from './argo.js';

function input(node: WorkflowNode, name: string): string | undefined {
  const v = node.inputs?.parameters?.find((p) => p.name === name)?.value;
  return v === undefined ? undefined : String(v);
}

/** The files on the shared volume that tell what a step did (for TAG when given), most useful first. */
export function filesLeftBy(node: WorkflowNode, stage: Stage, databasesRoot: string, tag?: string): string[] {
  const t = tag ?? '<tag>';
  switch (stage) {
    case 'split': {
      const run = input(node, 'run');
      return run ? [`${run}/split/manifest.json`, `${run}/split/plan.json`] : [];
    }
    case 'align': {
      const out = input(node, 'out');
      if (!out) return [];
      const group = input(node, 'group');
      const plan = input(node, 'plan');
      return [`${out}/${t}/manifest.json${!tag && group && plan ? ` (the tags of group ${group} in ${plan})` : ''}`];
    }
    case 'predict': {
      const output = input(node, 'output');
      const results = input(node, 'results');
      return [
        ...(output ? [`${output}/b<NNN>/openfold.log (OpenFold's own log, per batch)`] : []),
        ...(results ? [`${results}/${t}/result.json`] : []),
      ];
    }
    case 'collect': {
      const run = input(node, 'run');
      return run ? [`${run}/report.json`, `${run}/report.html`] : [];
    }
    case 'databases': {
      const name = input(node, 'name');
      return [`${databasesRoot}/${name && name !== 'all' ? name : '<name>'}/.openfold-argo-done.json`];
    }
    default:
      return [];
  }
}
