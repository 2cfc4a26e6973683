/** `ipfailoverctl status` as a table people can read at a glance. */

import { formatColumns, shortTime, type Column, type Row } from './columns.js';

/** At first start, a member holding back for the configured master says for whom and how long. */
function groupMasterWait(i: Row): string {
  const wait = i.waitingForGroupMaster as { address: string; remainingMs: number } | null | undefined;
  return wait == null ? '' : ` (waits ${(wait.remainingMs / 1000).toFixed(1)} s for ${wait.address})`;
}

/**
 * The master and its priority, and whether it is the group's configured master where this
 * member can tell. A daemon without `activeRouter` (an older one) has the address alone.
 */
function masterCell(i: Row): string {
  const active = i.activeRouter as { address: string; priority: number; isGroupMaster: boolean | null } | null | undefined;
  if (active === undefined) return i.masterAddress === null ? '-' : String(i.masterAddress);
  if (active === null) return '-';
  const which = active.isGroupMaster === null ? '' : active.isGroupMaster ? ', configured master' : ', not the configured master';
  return `${active.address} (${active.priority}${which})`;
}

/** A Backup ready to take the role that waits for the other members of its sync group. */
function syncWait(i: Row): string {
  return i.waitingForSyncGroup === true ? ` (waits for sync group ${String(i.syncGroup)})` : '';
}

const COLUMNS: readonly Column[] = [
  ['INSTANCE', (i) => String(i.name)],
  ['IFACE', (i) => String(i.interface)],
  ['VRID', (i) => String(i.vrid)],
  ['STATE', (i) => String(i.state) + (i.steppedDown === true ? ' (stepped down)' : '') + groupMasterWait(i) + syncWait(i)],
  [
    'PRIO',
    (i) => {
      const p = i.priority as { configured: number; effective: number };
      return p.effective === p.configured ? String(p.effective) : `${p.effective} (${p.configured})`;
    },
  ],
  ['MASTER', masterCell],
  ['SINCE', (i) => shortTime(i.since)],
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

/**
 * A line per router heard sending another VRRP version (version-peers.ts in the daemon), so that
 * a keepalived left at VRRPv2 in the group is seen at once, with what to change on it.
 */
function versionLines(owner: string, row: Row): string[] {
  const peers = Array.isArray(row.otherVersions) ? (row.otherVersions as Row[]) : [];
  return peers.map((p) => {
    const n = Number(p.count);
    return `${owner}: VRRPv${String(p.version)} from ${String(p.address)} (${n} advertisement${n === 1 ? '' : 's'} dropped): ${String(p.advice)}`;
  });
}

export function formatStatusTable(instances: readonly Row[], sockets: readonly Row[] = []): string {
  const lines = formatColumns(COLUMNS, instances);
  const counters = instances.map((i) => {
    const c = i.counters as Record<string, unknown>;
    const rejected = counts(c.rejected);
    const splitBrain = typeof c.splitBrain === 'number' && c.splitBrain > 0 ? `, SPLIT BRAIN seen ${c.splitBrain} time${c.splitBrain === 1 ? '' : 's'} (see the log)` : '';
    const group = typeof i.syncGroup === 'string' ? `, sync group ${i.syncGroup}` : '';
    return `${String(i.name)}${group}: sent ${String(c.advertsSent)}, received ${String(c.advertsReceived)}, transitions ${String(c.transitions)}, announcements ${String(c.announcements)}${rejected === '' ? '' : `, dropped ${rejected}`}${splitBrain}`;
  });
  const versions = [
    ...instances.flatMap((i) => versionLines(String(i.name), i)),
    ...sockets.flatMap((s) => versionLines(`socket ${String(s.socket)}`, s)),
  ];
  return [...lines, '', ...counters, ...versions, ...(sockets.length === 0 ? [] : ['', ...sockets.map(socketLine)])].join('\n') + '\n';
}
