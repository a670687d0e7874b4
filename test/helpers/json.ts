// Rewriting JSON-like values for comparisons in tests.

/** The value with every object key in `keys` removed, at any depth, and each string passed through `text`. */
export function withoutKeys(value: unknown, keys: ReadonlySet<string>, text: (s: string) => string = (s) => s): unknown {
  const walk = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(walk)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => !keys.has(k))
              .map(([k, x]) => [k, walk(x)]),
          )
        : typeof v === 'string'
          ? text(v)
          : v;
  return walk(value);
}
