// Parsing of the address strings in the configuration: plain addresses
// ("192.0.2.1", "2001:db8::1") and CIDR prefixes ("203.0.113.10/32").
//
// Conventions:
// - node:net decides what an address is (isIPv4 / isIPv6) and how an IPv6
//   address is written (SocketAddress normalizes to RFC 5952 form: lowercase,
//   longest zero run compressed), so there is no address regex here.
// - Nothing throws: every parser returns { ok: true, value } or
//   { ok: false, reason } with a sentence a user can act on.
// - Addresses also convert to bigint so callers can do prefix arithmetic
//   (network / broadcast address) without caring about the family.
import net from 'node:net';

import type { IpFamily } from '../protocol/ip-address.js';

export type { IpFamily };

/** A single address, normalized. `given` keeps the text exactly as configured. */
export interface IpAddress {
  readonly given: string;
  readonly family: IpFamily;
  /** IPv4 dotted quad, or IPv6 in RFC 5952 compressed lowercase form. */
  readonly address: string;
}

/** An address with its prefix length ("/32" was written or implied). */
export interface IpPrefix extends IpAddress {
  readonly prefixLength: number;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export function addressBits(family: IpFamily): 32 | 128 {
  return family === 4 ? 32 : 128;
}

export function familyName(family: IpFamily): 'IPv4' | 'IPv6' {
  return family === 4 ? 'IPv4' : 'IPv6';
}

/** A plain address; a "/len" suffix is refused (use parseCidr for that). */
export function parseAddress(text: string): ParseResult<IpAddress> {
  if (text.includes('/')) {
    return { ok: false, reason: `"${text}" must be a plain address without a /prefix length` };
  }
  return parseBareAddress(text, text);
}

/** "addr/len" or a plain address, which stands for a host prefix (/32 or /128). */
export function parseCidr(text: string): ParseResult<IpPrefix> {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const parsed = parseBareAddress(addressText, text);
  if (!parsed.ok) return parsed;
  const { family } = parsed.value;
  const maxLength = addressBits(family);
  if (slash === -1) return { ok: true, value: { ...parsed.value, prefixLength: maxLength } };

  const lengthText = text.slice(slash + 1);
  const prefixLength = Number(lengthText);
  // String(Number(x)) === x accepts exactly the canonical decimal integers:
  // it refuses "", "+8", "08", "8.0", " 8" and "0x8".
  if (!Number.isInteger(prefixLength) || String(prefixLength) !== lengthText) {
    return { ok: false, reason: `"${text}": prefix length "${lengthText}" is not a decimal number` };
  }
  if (prefixLength < 1 || prefixLength > maxLength) {
    // /0 would make every destination on-link through this interface.
    return { ok: false, reason: `"${text}": prefix length must be 1..${maxLength} for ${familyName(family)}` };
  }
  return { ok: true, value: { ...parsed.value, prefixLength } };
}

function parseBareAddress(addressText: string, given: string): ParseResult<IpAddress> {
  if (net.isIPv4(addressText)) return { ok: true, value: { given, family: 4, address: addressText } };
  if (net.isIPv6(addressText)) {
    // node accepts a zone ("fe80::1%eth0"); the interface is configured
    // separately, so a zone here is either redundant or contradicts it.
    if (addressText.includes('%')) {
      return { ok: false, reason: `"${given}": a zone index (%...) is not allowed; the instance's interface is the zone` };
    }
    const address = new net.SocketAddress({ address: addressText, family: 'ipv6' }).address;
    return { ok: true, value: { given, family: 6, address } };
  }
  return { ok: false, reason: `"${given}" is not an IPv4 or IPv6 address` };
}

/** The address as an unsigned integer of 32 or 128 bits. */
export function addressToBigInt(a: Pick<IpAddress, 'family' | 'address'>): bigint {
  if (a.family === 4) {
    return a.address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
  }
  return ipv6Groups(a.address).reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
}

// Expands a valid IPv6 text (as accepted by net.isIPv6, without zone) into its
// eight 16-bit groups, including the "::" gap and a trailing dotted quad.
function ipv6Groups(text: string): number[] {
  const [head = '', tail] = text.split('::');
  const toGroups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((piece) => {
          if (!piece.includes('.')) return [parseInt(piece, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = toGroups(head);
  if (tail === undefined) return left;
  const right = toGroups(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** Mask selecting the host bits of a prefix (all zeros for a host prefix). */
export function hostMask(p: Pick<IpPrefix, 'family' | 'prefixLength'>): bigint {
  return (1n << BigInt(addressBits(p.family) - p.prefixLength)) - 1n;
}

/** "address/len" with the normalized address. */
export function formatPrefix(p: IpPrefix): string {
  return `${p.address}/${p.prefixLength}`;
}
