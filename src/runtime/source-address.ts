/**
 * Which local address an instance sends from, and so competes with in the §6.4.3 tie-break:
 * the configured `sourceAddress`, else for IPv4 the interface's primary address and for IPv6
 * its link-local address (RFC 9568 §5.1.2.1: "the IPv6 link-local address of the interface").
 * Never one of the virtual addresses: those come and go with the role.
 */

import { sameAddress, type IpFamily } from '../protocol/ip-address.js';
import type { AddressEntry } from '../net/ports.js';

export type SourceChoice = { readonly ok: true; readonly address: Uint8Array } | { readonly ok: false; readonly problem: string };

export function chooseSource(
  family: IpFamily,
  present: readonly AddressEntry[],
  virtual: readonly Uint8Array[],
  configured: Uint8Array | undefined,
): SourceChoice {
  if (configured !== undefined) {
    const found = present.some((entry) => sameAddress(entry.address, configured));
    return found ? { ok: true, address: configured } : { ok: false, problem: 'the configured sourceAddress is not on the interface' };
  }
  const candidates = present.filter((entry) => !virtual.some((vip) => sameAddress(vip, entry.address)));
  const ranked =
    family === 4
      ? [...candidates.filter((e) => e.scope === 'global' && !e.secondary), ...candidates.filter((e) => e.scope === 'global')]
      : [...candidates.filter((e) => e.scope === 'link' && !e.tentative), ...candidates.filter((e) => e.scope === 'link')];
  const first = ranked[0];
  if (first !== undefined) return { ok: true, address: first.address };
  return {
    ok: false,
    problem:
      family === 4
        ? 'the interface has no IPv4 address besides the virtual ones; give it one or set sourceAddress'
        : 'the interface has no IPv6 link-local address',
  };
}
