/**
 * What the interop tests assert with: RFC 9568 §6.1's timer formulas (bounds, never timing
 * figures), our daemon's structured log lines (transitions, dropped adverts), and where the
 * client's traffic for a VIP goes.
 */

import { REJECT_REASONS, type RejectReason } from '../../../src/protocol/receive-checks.js';
import type { Cluster, Daemon } from '../../integration/helpers/cluster.js';
import { inNs } from '../../integration/helpers/topology.js';

/** Slack on top of a protocol bound: scheduling, process exit, log pipes; generous on purpose. */
export const MARGIN_MS = 500;

/** RFC 9568 §6.1: Skew_Time = ((256 − Priority) × Active_Adver_Interval) / 256. */
export function skewMs(priority: number, intervalMs: number): number {
  return ((256 - priority) * intervalMs) / 256;
}

/** RFC 9568 §6.1: Active_Down_Interval = 3 × Active_Adver_Interval + Skew_Time. */
export function activeDownMs(priority: number, intervalMs: number): number {
  return 3 * intervalMs + skewMs(priority, intervalMs);
}

/** When a daemon log line was written: its own timestamp (ISO, ms resolution), as Date.now(). */
export function lineTime(line: Record<string, unknown>): number {
  return Date.parse(String(line.time));
}

/** Dropped-packet log lines (structured: a §7.1 reject reason and the peer). */
export function drops(daemon: Daemon): Array<Record<string, unknown>> {
  const rejects = new Set<string>(REJECT_REASONS);
  return daemon.lines.filter(
    (line) => typeof line.peer === 'string' && typeof line.reason === 'string' && rejects.has(line.reason as RejectReason) && line.level !== 'info',
  );
}

/** Transition lines as "FROM>TO(reason)", for readable deepEqual. */
export function path(daemon: Daemon, instance = 'web'): string[] {
  return daemon.transitions(instance).map((line) => `${String(line.from)}>${String(line.to)}(${String(line.reason)})`);
}

/** The MAC the client's neighbour table has for `address` (learnt from gratuitous ARP). */
export async function clientMac(cluster: Cluster, address: string): Promise<string | undefined> {
  const entries = JSON.parse(await inNs(cluster.topology.client.ns, 'ip', '-j', 'neigh', 'show', 'dev', 'eth0', 'to', address)) as Array<{
    lladdr?: string;
  }>;
  return entries[0]?.lladdr;
}
