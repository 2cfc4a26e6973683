// Which configured addresses make no sense on the wire, and why.
//
// A virtual address is added to the interface of whichever VM is master and
// announced with gratuitous ARP / unsolicited NA, so it must be an ordinary
// unicast address. Peers and the source address send and receive
// advertisements, so they must be unicast too. IPv6 link-local virtual
// addresses are allowed: RFC 9568 §5.2.9 even makes one the first IPv6
// address of a virtual router.
import net from 'node:net';
import { addressBits, addressToBigInt, hostMask, type IpAddress, type IpFamily, type IpPrefix } from './cidr.js';

interface SpecialRange {
  readonly what: string;
  readonly list: net.BlockList;
}

function range(what: string, family: IpFamily, subnets: ReadonlyArray<readonly [string, number]>): SpecialRange {
  const list = new net.BlockList();
  for (const [base, length] of subnets) list.addSubnet(base, length, family === 4 ? 'ipv4' : 'ipv6');
  return { what, list };
}

// Kept per family: BlockList matches IPv4-mapped IPv6 addresses against IPv4
// rules, and we want "::ffff:127.0.0.1" reported as IPv4-mapped, not loopback.
const UNSPECIFIED = { 4: range('unspecified ("this network", 0.0.0.0/8)', 4, [['0.0.0.0', 8]]), 6: range('unspecified', 6, [['::', 128]]) };
const LOOPBACK = { 4: range('loopback', 4, [['127.0.0.0', 8]]), 6: range('loopback', 6, [['::1', 128]]) };
const MULTICAST = { 4: range('multicast', 4, [['224.0.0.0', 4]]), 6: range('multicast', 6, [['ff00::', 8]]) };
const LIMITED_BROADCAST = range('the limited broadcast address', 4, [['255.255.255.255', 32]]);
const IPV4_LINK_LOCAL = range('IPv4 link-local (169.254.0.0/16)', 4, [['169.254.0.0', 16]]);
// Not a real IPv6 destination: traffic to it is IPv4 inside the host.
const IPV4_MAPPED = range('IPv4-mapped (::ffff:0:0/96)', 6, [['::ffff:0:0', 96]]);

function matchRange(a: IpAddress, ranges: ReadonlyArray<SpecialRange>): string | undefined {
  const type = a.family === 4 ? 'ipv4' : 'ipv6';
  return ranges.find((r) => r.list.check(a.address, type))?.what;
}

/** Whether only this host can reach the address (127.0.0.0/8, ::1). */
export function isLoopback(a: IpAddress): boolean {
  return matchRange(a, [LOOPBACK[a.family]]) !== undefined;
}

/** Why an address cannot be a peer or the source of advertisements; undefined when it can. */
export function unicastEndpointProblem(a: IpAddress): string | undefined {
  const ranges = a.family === 4
    ? [UNSPECIFIED[4], LOOPBACK[4], MULTICAST[4], LIMITED_BROADCAST]
    : [UNSPECIFIED[6], LOOPBACK[6], MULTICAST[6], IPV4_MAPPED];
  const what = matchRange(a, ranges);
  return what === undefined ? undefined : `${a.given} is ${what} and cannot send or receive advertisements`;
}

/** Why a prefix cannot be a virtual address; undefined when it can. */
export function virtualAddressProblem(p: IpPrefix): string | undefined {
  const ranges = p.family === 4
    ? [UNSPECIFIED[4], LOOPBACK[4], MULTICAST[4], LIMITED_BROADCAST, IPV4_LINK_LOCAL]
    : [UNSPECIFIED[6], LOOPBACK[6], MULTICAST[6], IPV4_MAPPED];
  const what = matchRange(p, ranges);
  if (what !== undefined) return `${p.given} is ${what} and cannot be a virtual address`;

  // /31 and /32 (RFC 3021) and /127 and /128 (RFC 6164) have no network or
  // broadcast address: every address in them is a host.
  if (p.prefixLength >= addressBits(p.family) - 1) return undefined;
  const hostBits = addressToBigInt(p) & hostMask(p);
  if (hostBits === 0n) {
    const what = p.family === 4 ? 'network address' : 'subnet-router anycast address';
    return `${p.given} is the ${what} of its /${p.prefixLength} prefix; use a host address`;
  }
  if (p.family === 4 && hostBits === hostMask(p)) {
    return `${p.given} is the broadcast address of its /${p.prefixLength} prefix; use a host address`;
  }
  return undefined;
}
