// Prometheus metrics emitted by Argo's controller for a template: duration (a histogram) and outcome per step.
import type { PrometheusMetric } from './types.js';

/** Seconds: from a quick split or collect (1 min) to a day-long alignment or database download. */
export const STEP_DURATION_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400] as const;

export function stepMetrics(step: string): { prometheus: PrometheusMetric[] } {
  return {
    prometheus: [
      {
        // A histogram, not a gauge: a gauge keeps only the last step's time, a histogram every step's, so the
        // dashboards can show quantiles (histogram_quantile) and rates over all runs.
        name: 'openfold_step_duration_seconds',
        help: 'Wall time of openfold-argo steps, by step and status.',
        labels: [
          { key: 'step', value: step },
          { key: 'status', value: '{{status}}' },
        ],
        histogram: { value: '{{duration}}', buckets: [...STEP_DURATION_BUCKETS] },
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
