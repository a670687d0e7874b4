// Prometheus metrics emitted by Argo's controller for a template: duration and outcome per step.
import type { PrometheusMetric } from './types.js';

export function stepMetrics(step: string): { prometheus: PrometheusMetric[] } {
  return {
    prometheus: [
      {
        name: 'openfold_step_duration_seconds',
        help: 'Wall time of an openfold-argo step, by step and status.',
        labels: [
          { key: 'step', value: step },
          { key: 'status', value: '{{status}}' },
        ],
        gauge: { value: '{{duration}}', realtime: false },
      },
      {
        name: 'openfold_step_results_total',
        help: 'Finished openfold-argo steps, by step and status.',
        labels: [
          { key: 'step', value: step },
          { key: 'status', value: '{{status}}' },
        ],
        counter: { value: '1' },
      },
    ],
  };
}
