// Cron schedules as Argo parses them (robfig/cron v3 ParseStandard: five fields, or @descriptors, with an
// optional TZ=/CRON_TZ= prefix) and time zones as Go's time.LoadLocation accepts them (IANA names, checked
// through Intl, case-sensitive like the zoneinfo files).

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

function parseValue(text: string, spec: FieldSpec): number | string {
  const named = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + (spec.min === 1 ? 1 : 0);
  if (!/^\d+$/.test(text)) return `"${text}" is not a number`;
  return Number(text);
}

/** Problems of one field such as `*\/15`, `1-5`, `MON,WED`, or undefined when it parses. */
function fieldProblem(field: string, spec: FieldSpec): string | undefined {
  for (const part of field.split(',')) {
    const [range, step, extra] = part.split('/');
    if (extra !== undefined) return `${spec.name} "${part}" has more than one '/'`;
    let start: number;
    let end: number;
    if (range === '*' || range === '?') {
      start = spec.min;
      end = spec.max;
    } else {
      const bounds = range.split('-');
      if (bounds.length > 2) return `${spec.name} "${part}" has more than one '-'`;
      const values = bounds.map((b) => parseValue(b, spec));
      for (const v of values) if (typeof v === 'string') return `${spec.name}: ${v}`;
      start = values[0] as number;
      end = bounds.length === 2 ? (values[1] as number) : step !== undefined ? spec.max : start;
    }
    if (step !== undefined && (!/^\d+$/.test(step) || Number(step) === 0)) return `${spec.name} "${part}": step must be a positive number`;
    if (start < spec.min) return `${spec.name} ${start} is below ${spec.min}`;
    if (end > spec.max) return `${spec.name} ${end} is above ${spec.max}`;
    if (start > end) return `${spec.name} "${part}": start of range (${start}) is beyond its end (${end})`;
  }
  return undefined;
}

const DURATION = /^([0-9]+(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$/;

/** Why a schedule is malformed, or undefined when robfig/cron's standard parser accepts it. */
export function cronScheduleProblem(schedule: string): string | undefined {
  let spec = schedule.trim();
  const tz = /^(CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(spec);
  if (tz) {
    const zone = timeZoneProblem(tz[2]);
    if (zone) return `provided bad location ${tz[2]}: ${zone}`;
    spec = tz[3].trim();
  }
  if (spec === '') return 'empty spec string';
  if (spec.startsWith('@')) {
    if (DESCRIPTORS.has(spec)) return undefined;
    const every = /^@every\s+(\S+)$/.exec(spec);
    if (every) return DURATION.test(every[1]) ? undefined : `failed to parse duration ${spec}`;
    return `unrecognized descriptor: ${spec}`;
  }
  const fields = spec.split(/\s+/);
  if (fields.length !== 5) return `expected exactly 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}: ${spec}`;
  for (let i = 0; i < 5; i++) {
    const problem = fieldProblem(fields[i], FIELDS[i]);
    if (problem) return problem;
  }
  return undefined;
}

/** Why Go's time.LoadLocation would refuse a zone name, or undefined when it is a valid IANA zone. */
export function timeZoneProblem(zone: string): string | undefined {
  if (zone === 'UTC' || zone === 'Local') return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return `unknown time zone ${zone}`;
  }
  // Intl ignores case; the zoneinfo files Go reads do not.
  if (resolved !== zone && resolved.toLowerCase() === zone.toLowerCase())
    return `unknown time zone ${zone} (names are case-sensitive: ${resolved})`;
  if (/^[+-]\d/.test(zone)) return `unknown time zone ${zone} (use an IANA name such as Etc/GMT-2)`;
  return undefined;
}
