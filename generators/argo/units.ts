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

const DECIMAL = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 } as const;

/** A Kubernetes memory quantity in bytes: 64Gi, 512Mi, 8G, 1e9, 1000 (no suffix: bytes). */
export function memoryBytes(quantity: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T|m)?$/.exec(String(quantity));
  if (!m) throw new Error(`not a memory quantity: ${JSON.stringify(quantity)}`);
  const unit = m[2];
  const scale = !unit
    ? 1
    : unit === 'm'
      ? 1e-3
      : unit in BINARY
        ? BINARY[unit as keyof typeof BINARY]
        : DECIMAL[unit as keyof typeof DECIMAL];
  return Number(m[1]) * scale;
}

/** A Kubernetes CPU quantity in millicores: 8 -> 8000, "500m" -> 500, "2.5" -> 2500. */
export function cpuMillis(quantity: string | number): number {
  const s = String(quantity);
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(s);
  if (!m) throw new Error(`not a CPU quantity: ${JSON.stringify(quantity)}`);
  return m[2] ? Number(m[1]) : Number(m[1]) * 1000;
}

/** Memory for a person: "233.9Gi" (one decimal, rounded down so it never overstates what fits). */
export function showMemory(bytes: number): string {
  const gi = bytes / BINARY.Gi;
  return gi >= 1 ? `${Math.floor(gi * 10) / 10}Gi` : `${Math.floor(bytes / BINARY.Mi)}Mi`;
}

/** CPU for a person: "31.85" cores. */
export function showCpu(millis: number): string {
  return String(millis / 1000);
}

/** Whole MiB, as the generators write memory they computed: 239554Mi. */
export function mebibytes(bytes: number): string {
  return `${Math.floor(bytes / BINARY.Mi)}Mi`;
}
