// Argo durations (retryStrategy.backoff): a plain number is seconds, otherwise Go's duration syntax
// ("30s", "10m", "1h30m", "500ms"); "d" is accepted as 24h for convenience.

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of an Argo duration; throws naming the field on a malformed value. */
export function parseDuration(value: string | number, field: string): number {
  if (typeof value === 'number') return value * 1000;
  const text = value.trim();
  if (/^[0-9]+(\.[0-9]+)?$/.test(text)) return Number(text) * 1000;
  const re = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h|d)/gy;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new Error(`${field}: must be a duration such as 30s, 10m or 1h30m, got ${JSON.stringify(value)}`);
    total += Number(m[1]) * UNIT_MS[m[2]];
    at = re.lastIndex;
  }
  if (text === '') throw new Error(`${field}: must be a duration, got ""`);
  return total;
}

/** "1m05s"-style short form for progress lines. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
