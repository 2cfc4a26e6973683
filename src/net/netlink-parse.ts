/**
 * Pure rtnetlink reading for the address adapter: the ifinfomsg / ifaddrmsg headers and the few
 * attributes we use, bytes in, port types out. No sockets.
 *
 * Conventions: netlink structs are in host byte order (attribute payloads such as addresses are
 * network order and are copied out as is); a message that is too short or lacks what we need
 * reads as null, never as an exception, because it comes from the kernel and not from our code.
 *
 * Why not the `netlink` package's parsers: they check every struct and attribute against the
 * lengths of the headers they were generated from (netlink@0.3.0, 2022), so one attribute that a
 * newer kernel has extended would make a whole dump fail. We read only what we use.
 */

import { addressLength, type IpFamily } from '../protocol/ip-address.js';
import type { AddressEntry, AddressScope, LinkInfo } from './ports.js';

/** rtnetlink message types (linux/rtnetlink.h). */
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;

/** Multicast groups (enum rtnetlink_groups): the numbers that NETLINK_ADD_MEMBERSHIP takes. */
export const RTNLGRP_LINK = 1;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV6_IFADDR = 9;

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

const IFF_UP = 0x1;
/** Operationally up (RFC 2863): carrier, and not dormant; the kernel derives it from operstate. */
const IFF_RUNNING = 0x40;

const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;

const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_FLAGS = 8;

const IFA_F_SECONDARY = 0x01;
const IFA_F_TENTATIVE = 0x40;

const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_LINK = 253;
const RT_SCOPE_HOST = 254;

const IFINFOMSG_LENGTH = 16;
const IFADDRMSG_LENGTH = 8;
const NLA_HEADER_LENGTH = 4;
/** NLA_F_NESTED and NLA_F_NET_BYTEORDER share the type field with the type itself. */
const NLA_TYPE_MASK = 0x3fff;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function familyNumber(family: IpFamily): number {
  return family === 4 ? AF_INET : AF_INET6;
}

export function familyOf(number: number): IpFamily | null {
  if (number === AF_INET) return 4;
  if (number === AF_INET6) return 6;
  return null;
}

export function scopeName(scope: number): AddressScope {
  switch (scope) {
    case RT_SCOPE_UNIVERSE:
      return 'global';
    case RT_SCOPE_LINK:
      return 'link';
    case RT_SCOPE_HOST:
      return 'host';
    default:
      return 'other';
  }
}

export function addressFlagFields(flags: number): { secondary: boolean; tentative: boolean } {
  return { secondary: (flags & IFA_F_SECONDARY) !== 0, tentative: (flags & IFA_F_TENTATIVE) !== 0 };
}

/** Administratively up and operationally up: what "the link can carry our packets" means. */
export function linkIsUp(ifiFlags: number): boolean {
  return (ifiFlags & IFF_UP) !== 0 && (ifiFlags & IFF_RUNNING) !== 0;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Attributes by type; the first of a repeated type wins. A malformed tail ends the walk. */
export function readAttributes(bytes: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const data = view(bytes);
  let offset = 0;
  while (offset + NLA_HEADER_LENGTH <= bytes.length) {
    const length = data.getUint16(offset, HOST_LITTLE_ENDIAN);
    const type = data.getUint16(offset + 2, HOST_LITTLE_ENDIAN) & NLA_TYPE_MASK;
    if (length < NLA_HEADER_LENGTH || offset + length > bytes.length) break;
    if (!out.has(type)) out.set(type, bytes.slice(offset + NLA_HEADER_LENGTH, offset + length));
    offset += (length + 3) & ~3;
  }
  return out;
}

function readU32(bytes: Uint8Array | undefined): number | undefined {
  if (bytes === undefined || bytes.length < 4) return undefined;
  return view(bytes).getUint32(0, HOST_LITTLE_ENDIAN);
}

function readCString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

export interface ParsedLink {
  /** ifi_family: AF_UNSPEC for the link itself; AF_BRIDGE and others are per-protocol views. */
  readonly family: number;
  readonly link: LinkInfo;
}

/** The payload of an RTM_NEWLINK / RTM_DELLINK message (after the nlmsghdr). */
export function parseLinkMessage(body: Uint8Array): ParsedLink | null {
  if (body.length < IFINFOMSG_LENGTH) return null;
  const header = view(body);
  const family = header.getUint8(0);
  const ifindex = header.getInt32(4, HOST_LITTLE_ENDIAN);
  const flags = header.getUint32(8, HOST_LITTLE_ENDIAN);
  const attrs = readAttributes(body.subarray(IFINFOMSG_LENGTH));
  const name = attrs.get(IFLA_IFNAME);
  if (name === undefined) return null;
  return {
    family,
    link: {
      ifindex,
      name: readCString(name),
      // Links without a hardware address (tun, wireguard) have none: an empty MAC, not an error.
      mac: attrs.get(IFLA_ADDRESS) ?? new Uint8Array(0),
      up: linkIsUp(flags),
      mtu: readU32(attrs.get(IFLA_MTU)) ?? 0,
    },
  };
}

/** The payload of an RTM_NEWADDR / RTM_DELADDR message; null for families other than IPv4 / IPv6. */
export function parseAddressMessage(body: Uint8Array): AddressEntry | null {
  if (body.length < IFADDRMSG_LENGTH) return null;
  const header = view(body);
  const family = familyOf(header.getUint8(0));
  if (family === null) return null;
  const attrs = readAttributes(body.subarray(IFADDRMSG_LENGTH));
  // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links,
  // and the only one IPv6 sends otherwise.
  const address = attrs.get(IFA_LOCAL) ?? attrs.get(IFA_ADDRESS);
  if (address === undefined || address.length !== addressLength(family)) return null;
  // IFA_FLAGS carries all 32 bits; ifa_flags only the low 8, and the kernel sends both.
  const flags = readU32(attrs.get(IFA_FLAGS)) ?? header.getUint8(2);
  return {
    ifindex: header.getUint32(4, HOST_LITTLE_ENDIAN),
    family,
    address,
    prefixLength: header.getUint8(1),
    scope: scopeName(header.getUint8(3)),
    ...addressFlagFields(flags),
  };
}
