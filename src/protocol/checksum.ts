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

/** RFC 1071 sum of 16-bit words across the parts (an odd byte pairs with the next part's), unfolded. */
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
  return sum;
}

/** The Internet checksum (RFC 1071) of the concatenated parts. */
export function internetChecksum(parts: readonly Uint8Array[]): number {
  return complement(onesComplementSum(parts));
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
  const pseudo = ctx.family === 6 || ctx.variant === 'rfc5798' ? pseudoHeaderSum(ctx.family, ctx.src, ctx.dst, message.length) : 0;
  return complement(messageSum(message) + pseudo);
}

/**
 * Which form a received message's checksum is in, or null when neither matches (IPv6 has one).
 * The message is summed once for both IPv4 forms: this runs on every advertisement received.
 */
export function matchingChecksumVariant(message: Uint8Array, ctx: Omit<ChecksumContext, 'variant'>, received: number): ChecksumVariant | null {
  const body = messageSum(message);
  const pseudo = pseudoHeaderSum(ctx.family, ctx.src, ctx.dst, message.length);
  if (ctx.family === 6) return complement(body + pseudo) === received ? 'rfc9568' : null;
  if (complement(body) === received) return 'rfc9568';
  return complement(body + pseudo) === received ? 'rfc5798' : null;
}

/** The unfolded sum of `bytes` as big-endian 16-bit words from `from` (even) to `to`. */
function wordSum(bytes: Uint8Array, from: number, to: number): number {
  let sum = 0;
  let i = from;
  for (; i + 1 < to; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  // An odd trailing byte is padded with a zero byte on the right (RFC 1071 §4.1).
  if (i < to) sum += (bytes[i] as number) << 8;
  return sum;
}

/** The message's words with the checksum field (bytes 6–7) as zero. */
function messageSum(message: Uint8Array): number {
  const length = message.length;
  return wordSum(message, 0, Math.min(6, length)) + wordSum(message, 8, length);
}

/** The words of the pseudo-header of the family: RFC 5798 §5.2.8 (IPv4), RFC 8200 §8.1 (IPv6). */
function pseudoHeaderSum(family: IpFamily, src: Uint8Array, dst: Uint8Array, length: number): number {
  const width = family === 6 ? 16 : 4;
  // The 32-bit IPv6 length is two words; the IPv4 one is one (a VRRP message is far below 64 KiB).
  return wordSum(src, 0, width) + wordSum(dst, 0, width) + VRRP_IP_PROTOCOL + Math.floor(length / 0x10000) + (length % 0x10000);
}

/** Folds an unfolded sum to 16 bits and complements it (RFC 1071). */
function complement(sum: number): number {
  let folded = sum;
  while (folded > 0xffff) folded = (folded % 0x10000) + Math.floor(folded / 0x10000);
  return ~folded & 0xffff;
}
