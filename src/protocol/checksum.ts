/**
 * VRRPv3 checksums.
 *
 * RFC 9568 §5.2.8: for IPv4 the checksum covers the VRRP message only; for IPv6 it covers the
 * RFC 8200 §8.1 pseudo-header (Next Header 112) and the message. RFC 5798 §5.2.8 also put a
 * pseudo-header in front of IPv4 messages, and keepalived and FRR still send that by default, so
 * an IPv4 receiver has to accept both and a sender has to be able to produce either.
 */

import type { IpFamily } from './ip-address.js';

export const VRRP_IP_PROTOCOL = 112;

/** Which IPv4 checksum: RFC 9568 (message only) or RFC 5798 (IPv4 pseudo-header + message). */
export type ChecksumVariant = 'rfc9568' | 'rfc5798';

/** RFC 1071 one's-complement sum of 16-bit words, folded, not yet complemented. */
function onesComplementSum(parts: readonly Uint8Array[]): number {
  let sum = 0;
  let odd: number | null = null;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const byte = part[i] as number;
      if (odd === null) {
        odd = byte;
      } else {
        sum += (odd << 8) | byte;
        odd = null;
      }
    }
  }
  // An odd trailing byte is padded with a zero byte on the right (RFC 1071 §4.1).
  if (odd !== null) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The Internet checksum (RFC 1071) of the concatenated parts. */
export function internetChecksum(parts: readonly Uint8Array[]): number {
  return ~onesComplementSum(parts) & 0xffff;
}

/** RFC 768-style IPv4 pseudo-header as RFC 5798 §5.2.8 uses it: src, dst, zero, protocol, length. */
function ipv4PseudoHeader(src: Uint8Array, dst: Uint8Array, length: number): Uint8Array {
  const header = new Uint8Array(12);
  header.set(src.subarray(0, 4), 0);
  header.set(dst.subarray(0, 4), 4);
  header[9] = VRRP_IP_PROTOCOL;
  header[10] = length >> 8;
  header[11] = length & 0xff;
  return header;
}

/** RFC 8200 §8.1 pseudo-header: src, dst, 32-bit upper-layer length, 3 zero bytes, next header. */
export function ipv6PseudoHeader(src: Uint8Array, dst: Uint8Array, length: number, nextHeader = VRRP_IP_PROTOCOL): Uint8Array {
  const header = new Uint8Array(40);
  header.set(src.subarray(0, 16), 0);
  header.set(dst.subarray(0, 16), 16);
  new DataView(header.buffer).setUint32(32, length);
  header[39] = nextHeader;
  return header;
}

export interface ChecksumContext {
  readonly family: IpFamily;
  /** IP source and destination in network order; needed by IPv6 and by the RFC 5798 IPv4 form. */
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** IPv4 only; IPv6 has one form in both RFCs. */
  readonly variant: ChecksumVariant;
}

/**
 * The checksum of a VRRP message whose checksum field (bytes 6–7) is taken as zero, whatever it
 * holds: the caller may pass a received message unchanged.
 */
export function vrrpChecksum(message: Uint8Array, ctx: ChecksumContext): number {
  const head = message.subarray(0, Math.min(6, message.length));
  const zeroField = new Uint8Array(Math.max(0, Math.min(2, message.length - 6)));
  const rest = message.subarray(Math.min(8, message.length));
  const body = [head, zeroField, rest];
  if (ctx.family === 6) return internetChecksum([ipv6PseudoHeader(ctx.src, ctx.dst, message.length), ...body]);
  if (ctx.variant === 'rfc5798') return internetChecksum([ipv4PseudoHeader(ctx.src, ctx.dst, message.length), ...body]);
  return internetChecksum(body);
}
