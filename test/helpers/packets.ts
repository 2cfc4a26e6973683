/** Builds VRRP messages for tests through the real encoder, and patches bytes for bad ones. */

import { encode, type Advertisement } from '../../src/protocol/advertisement.js';
import type { ChecksumVariant } from '../../src/protocol/checksum.js';
import { vrrpChecksum } from '../../src/protocol/checksum.js';
import type { IpFamily } from '../../src/protocol/ip-address.js';
import { ip, VRRP_GROUP_V4, VRRP_GROUP_V6 } from './addresses.js';

export interface Wire {
  readonly family: IpFamily;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
}

export const V4_WIRE: Wire = { family: 4, src: ip('192.0.2.1'), dst: VRRP_GROUP_V4 };
export const V6_WIRE: Wire = { family: 6, src: ip('fe80::1'), dst: VRRP_GROUP_V6 };

export const V4_ADV: Advertisement = {
  vrid: 51,
  priority: 100,
  maxAdvertIntervalCs: 100,
  addresses: [ip('192.0.2.100')],
};

export const V6_ADV: Advertisement = {
  vrid: 52,
  priority: 150,
  maxAdvertIntervalCs: 100,
  addresses: [ip('2001:db8::100')],
};

export function message(adv: Advertisement, wire: Wire, variant: ChecksumVariant = 'rfc9568'): Uint8Array {
  return encode(adv, { ...wire, variant });
}

/** Changes bytes of a message, then (unless told not to) repairs the checksum so only the change is wrong. */
export function patched(
  original: Uint8Array,
  wire: Wire,
  edit: (bytes: Uint8Array) => Uint8Array,
  fixChecksum = true,
): Uint8Array {
  const bytes = edit(original.slice());
  if (fixChecksum && bytes.length >= 8) {
    const sum = vrrpChecksum(bytes, { ...wire, variant: 'rfc9568' });
    bytes[6] = sum >> 8;
    bytes[7] = sum & 0xff;
  }
  return bytes;
}
