// Labels and annotations every resource carries.
import type { Metadata } from './types.js';

export const APP = 'openfold-argo';
export const VERSION = '0.1.0';

export function labels(component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': APP,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': APP,
    'app.kubernetes.io/version': VERSION,
    'app.kubernetes.io/managed-by': APP,
  };
}

export function metadata(name: string, namespace: string, component: string, description: string): Metadata {
  return {
    name,
    namespace,
    labels: labels(component),
    annotations: {
      'workflows.argoproj.io/description': description,
      'workflows.argoproj.io/version': '>= 3.6.0',
    },
  };
}
