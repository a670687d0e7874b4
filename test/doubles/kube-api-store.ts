// TEST DOUBLE support: the state of the Kubernetes API double (kube-api-double.ts): objects with resource
// versions, the watch event history, pod logs and their followers, and the test API that sets them up the way
// a controller, podGC or a container would. Never use outside tests.
import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import { CORE_PLURALS, type KubeObject } from './kube-api-wire.js';

export interface WatchEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  collection: string;
  object: KubeObject;
}

export class KubeStore {
  protected readonly objects = new Map<string, KubeObject>();
  protected readonly logs = new Map<string, string>();
  protected readonly logFollowers = new Map<string, Set<http.ServerResponse>>();
  protected readonly events: WatchEvent[] = [];
  protected readonly watchers = new Set<(e: WatchEvent) => void>();
  protected rv = 100;

  protected key(plural: string, namespace: string, name: string): string {
    const group = CORE_PLURALS.includes(plural) ? '' : 'argoproj.io';
    return `${group}/${namespace}/${plural}/${name}`;
  }

  /** Creates or replaces an object (as a controller would) and emits the watch event. */
  put(plural: string, object: KubeObject): KubeObject {
    const ns = object.metadata.namespace ?? 'default';
    const k = this.key(plural, ns, object.metadata.name);
    const old = this.objects.get(k);
    const stored: KubeObject = structuredClone(object);
    stored.metadata.namespace = ns;
    stored.metadata.uid = old?.metadata.uid ?? randomBytes(8).toString('hex');
    stored.metadata.creationTimestamp = old?.metadata.creationTimestamp ?? object.metadata.creationTimestamp ?? new Date().toISOString();
    stored.metadata.resourceVersion = String(++this.rv);
    this.objects.set(k, stored);
    this.emit({ rv: this.rv, type: old ? 'MODIFIED' : 'ADDED', collection: k.split('/').slice(0, 3).join('/'), object: stored });
    return stored;
  }

  /** Deletes an object (as podGC or a user would) and emits the watch event. */
  remove(plural: string, namespace: string, name: string): KubeObject | undefined {
    const k = this.key(plural, namespace, name);
    const old = this.objects.get(k);
    if (!old) return undefined;
    this.objects.delete(k);
    this.emit({ rv: ++this.rv, type: 'DELETED', collection: k.split('/').slice(0, 3).join('/'), object: old });
    if (plural === 'pods') this.endLog(namespace, name);
    return old;
  }

  get(plural: string, namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(this.key(plural, namespace, name));
  }

  list(plural: string, namespace: string): KubeObject[] {
    const prefix = this.key(plural, namespace, '');
    return [...this.objects].filter(([k]) => k.startsWith(prefix)).map(([, o]) => o);
  }

  setLog(namespace: string, pod: string, text: string): void {
    this.logs.set(`${namespace}/${pod}`, text);
  }

  /** Appends to a pod's log; followers (follow=true) get the text at once. */
  appendLog(namespace: string, pod: string, text: string): void {
    const k = `${namespace}/${pod}`;
    this.logs.set(k, (this.logs.get(k) ?? '') + text);
    for (const s of this.logFollowers.get(k) ?? []) s.write(text);
  }

  /** Ends the followed log streams of a pod (its container exited). */
  endLog(namespace: string, pod: string): void {
    const k = `${namespace}/${pod}`;
    for (const s of this.logFollowers.get(k) ?? []) s.end();
    this.logFollowers.delete(k);
  }

  protected emit(e: WatchEvent): void {
    this.events.push(e);
    for (const w of this.watchers) w(e);
  }
}
