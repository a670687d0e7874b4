// max_template_date: a date (YYYY-MM-DD) or "today" (the UTC date when the prediction starts). Benchmarks pin a
// date, the day before their targets' release; everyday runs may take today's. The resolved date is recorded
// in every result.json, so a result always says which templates it could have used.
export const TODAY = 'today';

/** The date OpenFold gets: `value` itself, or the UTC date of `now` for "today". */
export function resolveTemplateDate(value: string, now: Date): string {
  return value === TODAY ? now.toISOString().slice(0, 10) : value;
}
