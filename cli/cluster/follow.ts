// Follows one workflow through the watch API until it finishes, printing a line whenever its per-stage
// progress or phase changes. Reconnects when the server closes the stream; re-reads after a 410 Gone.
import { formatProgress, isFinished, objectPath, progress, type Workflow } from './argo.js';
import { KubeApiError } from './client.js';
import { UserError } from '../../common/errors.js';
import type { Session } from './session.js';

export interface FollowOptions {
  /** Where progress lines go. @default console.log */
  print?: (line: string) => void;
  /** Server-side timeout of one watch request, in seconds. @default 300 */
  timeoutSeconds?: number;
  /** Clock for the line prefix. @default () => new Date() */
  now?: () => Date;
}

export function progressLine(wf: Workflow, now: Date): string {
  const time = now.toISOString().slice(11, 19);
  return `${time} ${wf.metadata.name} ${(wf.status?.phase ?? 'Pending').padEnd(9)} ${formatProgress(progress(wf))}`;
}

export async function followWorkflow(s: Session, name: string, opts: FollowOptions = {}): Promise<Workflow> {
  const print = opts.print ?? ((l: string) => console.log(l));
  const now = opts.now ?? (() => new Date());
  const path = objectPath('Workflow', s.namespace, name);
  const what = `Workflow ${name}`;
  let last = '';
  const show = (wf: Workflow) => {
    const line = progressLine(wf, now());
    const key = line.slice(9);
    if (key !== last) print(line);
    last = key;
  };
  let wf = await s.call(() => s.client.get<Workflow>(path), what);
  show(wf);
  while (!isFinished(wf)) {
    const query = {
      fieldSelector: `metadata.name=${name}`,
      resourceVersion: wf.metadata.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: opts.timeoutSeconds ?? 300,
    };
    try {
      await s.client.watch<Workflow>(objectPath('Workflow', s.namespace), query, (e) => {
        if (e.type === 'BOOKMARK') {
          wf.metadata.resourceVersion = e.object.metadata.resourceVersion;
          return false;
        }
        if (e.type === 'DELETED') throw new UserError(`workflow ${name} was deleted while being watched`, 1);
        wf = e.object;
        show(wf);
        return isFinished(wf);
      });
    } catch (e) {
      // 410 Gone: our resourceVersion is too old; read the workflow again and watch from there.
      if (!(e instanceof KubeApiError && e.statusCode === 410)) throw s.explain(e, what);
      wf = await s.call(() => s.client.get<Workflow>(path), what);
      show(wf);
    }
  }
  return wf;
}
