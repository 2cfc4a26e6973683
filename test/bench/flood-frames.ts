/**
 * The hostile VRRP frames of the flood benchmark, whole Ethernet frames for an AF_PACKET socket
 * (so that TTL, checksums and source addresses are exactly as chosen). For each family and each
 * configured VRID, four kinds:
 *   - unknown-vrid:  a valid advertisement for a VRID nobody configured;
 *   - bad-checksum:  a configured VRID, the checksum off by one;
 *   - bad-ttl:       a configured VRID, TTL / Hop Limit 64 instead of 255 (RFC 9568 §7.1);
 *   - low-priority:  a valid-looking advertisement for a configured VRID, priority 1, from an
 *                    address that is no member's (198.51.100.66, fe80::66): a Backup discards
 *                    it (§6.4.2: lower priority, preempt), a Master discards it (§6.4.3).
 * Documentation and link-local addresses only; sent to the VRRP groups on the segment.
 */

import { encode } from '../../src/protocol/advertisement.js';
import { internetChecksum, VRRP_IP_PROTOCOL } from '../../src/protocol/checksum.js';
import type { IpFamily } from '../../src/protocol/ip-address.js';
import { buildIpv4Packet } from '../../src/protocol/ipv4-packet.js';
import { ip, VRRP_GROUP_V4, VRRP_GROUP_V6 } from '../helpers/addresses.js';

export type FloodKind = 'unknown-vrid' | 'bad-checksum' | 'bad-ttl' | 'low-priority';
export const FLOOD_KINDS: readonly FloodKind[] = ['unknown-vrid', 'bad-checksum', 'bad-ttl', 'low-priority'];

export const FLOOD_SOURCE_V4 = '198.51.100.66';
export const FLOOD_SOURCE_V6 = 'fe80::66';
/** The flooder's MAC: the topology gives member 3 this one. */
const SOURCE_MAC = [0x02, 0, 0, 0, 0, 0x03];
/** RFC 1112 / RFC 2464 multicast MACs of 224.0.0.18 and ff02::12. */
const GROUP_MAC_V4 = [0x01, 0x00, 0x5e, 0x00, 0x00, 0x12];
const GROUP_MAC_V6 = [0x33, 0x33, 0x00, 0x00, 0x00, 0x12];

export interface FloodFrame {
  readonly family: IpFamily;
  readonly kind: FloodKind;
  readonly frame: Uint8Array;
}

export interface FloodTarget {
  readonly family: IpFamily;
  /** The VRIDs configured on the members; unknown-vrid frames use one outside them. */
  readonly vrids: readonly number[];
  readonly intervalCs: number;
  /** The failover address configured for `vrid`: valid-looking adverts carry it (§7.1). */
  readonly addressOf: (vrid: number) => string;
}

function ethernet(family: IpFamily, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(14 + payload.length);
  frame.set(family === 4 ? GROUP_MAC_V4 : GROUP_MAC_V6, 0);
  frame.set(SOURCE_MAC, 6);
  frame[12] = family === 4 ? 0x08 : 0x86;
  frame[13] = family === 4 ? 0x00 : 0xdd;
  frame.set(payload, 14);
  return frame;
}

function ipv4(src: Uint8Array, ttl: number, message: Uint8Array): Uint8Array {
  const packet = buildIpv4Packet(src, VRRP_GROUP_V4, message);
  packet[8] = ttl;
  // AF_PACKET frames go out as given: the header checksum is ours to fill.
  const sum = internetChecksum([packet.subarray(0, 20)]);
  packet[10] = sum >> 8;
  packet[11] = sum & 0xff;
  return packet;
}

function ipv6(src: Uint8Array, hopLimit: number, message: Uint8Array): Uint8Array {
  const packet = new Uint8Array(40 + message.length);
  packet[0] = 0x60;
  packet[4] = message.length >> 8;
  packet[5] = message.length & 0xff;
  packet[6] = VRRP_IP_PROTOCOL;
  packet[7] = hopLimit;
  packet.set(src, 8);
  packet.set(VRRP_GROUP_V6, 24);
  packet.set(message, 40);
  return packet;
}

function frameOf(target: FloodTarget, kind: FloodKind, vrid: number): Uint8Array {
  const { family } = target;
  const src = ip(family === 4 ? FLOOD_SOURCE_V4 : FLOOD_SOURCE_V6);
  const dst = family === 4 ? VRRP_GROUP_V4 : VRRP_GROUP_V6;
  const message = encode(
    { vrid, priority: kind === 'low-priority' ? 1 : 100, maxAdvertIntervalCs: target.intervalCs, addresses: [ip(target.addressOf(vrid))] },
    // The members' default checksum form (config "checksum": "rfc5798").
    { family, src, dst, variant: 'rfc5798' },
  );
  if (kind === 'bad-checksum') message[7] = ((message[7] as number) + 1) & 0xff;
  const ttl = kind === 'bad-ttl' ? 64 : 255;
  return ethernet(family, family === 4 ? ipv4(src, ttl, message) : ipv6(src, ttl, message));
}

/** A VRID outside `vrids`, for the unknown-vrid frames. */
function unknownVrid(vrids: readonly number[]): number {
  for (let vrid = 255; vrid >= 1; vrid--) if (!vrids.includes(vrid)) return vrid;
  throw new Error('every VRID is configured: no unknown one to flood with');
}

/** Every kind for every configured VRID, interleaved so that any run of frames mixes them. */
export function floodFrames(targets: readonly FloodTarget[]): FloodFrame[] {
  const frames: FloodFrame[] = [];
  for (const kind of FLOOD_KINDS) {
    for (const target of targets) {
      const vrids = kind === 'unknown-vrid' ? [unknownVrid(target.vrids)] : target.vrids;
      for (const vrid of vrids) frames.push({ family: target.family, kind, frame: frameOf(target, kind, vrid) });
    }
  }
  // Round-robin over kinds and families rather than one block of each.
  return frames.map((frame, i) => ({ frame, key: (i * 7919) % frames.length })).sort((a, b) => a.key - b.key).map((f) => f.frame);
}
