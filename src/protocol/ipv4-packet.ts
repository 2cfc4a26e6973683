/**
 * The IPv4 header around a VRRP message. A raw IPv4 socket hands us the whole packet on receive,
 * and with IP_HDRINCL we write the header on send: that is how the source address and TTL 255
 * (RFC 9568 §5.1.1.3) are set exactly, whatever the routing table would pick.
 */

import { VRRP_IP_PROTOCOL } from './checksum.js';

export const IPV4_HEADER_LENGTH = 20;
/** DSCP CS6 "network control" (RFC 4594), as keepalived and routers mark VRRP. */
const TOS_NETWORK_CONTROL = 0xc0;
/** RFC 9568 §5.1.1.3: "The TTL MUST be set to 255." */
const VRRP_TTL = 255;

export interface Ipv4Packet {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly ttl: number;
  readonly protocol: number;
  readonly payload: Uint8Array;
}

export type Ipv4ParseResult = { readonly ok: true; readonly value: Ipv4Packet } | { readonly ok: false; readonly detail: string };

/** Reads the header the kernel delivered; never throws. */
export function parseIpv4Packet(bytes: Uint8Array): Ipv4ParseResult {
  if (bytes.length < IPV4_HEADER_LENGTH) return { ok: false, detail: `${bytes.length} bytes, no IPv4 header` };
  const version = (bytes[0] as number) >> 4;
  const headerLength = ((bytes[0] as number) & 0x0f) * 4;
  if (version !== 4 || headerLength < IPV4_HEADER_LENGTH || headerLength > bytes.length) {
    return { ok: false, detail: `not an IPv4 header (version ${version}, header ${headerLength} bytes)` };
  }
  const totalLength = ((bytes[2] as number) << 8) | (bytes[3] as number);
  // The kernel has already reassembled and checked the packet; trust the buffer's end if shorter.
  const end = Math.min(bytes.length, Math.max(totalLength, headerLength));
  return {
    ok: true,
    value: {
      ttl: bytes[8] as number,
      protocol: bytes[9] as number,
      src: bytes.slice(12, 16),
      dst: bytes.slice(16, 20),
      payload: bytes.slice(headerLength, end),
    },
  };
}

/**
 * A VRRP packet with its IPv4 header. Identification and header checksum are left zero: with
 * IP_HDRINCL the kernel fills both (raw(7)).
 */
export function buildIpv4Packet(src: Uint8Array, dst: Uint8Array, payload: Uint8Array): Uint8Array {
  const packet = new Uint8Array(IPV4_HEADER_LENGTH + payload.length);
  packet[0] = 0x45;
  packet[1] = TOS_NETWORK_CONTROL;
  packet[2] = packet.length >> 8;
  packet[3] = packet.length & 0xff;
  packet[8] = VRRP_TTL;
  packet[9] = VRRP_IP_PROTOCOL;
  packet.set(src, 12);
  packet.set(dst, 16);
  packet.set(payload, IPV4_HEADER_LENGTH);
  return packet;
}
