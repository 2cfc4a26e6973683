/** Aligned columns for the command line's tables: a title and a cell function per column. */

export type Row = Record<string, unknown>;
export type Column = readonly [title: string, cell: (row: Row) => string];

/** The title line and one line per row, each column as wide as its widest cell (the last one unpadded). */
export function formatColumns(columns: readonly Column[], rows: readonly Row[]): string[] {
  const cells = [columns.map(([title]) => title), ...rows.map((row) => columns.map(([, cell]) => cell(row)))];
  const widths = columns.map((_, c) => Math.max(...cells.map((r) => (r[c] as string).length)));
  return cells.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] as number))).join('  '));
}

/** An ISO time as the tables show it: "2025-01-02 03:04:05Z". */
export function shortTime(iso: unknown): string {
  return String(iso).replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
