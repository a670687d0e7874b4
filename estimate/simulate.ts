// A discrete-event simulation of the pipeline's DAG as generators/templates/pipeline.ts builds it:
//   split -> for each chunk: its align groups (withSequence first..last, each under the `align` semaphore)
//         -> the chunk's predict pod (under the `gpu` semaphore, standard or long class) once all its groups end
//   -> collect once every chunk has ended.
// Argo takes a semaphore before it creates the pod, so a pod holds its slot while it waits for a node of its
// class (the node group's size) and while it starts. Waiting pods are served in node order (chunk by chunk,
// a chunk's groups before its predict pod), as the local executor does and as Argo's FIFO semaphore queues do.
// Durations come in; nothing here knows about residues or prices.
import type { NodeClassName } from '../generators/config/cost.js';

export type Stage = 'split' | 'align' | 'predict' | 'collect';
export type Semaphore = 'align' | 'gpu';

export interface SimPod {
  stage: Stage;
  nodeClass: NodeClassName;
  /** Seconds from the pod's start (it has its semaphore and a node) to its end. */
  seconds: number;
}

export interface SimChunk {
  /** First and last align group (inclusive), indexes into SimInput.groups. */
  first: number;
  last: number;
  predict: SimPod;
}

export interface SimInput {
  split: SimPod;
  groups: SimPod[];
  chunks: SimChunk[];
  collect: SimPod;
}

export interface SimLimits {
  /** Semaphore sizes (alignment.maxParallelPods, inference.maxConcurrentGpus). */
  align: number;
  gpu: number;
  /** Pods of a class that can run at once (node group size x pods per node); absent: unlimited. */
  classCapacity?: Partial<Record<NodeClassName, number>>;
  /** Pods running at once in the whole workflow (spec.parallelism, the local executor's --max-parallel). */
  global?: number;
  /** Seconds from a pod's dependencies ending to it asking for its semaphore (controller latency). */
  dispatchSeconds: number;
}

export interface PodTiming {
  stage: Stage;
  nodeClass: NodeClassName;
  start: number;
  end: number;
}

export interface SimResult {
  /** split, the groups in order, the chunks' predict pods in order, collect. */
  pods: PodTiming[];
  makespanSeconds: number;
}

/** A binary min-heap of [time, order, pod, kind]: events in time order, ties in node order. */
class EventHeap {
  private readonly items: [number, number, number, 0 | 1][] = [];
  get size(): number {
    return this.items.length;
  }
  peekTime(): number {
    return this.items[0][0];
  }
  private less(a: [number, number, number, 0 | 1], b: [number, number, number, 0 | 1]): boolean {
    return a[0] !== b[0] ? a[0] < b[0] : a[3] !== b[3] ? a[3] < b[3] : a[1] < b[1];
  }
  push(item: [number, number, number, 0 | 1]): void {
    const h = this.items;
    h.push(item);
    for (let i = h.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  pop(): [number, number, number, 0 | 1] {
    const h = this.items;
    const top = h[0];
    const last = h.pop() as [number, number, number, 0 | 1];
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

/** A FIFO over an array (shift() is O(n) and 100 000-target plans queue thousands of pods). */
class Queue {
  private items: number[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(x: number): void {
    this.items.push(x);
  }
  peek(): number {
    return this.items[this.head];
  }
  shift(): number {
    const x = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
}

const COMPLETION = 0;
const READY = 1;

export function simulate(input: SimInput, limits: SimLimits): SimResult {
  // Pod ids in node order: split, then per chunk its groups and its predict pod, then collect.
  const pods: { pod: SimPod; semaphore?: Semaphore; chunk: number }[] = [{ pod: input.split, chunk: -1 }];
  const groupId: number[] = [];
  const predictId: number[] = [];
  input.chunks.forEach((c, ci) => {
    for (let g = c.first; g <= c.last; g++) {
      groupId[g] = pods.length;
      pods.push({ pod: input.groups[g], semaphore: 'align', chunk: ci });
    }
    predictId[ci] = pods.length;
    pods.push({ pod: c.predict, semaphore: 'gpu', chunk: ci });
  });
  const collectId = pods.length;
  pods.push({ pod: input.collect, chunk: input.chunks.length });

  const start = new Float64Array(pods.length).fill(NaN);
  const end = new Float64Array(pods.length).fill(NaN);
  const groupsLeft = input.chunks.map((c) => c.last - c.first + 1);
  let chunksLeft = input.chunks.length;

  const events = new EventHeap();
  const semQueue: Record<Semaphore, Queue> = { align: new Queue(), gpu: new Queue() };
  const semUsed: Record<Semaphore, number> = { align: 0, gpu: 0 };
  const nodeQueue = new Map<NodeClassName, Queue>();
  const classUsed = new Map<NodeClassName, number>();
  let globalUsed = 0;
  const capacity = (k: NodeClassName) => limits.classCapacity?.[k] ?? Infinity;
  const global = limits.global ?? Infinity;

  const ready = (id: number, t: number) => events.push([t + limits.dispatchSeconds, id, id, READY]);
  const toNodeQueue = (id: number) => {
    const k = pods[id].pod.nodeClass;
    if (!nodeQueue.has(k)) nodeQueue.set(k, new Queue());
    (nodeQueue.get(k) as Queue).push(id);
  };

  const schedule = (t: number) => {
    for (const s of ['align', 'gpu'] as const) {
      const q = semQueue[s];
      while (q.length > 0 && semUsed[s] < limits[s]) {
        semUsed[s]++;
        toNodeQueue(q.shift());
      }
    }
    for (;;) {
      // The waiting pod earliest in node order among the classes with a free node slot.
      let best = -1;
      if (globalUsed < global) {
        for (const [k, q] of nodeQueue) {
          if (q.length > 0 && (classUsed.get(k) ?? 0) < capacity(k) && (best < 0 || q.peek() < best)) best = q.peek();
        }
      }
      if (best < 0) return;
      const k = pods[best].pod.nodeClass;
      (nodeQueue.get(k) as Queue).shift();
      classUsed.set(k, (classUsed.get(k) ?? 0) + 1);
      globalUsed++;
      start[best] = t;
      end[best] = t + pods[best].pod.seconds;
      events.push([end[best], best, best, COMPLETION]);
    }
  };

  const complete = (id: number, t: number) => {
    const p = pods[id];
    if (p.semaphore) semUsed[p.semaphore]--;
    classUsed.set(p.pod.nodeClass, (classUsed.get(p.pod.nodeClass) ?? 0) - 1);
    globalUsed--;
    if (id === 0) {
      // split: every chunk's groups become runnable (and chunks without groups go straight to predict).
      input.chunks.forEach((c, ci) => {
        for (let g = c.first; g <= c.last; g++) ready(groupId[g], t);
        if (c.last < c.first) ready(predictId[ci], t);
      });
      if (input.chunks.length === 0) ready(collectId, t);
    } else if (p.pod.stage === 'align') {
      if (--groupsLeft[p.chunk] === 0) ready(predictId[p.chunk], t);
    } else if (p.pod.stage === 'predict') {
      if (--chunksLeft === 0) ready(collectId, t);
    }
  };

  ready(0, -limits.dispatchSeconds);
  while (events.size > 0) {
    const t = events.peekTime();
    while (events.size > 0 && events.peekTime() === t) {
      const [, , id, kind] = events.pop();
      if (kind === COMPLETION) complete(id, t);
      else if (pods[id].semaphore) semQueue[pods[id].semaphore as Semaphore].push(id);
      else toNodeQueue(id);
    }
    schedule(t);
  }
  const timings: PodTiming[] = pods.map((p, i) => ({ stage: p.pod.stage, nodeClass: p.pod.nodeClass, start: start[i], end: end[i] }));
  // Report groups in group-id order and predict pods in chunk order, whatever the node order was.
  const ordered = [timings[0], ...groupId.map((i) => timings[i]), ...predictId.map((i) => timings[i]), timings[collectId]];
  return { pods: ordered, makespanSeconds: end[collectId] };
}
