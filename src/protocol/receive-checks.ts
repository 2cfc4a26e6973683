/**
 * RFC 9568 §7.1 "Receiving VRRP Packets", as a list of checks with a reason code each.
 *
 * A failed MUST drops the packet; a failed MAY (interval, address list from the owner) is kept as
 * a note so that the caller can count and log it. The caller counts every reason and rate-limits
 * its logs by the same codes, so the codes are a stable contract (status counters use them).
 */

import { decode, type DecodedAdvertisement, type DecodeRejectReason } from './advertisement.js';
import { sameAddress, type IpFamily } from './ip-address.js';

/** §7.1 requires TTL (IPv4) or Hop Limit (IPv6) 255: the packet cannot have crossed a router. */
export const REQUIRED_TTL = 255;
/** §5.2.4: priority 255 is the owner of the virtual addresses. */
export const OWNER_PRIORITY = 255;

export type RejectReason =
  | DecodeRejectReason
  | 'bad-ttl'
  | 'unknown-vrid'
  | 'owner-received'
  | 'own-advertisement'
  | 'unknown-peer'
  | 'source-not-a-peer'
  | 'address-mismatch';

export type NoteReason = 'interval-mismatch' | 'address-mismatch';

export const REJECT_REASONS: readonly RejectReason[] = [
  'truncated',
  'bad-version',
  'bad-type',
  'bad-vrid',
  'no-addresses',
  'length-mismatch',
  'bad-checksum',
  'zero-interval',
  'bad-ttl',
  'unknown-vrid',
  'owner-received',
  'own-advertisement',
  'unknown-peer',
  'source-not-a-peer',
  'address-mismatch',
];

/** One packet as a transport adapter hands it over. */
export interface ReceivedPacket {
  readonly family: IpFamily;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** IPv4 TTL or IPv6 Hop Limit as received. */
  readonly ttl: number;
  /** The IP payload: the VRRP message. */
  readonly message: Uint8Array;
}

/** What the checks need to know of the instance a VRID maps to. */
export interface ReceivingInstance {
  /** The configured priority: 255 makes this router the owner (§7.1). */
  readonly priority: number;
  readonly advertIntervalCs: number;
  readonly addresses: readonly Uint8Array[];
  /** Addresses this router sends from: a packet from one of them is our own, looped back. */
  readonly localAddresses: readonly Uint8Array[];
  /** The only sources accepted, and the list they come from; undefined: any source on the link. */
  readonly members?: MemberList;
}

/**
 * Who may advertise. VRRPv3 has no authentication (RFC 9568 §9, Security Considerations), so the
 * source address is the only guard against a host that is not in the group. In unicast mode the
 * unicast peers are that list; in multicast mode it is the optional `peers` list.
 */
export interface MemberList {
  readonly addresses: readonly Uint8Array[];
  readonly listedIn: 'unicastPeers' | 'peers';
}

/** One check for both lists; the reason says which list the source is missing from. */
const NOT_LISTED: Record<MemberList['listedIn'], { readonly reason: RejectReason; readonly detail: string }> = {
  unicastPeers: { reason: 'unknown-peer', detail: 'source is not a configured unicast peer' },
  peers: { reason: 'source-not-a-peer', detail: 'source is not in the peers list' },
};

export interface CheckNote {
  readonly reason: NoteReason;
  readonly detail: string;
}

export type CheckResult<I> =
  | { readonly ok: true; readonly adv: DecodedAdvertisement; readonly instance: I; readonly notes: readonly CheckNote[] }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string; readonly vrid?: number };

// Plain loops, no closures, and no notes array unless there is a note: these run on every
// advertisement received (255 instances at 100 ms: 2,550 a second).
function contains(list: readonly Uint8Array[], address: Uint8Array): boolean {
  for (const candidate of list) if (sameAddress(candidate, address)) return true;
  return false;
}

function sameAddressSet(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (const address of a) if (!contains(b, address)) return false;
  return true;
}

const NO_NOTES: readonly CheckNote[] = Object.freeze([]);

/**
 * Runs the §7.1 checks in the RFC's order. `lookup` maps a VRID to the instance configured for
 * it on the receiving interface and family, or undefined.
 */
export function checkReceived<I extends ReceivingInstance>(
  packet: ReceivedPacket,
  lookup: (vrid: number) => I | undefined,
): CheckResult<I> {
  // §7.1: "MUST verify that the IPv4 TTL is 255" / "the IPv6 Hop Limit is 255".
  if (packet.ttl !== REQUIRED_TTL) {
    return { ok: false, reason: 'bad-ttl', detail: `${packet.family === 4 ? 'TTL' : 'hop limit'} ${packet.ttl}, must be 255` };
  }
  // Version, type, completeness and checksum: the codec's own checks.
  const decoded = decode(packet.message, packet);
  if (!decoded.ok) return decoded;
  const adv = decoded.value;
  // §7.1: "MUST verify that the VRID is configured on the receiving interface ..."
  const instance = lookup(adv.vrid);
  if (instance === undefined) return { ok: false, reason: 'unknown-vrid', detail: `VRID ${adv.vrid} is not configured here`, vrid: adv.vrid };
  // "... and the local router is not the IPvX address owner (Priority = 255 (decimal))."
  if (instance.priority === OWNER_PRIORITY) {
    return { ok: false, reason: 'owner-received', detail: 'this router owns the addresses (priority 255)', vrid: adv.vrid };
  }
  if (contains(instance.localAddresses, packet.src)) {
    return { ok: false, reason: 'own-advertisement', detail: 'sent by this router', vrid: adv.vrid };
  }
  const { members } = instance;
  if (members !== undefined && !contains(members.addresses, packet.src)) {
    return { ok: false, ...NOT_LISTED[members.listedIn], vrid: adv.vrid };
  }
  let notes: CheckNote[] | undefined;
  // §7.1: "MAY verify that the IPvX Address(es) associated with the VRID are valid" and, if not,
  // "If the packet was not generated by the address owner (Priority does not equal 255
  // (decimal)), the receiver MUST drop the packet".
  if (!sameAddressSet(adv.addresses, instance.addresses)) {
    const detail = `advertised ${adv.addresses.length} address(es) differ from the ${instance.addresses.length} configured`;
    if (adv.priority !== OWNER_PRIORITY) return { ok: false, reason: 'address-mismatch', detail, vrid: adv.vrid };
    (notes ??= []).push({ reason: 'address-mismatch', detail });
  }
  // §7.1: the interval MAY be compared, a mismatch logged, but the packet is NOT dropped: the
  // Backup adopts the Active router's interval (§6.4.2).
  if (adv.maxAdvertIntervalCs !== instance.advertIntervalCs) {
    (notes ??= []).push({
      reason: 'interval-mismatch',
      detail: `advertised ${adv.maxAdvertIntervalCs} cs, configured ${instance.advertIntervalCs} cs`,
    });
  }
  return { ok: true, adv, instance, notes: notes ?? NO_NOTES };
}
