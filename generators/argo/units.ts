// Meaningful config values converted to Argo's wire format, each in exactly one place.

const SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** "30s" | "10m" | "6h" | "2d" -> seconds (activeDeadlineSeconds). */
export function durationSeconds(duration: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(duration);
  if (!m) throw new Error(`not a duration: ${JSON.stringify(duration)} (expected 30s, 10m, 6h or 2d)`);
  return Number(m[1]) * SECONDS[m[2] as keyof typeof SECONDS];
}

/** Argo's backoff durations are Go durations; ours ("30s", "10m", "2d") become "30s", "10m", "48h". */
export function goDuration(duration: string): string {
  const m = /^(\d+)d$/.exec(duration);
  return m ? `${Number(m[1]) * 24}h` : duration;
}

const BINARY = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 } as const;

/** A memory quantity times a factor, in Mi (exact and readable): 32Gi x 2 -> "65536Mi". */
export function scaleMemory(quantity: string | number, factor: number): string {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti)?$/.exec(String(quantity));
  if (!m) throw new Error(`not a binary memory quantity: ${JSON.stringify(quantity)}`);
  const bytes = Number(m[1]) * (m[2] ? BINARY[m[2] as keyof typeof BINARY] : 1);
  return `${Math.ceil((bytes * factor) / BINARY.Mi)}Mi`;
}

/** CPU as Kubernetes writes it: whole cores as integers, otherwise the given string. */
export function cpu(value: string | number): string | number {
  return typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : value;
}

/** Whole cores for a tool's --cpu flag (at least 1): 8 -> 8, "500m" -> 1, "2.5" -> 2. */
export function wholeCores(value: string | number): number {
  const s = String(value);
  const n = s.endsWith('m') ? Number(s.slice(0, -1)) / 1000 : Number(s);
  return Math.max(1, Math.floor(n));
}
