// Labels and annotations every resource carries.
import type { Metadata } from './types.js';

export const APP = 'openfold-argo';
export const VERSION = '0.1.0';
/** On the databases WorkflowTemplate: the names its `only` parameter may list (comma-separated). */
export const DATABASE_NAMES_ANNOTATION = 'openfold-argo.io/databases';

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
