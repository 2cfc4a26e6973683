/**
 * The routers one instance hears: every advertisement that passed the RFC 9568 §7.1 checks
 * updates its sender's row. Pure: time is an argument.
 *
 * Bounded: VRRPv3 has no authentication, so anyone on the link can send valid advertisements
 * from ever-new source addresses. At most `capacity` rows are kept; a new sender past that
 * pushes out the one heard least recently, so a spoofer costs a row each, never memory, and a
 * real member that keeps advertising keeps its row (it is always among the most recent).
 */

import type { ChecksumVariant } from '../protocol/checksum.js';
import { NUDGE_PRIORITY, RELEASE_PRIORITY } from '../protocol/fsm.js';
import { activeDownIntervalMs } from '../protocol/timers.js';

/**
 * A failover group has a handful of members; 16 rows leave room for a mistake or two. No more:
 * every row is in the status reply, and with every table of 255 instances filled by a spoofer
 * that reply stays under the status socket's MAX_BACKLOG_BYTES (a longer one is cut off).
 */
export const PEER_TABLE_SIZE = 16;

export interface PeerEntry {
  /** The advertisement's IP source, as formatAddress() writes it. */
  readonly address: string;
  /**
   * The priority it last advertised (0: it released the role, §6.4.3). A priority-1 request
   * (NUDGE_PRIORITY: a Backup asking the Active router to re-announce) leaves a known one as
   * it was: the sender's priority is what it advertised as its own.
   */
  readonly priority: number;
  /** Max Adver Int of its last advertisement, in centiseconds (§5.2.7). */
  readonly maxAdvertIntervalCs: number;
  /** The checksum form of its last advertisement: RFC 9568, or the RFC 5798 pseudo-header. */
  readonly checksum: ChecksumVariant;
  /** Monotonic milliseconds. */
  readonly firstHeard: number;
  readonly lastHeard: number;
  /** Advertisements heard from it since its row was made. */
  readonly count: number;
}

/** What the table reads of an advertisement. */
export interface HeardAdvertisement {
  readonly priority: number;
  readonly maxAdvertIntervalCs: number;
  readonly checksumVariant: ChecksumVariant;
}

type Row = { -readonly [K in keyof PeerEntry]: PeerEntry[K] };

export class PeerTable {
  /** Least recently heard first: a row heard again is moved to the end. */
  private readonly rows = new Map<string, Row>();
  /** The row at the end of `rows`, the most recently heard. */
  private newest: Row | undefined;

  constructor(private readonly capacity = PEER_TABLE_SIZE) {}

  /** Records an advertisement from `address` at `now`; returns when it was heard before, if it was. */
  heard(address: string, adv: HeardAdvertisement, now: number): number | undefined {
    const row = this.rows.get(address);
    if (row === undefined) {
      const fresh: Row = {
        address,
        priority: adv.priority,
        maxAdvertIntervalCs: adv.maxAdvertIntervalCs,
        checksum: adv.checksumVariant,
        firstHeard: now,
        lastHeard: now,
        count: 1,
      };
      this.rows.set(address, fresh);
      this.newest = fresh;
      if (this.rows.size > this.capacity) this.rows.delete(this.rows.keys().next().value as string);
      return undefined;
    }
    const before = row.lastHeard;
    if (adv.priority !== NUDGE_PRIORITY) row.priority = adv.priority;
    row.maxAdvertIntervalCs = adv.maxAdvertIntervalCs;
    row.checksum = adv.checksumVariant;
    row.lastHeard = now;
    row.count++;
    // To the end, unless it is there already (one Active router: every packet).
    if (this.newest !== row) {
      this.rows.delete(address);
      this.rows.set(address, row);
      this.newest = row;
    }
    return before;
  }

  get(address: string): PeerEntry | undefined {
    return this.rows.get(address);
  }

  get size(): number {
    return this.rows.size;
  }

  /** Copies of the rows, most recently heard first. */
  entries(): PeerEntry[] {
    return [...this.rows.values()].reverse().map((row) => ({ ...row }));
  }
}

/**
 * Whether a peer was acting as the Active router at `now`, as a Backup of priority
 * `localPriority` would judge it: its last advertisement was not a release (priority 0), and it
 * came less than the Active_Down_Interval its own advertised interval gives (§6.1) ago. A
 * router that released, or that fell silent for that long, was not displaced by whoever took over.
 */
export function wasActive(entry: PeerEntry | undefined, now: number, localPriority: number): boolean {
  if (entry === undefined || entry.priority === RELEASE_PRIORITY) return false;
  return now - entry.lastHeard < activeDownIntervalMs(localPriority, entry.maxAdvertIntervalCs);
}
