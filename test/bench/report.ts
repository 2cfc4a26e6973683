/**
 * Report formatting for the benchmarks: order statistics and aligned text tables. Figures are
 * printed, never asserted.
 */

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export function median(values: readonly number[]): number {
  const s = sorted(values);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Nearest-rank percentile (p95 of 10 values is the largest). */
export function percentile(values: readonly number[], p: number): number {
  const s = sorted(values);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}

/** "median / p95 / max", or "-" without values. */
export function spread(values: readonly number[], digits = 3): string {
  if (values.length === 0) return '-';
  return `${median(values).toFixed(digits)} / ${percentile(values, 95).toFixed(digits)} / ${Math.max(...values).toFixed(digits)}`;
}

/** ours / theirs as "×1.23"; "-" when either is missing or theirs is 0. */
export function ratio(ours: number | undefined, theirs: number | undefined): string {
  if (ours === undefined || theirs === undefined || theirs === 0) return '-';
  return `×${(ours / theirs).toFixed(2)}`;
}

export function fixed(value: number | undefined, digits = 1): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

/** Columns padded to their widest cell: text columns (the first `textColumns`) left, figures right. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], textColumns = 1): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, c) => (c < textColumns ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
