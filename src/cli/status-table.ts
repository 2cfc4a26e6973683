/** `ipfailoverctl status` as a table people can read at a glance. */

type Row = Record<string, unknown>;

/** At first start, a member holding back for the configured master says for whom and how long. */
function groupMasterWait(i: Row): string {
  const wait = i.waitingForGroupMaster as { address: string; remainingMs: number } | null | undefined;
  return wait == null ? '' : ` (waits ${(wait.remainingMs / 1000).toFixed(1)} s for ${wait.address})`;
}

const COLUMNS: ReadonlyArray<[string, (i: Row) => string]> = [
  ['INSTANCE', (i) => String(i.name)],
  ['IFACE', (i) => String(i.interface)],
  ['VRID', (i) => String(i.vrid)],
  ['STATE', (i) => String(i.state) + (i.steppedDown === true ? ' (stepped down)' : '') + groupMasterWait(i)],
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

/** "reason=n reason=n" of a table of counts; empty if there are none. */
function counts(table: unknown): string {
  return Object.entries((table as Record<string, number> | undefined) ?? {})
    .map(([reason, n]) => `${reason}=${n}`)
    .join(' ');
}

/**
 * One line per receive socket: every datagram it read is counted by an instance (above) or
 * here as unattributed; the kernel's drops (a full queue) and our handling errors are here too.
 */
function socketLine(s: Row): string {
  const unattributed = counts(s.unattributed);
  return `socket ${String(s.socket)}${s.deaf === true ? ' (deaf)' : ''}: received ${String(s.received)}, kernel drops ${String(s.kernelDrops)}, handler errors ${String(s.handlerErrors)}${unattributed === '' ? '' : `, unattributed ${unattributed}`}`;
}

export function formatStatusTable(instances: readonly Row[], sockets: readonly Row[] = []): string {
  const rows = [COLUMNS.map(([title]) => title), ...instances.map((i) => COLUMNS.map(([, cell]) => cell(i)))];
  const widths = COLUMNS.map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  const lines = rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] as number))).join('  '));
  const counters = instances.map((i) => {
    const c = i.counters as Record<string, unknown>;
    const rejected = counts(c.rejected);
    return `${String(i.name)}: sent ${String(c.advertsSent)}, received ${String(c.advertsReceived)}, transitions ${String(c.transitions)}, announcements ${String(c.announcements)}${rejected === '' ? '' : `, dropped ${rejected}`}`;
  });
  return [...lines, '', ...counters, ...(sockets.length === 0 ? [] : ['', ...sockets.map(socketLine)])].join('\n') + '\n';
}
