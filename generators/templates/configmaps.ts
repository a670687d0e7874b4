// ConfigMaps the workflows need: the semaphore limits that bound GPU, alignment and MSA-server concurrency.
import type { Config } from '../config/types.js';
import type { ConfigMap } from '../argo/types.js';
import { labels } from '../argo/metadata.js';
import { SEMAPHORE_CONFIGMAP, SEMAPHORE_KEYS } from './common.js';

export function semaphoreConfigMap(c: Config): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: SEMAPHORE_CONFIGMAP, namespace: c.namespace, labels: labels('semaphores') },
    data: {
      [SEMAPHORE_KEYS.gpu]: String(c.inference.maxConcurrentGpus),
      [SEMAPHORE_KEYS.align]: String(c.alignment.maxParallelPods),
      // Requests in flight to the ColabFold MSA server from the whole cluster (align-mode colabfold_server).
      [SEMAPHORE_KEYS.msaServer]: String(c.alignment.msaServer.maxConcurrent),
    },
  };
}
