// Least squares for the time model: y ~ sum of c_j x_j with every c_j >= 0 (a negative seconds-per-residue is
// not a time). Small dense normal equations; a feature whose coefficient comes out negative, or that the data
// cannot tell apart from the others, is dropped and the rest refitted.

export interface Fit {
  /** One coefficient per feature; a dropped feature has 0 and is listed in `dropped`. */
  coefficients: number[];
  dropped: number[];
  /** Coefficient of determination over the observations (1 - SSres/SStot); null with fewer than 2 points or no spread. */
  r2: number | null;
  /** Mean absolute percentage error of the fitted values. */
  mapePercent: number | null;
  n: number;
}

/** Solves A x = b (A square) by Gaussian elimination with partial pivoting; null when singular. */
export function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    const scale = Math.max(...m.map((row) => Math.abs(row[col])), 1e-300);
    if (Math.abs(m[pivot][col]) < 1e-10 * scale) return null;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r][col] / m[col][col];
      for (let k = col; k <= n; k++) m[r][k] -= f * m[col][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

function leastSquares(x: number[][], y: number[], cols: number[]): number[] | null {
  const ata = cols.map((i) => cols.map((j) => x.reduce((s, row) => s + row[i] * row[j], 0)));
  const aty = cols.map((i) => x.reduce((s, row, r) => s + row[i] * y[r], 0));
  return solve(ata, aty);
}

export function quality(fitted: number[], y: number[]): { r2: number | null; mapePercent: number | null } {
  if (y.length === 0) return { r2: null, mapePercent: null };
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const ssTot = y.reduce((s, v) => s + (v - mean) ** 2, 0);
  const ssRes = y.reduce((s, v, i) => s + (v - fitted[i]) ** 2, 0);
  const positive = y.map((v, i) => [v, fitted[i]]).filter(([v]) => v > 0);
  return {
    r2: y.length >= 2 && ssTot > 0 ? 1 - ssRes / ssTot : null,
    mapePercent: positive.length ? (100 * positive.reduce((s, [v, f]) => s + Math.abs(f - v) / v, 0)) / positive.length : null,
  };
}

/** Non-negative least squares by elimination: rows of features `x` (same length), observations `y`. */
export function fitNonNegative(x: number[][], y: number[]): Fit {
  const k = x[0]?.length ?? 0;
  let cols = Array.from({ length: k }, (_, i) => i).filter((i) => x.some((row) => row[i] !== 0));
  let coef: number[] | null = null;
  for (;;) {
    if (cols.length === 0) break;
    coef = leastSquares(x, y, cols);
    if (coef === null) {
      // Collinear: drop the last feature whose removal lets the rest be told apart (features come from most
      // to least essential).
      const current = cols;
      const removable = [...current].reverse().find(
        (c) =>
          leastSquares(
            x,
            y,
            current.filter((k) => k !== c),
          ) !== null,
      );
      cols = current.filter((k) => k !== (removable ?? current[current.length - 1]));
      continue;
    }
    const negative = coef.findIndex((c) => c < 0);
    if (negative < 0) break;
    cols = cols.filter((_, i) => i !== negative);
    coef = null;
  }
  const coefficients = Array.from({ length: k }, () => 0);
  cols.forEach((c, i) => (coefficients[c] = coef?.[i] ?? 0));
  const fitted = x.map((row) => row.reduce((s, v, i) => s + v * coefficients[i], 0));
  return {
    coefficients,
    dropped: Array.from({ length: k }, (_, i) => i).filter((i) => !cols.includes(i)),
    ...quality(fitted, y),
    n: y.length,
  };
}
