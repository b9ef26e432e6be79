/** Small helpers shared by the benchmarks. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function resultLine(fields: Record<string, number | string>): string {
  return (
    'RESULT ' +
    Object.entries(fields)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')
  );
}
