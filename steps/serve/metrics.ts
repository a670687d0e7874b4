// GET /v1/metrics: the server's Prometheus text (exposition format 0.0.4). Queue depth, requests by outcome, the
// latency histogram of predict requests, model loads, and the GPU memory the worker last reported (CUDA only).

export type Outcome = 'ok' | 'bad_request' | 'too_large' | 'queue_full' | 'timeout' | 'shutting_down' | 'failed';
export const OUTCOMES: readonly Outcome[] = ['ok', 'bad_request', 'too_large', 'queue_full', 'timeout', 'shutting_down', 'failed'];
/** Seconds: CPU runs of the test model take seconds, GPU runs of real ones minutes. */
export const LATENCY_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export class Metrics {
  private readonly requests = new Map<Outcome, number>(OUTCOMES.map((o) => [o, 0]));
  private readonly buckets = LATENCY_BUCKETS.map(() => 0);
  private count = 0;
  private sum = 0;
  modelLoads = 0;
  gpuMemoryBytes: number | null = null;

  request(outcome: Outcome, seconds: number): void {
    this.requests.set(outcome, (this.requests.get(outcome) ?? 0) + 1);
    this.count++;
    this.sum += seconds;
    LATENCY_BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.buckets[i]++;
    });
  }

  total(outcome: Outcome): number {
    return this.requests.get(outcome) ?? 0;
  }

  /** The exposition text. Pure given the counters. */
  render(queueDepth: number, busy: boolean, ready: boolean): string {
    const lines = [
      '# HELP openfold_argo_queue_depth Predict requests waiting for the model (not counting the running one).',
      '# TYPE openfold_argo_queue_depth gauge',
      `openfold_argo_queue_depth ${queueDepth}`,
      '# HELP openfold_argo_busy 1 while the model is predicting.',
      '# TYPE openfold_argo_busy gauge',
      `openfold_argo_busy ${busy ? 1 : 0}`,
      '# HELP openfold_argo_ready 1 when the weights are loaded and requests are taken.',
      '# TYPE openfold_argo_ready gauge',
      `openfold_argo_ready ${ready ? 1 : 0}`,
      '# HELP openfold_argo_model_loads_total Model loads by the worker (one per worker start, never per request).',
      '# TYPE openfold_argo_model_loads_total counter',
      `openfold_argo_model_loads_total ${this.modelLoads}`,
      '# HELP openfold_argo_requests_total Predict requests by outcome.',
      '# TYPE openfold_argo_requests_total counter',
      ...OUTCOMES.map((o) => `openfold_argo_requests_total{outcome="${o}"} ${this.requests.get(o) ?? 0}`),
      '# HELP openfold_argo_request_seconds Predict request latency, seconds (all outcomes).',
      '# TYPE openfold_argo_request_seconds histogram',
      ...LATENCY_BUCKETS.map((b, i) => `openfold_argo_request_seconds_bucket{le="${b}"} ${this.buckets[i]}`),
      `openfold_argo_request_seconds_bucket{le="+Inf"} ${this.count}`,
      `openfold_argo_request_seconds_sum ${this.sum}`,
      `openfold_argo_request_seconds_count ${this.count}`,
    ];
    if (this.gpuMemoryBytes !== null)
      lines.push(
        '# HELP openfold_argo_gpu_memory_bytes Peak GPU memory the model allocated (torch.cuda.max_memory_allocated).',
        '# TYPE openfold_argo_gpu_memory_bytes gauge',
        `openfold_argo_gpu_memory_bytes ${this.gpuMemoryBytes}`,
      );
    return lines.join('\n') + '\n';
  }
}
