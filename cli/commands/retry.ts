// `openfold-argo retry NAME`: continues a Failed/Error workflow from where it failed, in the same run
// directory, as `argo retry` does through Argo's server: FormulateRetryWorkflow (retry-workflow.ts), delete the
// pods of the nodes that run again, store the workflow back (compressed when large), and the controller resumes.
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { FIELD_MANAGER, objectPath, parseParameterFlags, type Workflow } from '../cluster/argo.js';
import { KubeApiError } from '../cluster/client.js';
import { followToExit } from '../cluster/follow.js';
import { compressIfNeeded, podNameOf } from '../cluster/lifecycle.js';
import { formulateRetry } from '../cluster/retry-workflow.js';
import {
  CLUSTER_HELP,
  CLUSTER_OPTIONS,
  WATCH_HELP,
  WATCH_OPTIONS,
  openSession,
  watchBackoff,
  workflowNames,
  type Session,
} from '../cluster/session.js';
import { checkDeclared } from './resubmit.js';

const HELP = `usage: openfold-argo retry NAME [-p name=value ...] [--watch] [cluster options]

Re-runs the failed steps of a Failed or Error workflow, keeping everything that succeeded, under the same name
and run directory (so steps find the done-manifests of the first attempt), as \`argo retry\` does: the failed
nodes and their pods are deleted, the nodes above them reset to Running, and the controller continues.
  -p, --parameter name=value   override a workflow parameter for the retry (as argo retry -p)
  --watch                      follow the run until it ends; the exit code is its result
${WATCH_HELP}
Not offered: --restart-successful and --node-field-selector (use \`argo retry\` for those).

${CLUSTER_HELP}`;

const CONFLICT_TRIES = 3;

/** Deletes the pods of the nodes that run again; pods already gone (podGC) are fine. */
async function deletePods(s: Session, wf: Workflow, names: string[]): Promise<number> {
  let deleted = 0;
  for (const name of names) {
    const path = `/api/v1/namespaces/${encodeURIComponent(s.namespace)}/pods/${encodeURIComponent(name)}`;
    try {
      await s.client.delete(path);
      deleted++;
    } catch (e) {
      if (!(e instanceof KubeApiError && e.statusCode === 404)) throw s.explain(e, `Pod ${name} of workflow ${wf.metadata.name}`);
    }
  }
  return deleted;
}

export interface RetryOutcome {
  workflow: Workflow;
  reset: number;
  rerun: number;
  podsDeleted: number;
}

export async function retryWorkflow(s: Session, name: string, parameters: { name: string; value: string }[]): Promise<RetryOutcome> {
  const path = objectPath('Workflow', s.namespace, name);
  for (let attempt = 1; ; attempt++) {
    const wf = await s.call(() => s.client.get<Workflow>(path), `Workflow ${name}`);
    checkDeclared(wf, parameters);
    const plan = formulateRetry(wf, parameters);
    const podsDeleted = await deletePods(s, wf, [...new Set(plan.podNodes.map((n) => podNameOf(wf, n)))]);
    const next = compressIfNeeded(plan.workflow);
    try {
      const stored = await s.client.replace<Workflow>(path, next, FIELD_MANAGER);
      return { workflow: stored, reset: plan.reset.length, rerun: plan.deleted.length, podsDeleted };
    } catch (e) {
      // The controller wrote the workflow between our read and write: read it again, as a new retry.
      if (e instanceof KubeApiError && e.statusCode === 409 && attempt < CONFLICT_TRIES) continue;
      throw s.explain(e, `Workflow ${name}`);
    }
  }
}

export const command: Command = {
  summary: 're-run the failed steps of a Failed/Error workflow in place, as `argo retry`',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        ...CLUSTER_OPTIONS,
        ...WATCH_OPTIONS,
        parameter: { type: 'string', short: 'p', multiple: true },
        watch: { type: 'boolean' },
      },
      allowPositionals: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [name] = workflowNames(positionals);
    const parameters = parseParameterFlags(values.parameter ?? []);
    const backoff = watchBackoff(values);
    const s = openSession(values);
    const r = await retryWorkflow(s, name, parameters);
    console.log(`workflow ${name} retried: ${r.rerun} node(s) to run again, ${r.reset} reset, ${r.podsDeleted} pod(s) deleted`);
    if (!values.watch) return 0;
    return followToExit(s, name, { backoff });
  },
};
