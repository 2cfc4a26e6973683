/** `ipfailoverctl status` as a table people can read at a glance. */

type Row = Record<string, unknown>;

const COLUMNS: ReadonlyArray<[string, (i: Row) => string]> = [
  ['INSTANCE', (i) => String(i.name)],
  ['IFACE', (i) => String(i.interface)],
  ['VRID', (i) => String(i.vrid)],
  ['STATE', (i) => String(i.state) + (i.steppedDown === true ? ' (stepped down)' : '')],
  [
    'PRIO',
    (i) => {
      const p = i.priority as { configured: number; effective: number };
      return p.effective === p.configured ? String(p.effective) : `${p.effective} (${p.configured})`;
    },
  ],
  ['MASTER', (i) => (i.masterAddress === null ? '-' : String(i.masterAddress))],
  ['SINCE', (i) => String(i.since).replace('T', ' ').replace(/\.\d+Z$/, 'Z')],
  ['REASON', (i) => String(i.reason ?? '-')],
  [
    'ROLE',
    (i) => {
      const role = i.role as { expected: string; matches: boolean };
      return role.matches ? 'ok' : `MISMATCH (group expects ${role.expected})`;
    },
  ],
];

export function formatStatusTable(instances: readonly Row[]): string {
  const rows = [COLUMNS.map(([title]) => title), ...instances.map((i) => COLUMNS.map(([, cell]) => cell(i)))];
  const widths = COLUMNS.map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  const lines = rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] as number))).join('  '));
  const counters = instances.map((i) => {
    const c = i.counters as Record<string, unknown>;
    const rejected = Object.entries((c.rejected as Record<string, number>) ?? {})
      .map(([reason, n]) => `${reason}=${n}`)
      .join(' ');
    return `${String(i.name)}: sent ${String(c.advertsSent)}, received ${String(c.advertsReceived)}, transitions ${String(c.transitions)}, announcements ${String(c.announcements)}${rejected === '' ? '' : `, dropped ${rejected}`}`;
  });
  return [...lines, '', ...counters].join('\n') + '\n';
}
