/**
 * Who sends us another VRRP version, and how often: the `bad-version` drops (RFC 9568 §7.1:
 * "MUST verify that the VRRP version is 3") counted per source address, so that a group that
 * mixes keepalived's default VRRPv2 with our VRRPv3 shows in status at once, with what to change.
 * Pure: time is an argument.
 *
 * Bounded like the peer table (peer-table.ts) and for the same reason: anyone on the link can
 * send from ever-new source addresses, and a VRRPv2 packet is dropped before any source check.
 * At most PEER_TABLE_SIZE rows; a new source past that pushes out the one heard least recently.
 */

import { PEER_TABLE_SIZE } from './peer-table.js';

export interface VersionPeerEntry {
  /** The packet's IP source, as formatAddress() writes it. */
  readonly address: string;
  /** The version its last packet carried (the header's high nibble). */
  readonly version: number;
  /** Packets dropped for their version since its row was made. */
  readonly count: number;
  /** Monotonic milliseconds. */
  readonly lastHeardMonotonicMs: number;
  /** What to change on that router. */
  readonly advice: string;
}

type Row = { -readonly [K in keyof VersionPeerEntry]: VersionPeerEntry[K] };

/** What to tell the operator about a router sending `version`. */
export function versionAdvice(version: number): string {
  return version === 2
    ? 'set version 3 on the keepalived side (`version 3` in its vrrp_instance, or `vrrp_version 3` in global_defs)'
    : `set that router to VRRP version 3 (RFC 9568); version ${version} is not a VRRP version this daemon speaks`;
}

export class VersionPeers {
  /** Least recently heard first: a row heard again is moved to the end. */
  private readonly rows = new Map<string, Row>();

  constructor(private readonly capacity = PEER_TABLE_SIZE) {}

  /** Counts a packet of `version` from `address`; returns its row's count (1: a new sender). */
  heard(address: string, version: number, now: number): number {
    const row = this.rows.get(address) ?? { address, version, count: 0, lastHeardMonotonicMs: now, advice: '' };
    row.version = version;
    row.advice = versionAdvice(version);
    row.count++;
    row.lastHeardMonotonicMs = now;
    this.rows.delete(address);
    this.rows.set(address, row);
    if (this.rows.size > this.capacity) this.rows.delete(this.rows.keys().next().value as string);
    return row.count;
  }

  /** heard(), as the fields a log line about the drop carries. */
  note(address: string, version: number, now: number): { version: number; peerDrops: number; advice: string } {
    return { version, peerDrops: this.heard(address, version, now), advice: versionAdvice(version) };
  }

  /** Copies of the rows, most recently heard first. */
  entries(): VersionPeerEntry[] {
    return [...this.rows.values()].reverse().map((row) => ({ ...row }));
  }
}

/** The VRRP version a message says it is (the header's high nibble); undefined if it has no byte. */
export function messageVersion(message: Uint8Array): number | undefined {
  const first = message[0];
  return first === undefined ? undefined : first >> 4;
}
