/** Per-instance counters, as the status socket reports them. */

import type { ChecksumVariant } from '../protocol/checksum.js';
import type { NoteReason, RejectReason } from '../protocol/receive-checks.js';

export interface InstanceCounters {
  advertsSent: number;
  advertsReceived: number;
  sendErrors: number;
  transitions: number;
  /** Transitions by the state entered (INIT, BACKUP, MASTER, FAULT): ipfailoverd_transitions_total{to}. */
  transitionsTo: Partial<Record<string, number>>;
  announcements: number;
  /** Virtual addresses put back after something else removed them while master. */
  addressesRestored: number;
  /** Virtual addresses removed because they appeared while not master. */
  addressesRemoved: number;
  /**
   * Split brains seen: episodes in which this router, Active, heard another Active router that
   * it wins against (fsm.ts reportSplitBrain; group-view.ts counts the episodes).
   */
  splitBrain: number;
  rejected: Partial<Record<RejectReason, number>>;
  noted: Partial<Record<NoteReason, number>>;
  /** Accepted advertisements by the checksum form the peer used (RFC 9568 or RFC 5798). */
  peerChecksums: Partial<Record<ChecksumVariant, number>>;
}

export function newCounters(): InstanceCounters {
  return {
    advertsSent: 0,
    advertsReceived: 0,
    sendErrors: 0,
    transitions: 0,
    transitionsTo: {},
    announcements: 0,
    addressesRestored: 0,
    addressesRemoved: 0,
    splitBrain: 0,
    rejected: {},
    noted: {},
    peerChecksums: {},
  };
}

export function bump<K extends string>(table: Partial<Record<K, number>>, key: K): void {
  table[key] = (table[key] ?? 0) + 1;
}
