/**
 * `ipfailoverctl peers`: one line per router each instance hears (peer-table.ts in the daemon),
 * most recently heard first, marking the master and the group's configured master.
 */

import { formatColumns, shortTime, type Column, type Row } from './columns.js';

/** A peer row with the instance it belongs to and the time the table is printed. */
type PeerRow = Row & { readonly instance: Row; readonly nowMs: number };

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/** What the instance knows the peer to be: its master, the configured master. */
function note(row: PeerRow): string {
  const active = row.instance.activeRouter as { address: string } | null | undefined;
  const notes: string[] = [];
  if (active?.address === row.address) notes.push('master');
  if (row.instance.groupMasterAddress === row.address) notes.push('configured master');
  return notes.length === 0 ? '-' : notes.join(', ');
}

const COLUMNS: readonly Column[] = [
  ['INSTANCE', (r) => String((r as PeerRow).instance.name)],
  ['VRID', (r) => String((r as PeerRow).instance.vrid)],
  ['PEER', (r) => String(r.address ?? '-')],
  // Priority 0: its last advertisement gave the role up (RFC 9568 §6.4.3).
  ['PRIO', (r) => (r.priority === undefined ? '-' : r.priority === 0 ? '0 (released)' : String(r.priority))],
  ['INTERVAL', (r) => (r.maxAdvertIntervalMs === undefined ? '-' : `${String(r.maxAdvertIntervalMs)} ms`)],
  ['CHECKSUM', (r) => String(r.checksum ?? '-')],
  ['FIRST HEARD', (r) => (r.firstHeard === undefined ? '-' : shortTime(r.firstHeard))],
  ['LAST HEARD', (r) => (r.lastHeard === undefined ? '-' : `${seconds((r as PeerRow).nowMs - Date.parse(String(r.lastHeard)))} ago`)],
  ['COUNT', (r) => String(r.count ?? '-')],
  ['NOTE', (r) => (r.address === undefined ? 'no peer heard' : note(r as PeerRow))],
];

export function formatPeersTable(instances: readonly Row[], nowMs = Date.now()): string {
  const rows: PeerRow[] = instances.flatMap((instance) => {
    const peers = Array.isArray(instance.peers) ? (instance.peers as Row[]) : [];
    return peers.length === 0 ? [{ instance, nowMs }] : peers.map((peer) => ({ ...peer, instance, nowMs }));
  });
  return `${formatColumns(COLUMNS, rows).join('\n')}\n`;
}
