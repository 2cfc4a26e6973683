/**
 * The VRRPv3 advertisement (RFC 9568 §5.1), encoded and decoded without sockets.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
 *   |(rsvd) |     Max Adver Int     |          Checksum             |
 *   |                   IPvX Address(es) ...                         |
 *
 * Wire input never throws: decode returns a result with a reason code. encode throws only on our
 * own bugs (a value outside its field), which the configuration has already ruled out.
 */

import { matchingChecksumVariant, vrrpChecksum, type ChecksumVariant } from './checksum.js';
import { addressLength, type IpFamily } from './ip-address.js';
import { MAX_INTERVAL_CS } from './timers.js';

export const VRRP_VERSION = 3;
/** §5.2.2: the only type defined. */
export const TYPE_ADVERTISEMENT = 1;
export const HEADER_LENGTH = 8;
/** §5.2.5: the count field is 8 bits and at least one address is carried. */
export const MAX_ADDRESSES = 255;

export interface Advertisement {
  readonly vrid: number;
  readonly priority: number;
  /** Centiseconds, 12 bits (§5.2.7). */
  readonly maxAdvertIntervalCs: number;
  /** Network-order bytes, 4 or 16 each according to the family. */
  readonly addresses: readonly Uint8Array[];
}

export interface DecodedAdvertisement extends Advertisement {
  readonly family: IpFamily;
  readonly checksum: number;
  /** Which checksum form matched: lets operators see which RFC a peer follows. */
  readonly checksumVariant: ChecksumVariant;
}

export type DecodeRejectReason =
  | 'truncated'
  | 'bad-version'
  | 'bad-type'
  | 'bad-vrid'
  | 'no-addresses'
  | 'length-mismatch'
  | 'bad-checksum'
  | 'zero-interval';

export type DecodeResult =
  | { readonly ok: true; readonly value: DecodedAdvertisement }
  | { readonly ok: false; readonly reason: DecodeRejectReason; readonly detail: string };

export interface WireContext {
  readonly family: IpFamily;
  /** IP source and destination, network order: part of the IPv6 and RFC 5798 IPv4 checksums. */
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
}

export function encodingLength(family: IpFamily, addressCount: number): number {
  return HEADER_LENGTH + addressCount * addressLength(family);
}

function assertField(ok: boolean, what: string): void {
  if (!ok) throw new RangeError(`advertisement field out of range: ${what}`);
}

/** Builds the message with its checksum; `variant` picks the IPv4 checksum form (IPv6 has one). */
export function encode(adv: Advertisement, ctx: WireContext & { readonly variant: ChecksumVariant }): Uint8Array {
  const width = addressLength(ctx.family);
  assertField(Number.isInteger(adv.vrid) && adv.vrid >= 1 && adv.vrid <= 255, `vrid ${adv.vrid}`);
  assertField(Number.isInteger(adv.priority) && adv.priority >= 0 && adv.priority <= 255, `priority ${adv.priority}`);
  assertField(
    Number.isInteger(adv.maxAdvertIntervalCs) && adv.maxAdvertIntervalCs >= 1 && adv.maxAdvertIntervalCs <= MAX_INTERVAL_CS,
    `interval ${adv.maxAdvertIntervalCs}`,
  );
  assertField(adv.addresses.length >= 1 && adv.addresses.length <= MAX_ADDRESSES, `count ${adv.addresses.length}`);
  const out = new Uint8Array(encodingLength(ctx.family, adv.addresses.length));
  out[0] = (VRRP_VERSION << 4) | TYPE_ADVERTISEMENT;
  out[1] = adv.vrid;
  out[2] = adv.priority;
  out[3] = adv.addresses.length;
  // §5.2.6: the 4 reserved bits MUST be zero on transmit.
  out[4] = (adv.maxAdvertIntervalCs >> 8) & 0x0f;
  out[5] = adv.maxAdvertIntervalCs & 0xff;
  adv.addresses.forEach((address, i) => {
    assertField(address.length === width, `address ${i} is ${address.length} bytes, family ${ctx.family}`);
    out.set(address, HEADER_LENGTH + i * width);
  });
  const sum = vrrpChecksum(out, { ...ctx, variant: ctx.variant });
  out[6] = sum >> 8;
  out[7] = sum & 0xff;
  return out;
}

function reject(reason: DecodeRejectReason, detail: string): DecodeResult {
  return { ok: false, reason, detail };
}

/** Parses and verifies one VRRP message (the IP payload). Never throws on any input. */
export function decode(message: Uint8Array, ctx: WireContext): DecodeResult {
  if (message.length < HEADER_LENGTH) return reject('truncated', `${message.length} bytes, header needs ${HEADER_LENGTH}`);
  const version = (message[0] as number) >> 4;
  const type = (message[0] as number) & 0x0f;
  // §7.1: "MUST verify that the VRRP version is 3."
  if (version !== VRRP_VERSION) return reject('bad-version', `version ${version}`);
  // §5.2.2: "A packet with unknown type MUST be discarded."
  if (type !== TYPE_ADVERTISEMENT) return reject('bad-type', `type ${type}`);
  // §5.2.3: the VRID is 1–255; no virtual router can be configured with 0.
  if (message[1] === 0) return reject('bad-vrid', 'VRID 0');
  const count = message[3] as number;
  if (count === 0) return reject('no-addresses', 'count is 0; the minimum is 1 (§5.2.5)');
  // §7.1: "MUST verify that the received packet contains the complete VRRP packet (including
  // fixed fields, and IPvX address(es))."
  const expected = encodingLength(ctx.family, count);
  if (message.length !== expected) {
    return reject('length-mismatch', `${message.length} bytes for ${count} IPv${ctx.family} addresses, expected ${expected}`);
  }
  const checksum = ((message[6] as number) << 8) | (message[7] as number);
  // §7.1: "MUST verify the VRRP checksum."
  const variant = matchingChecksumVariant(message, ctx, checksum);
  if (variant === null) return reject('bad-checksum', `checksum 0x${checksum.toString(16).padStart(4, '0')} matches no variant`);
  const maxAdvertIntervalCs = (((message[4] as number) & 0x0f) << 8) | (message[5] as number);
  // Not an RFC check, a safety one: a Backup adopts this interval (§6.4.2), and zero would make
  // its Active_Down_Interval zero and let any silence of the Active router look like a death.
  if (maxAdvertIntervalCs === 0) return reject('zero-interval', 'Max Adver Int is 0');
  const width = addressLength(ctx.family);
  const addresses: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    addresses.push(message.slice(HEADER_LENGTH + i * width, HEADER_LENGTH + (i + 1) * width));
  }
  return {
    ok: true,
    value: {
      family: ctx.family,
      vrid: message[1] as number,
      priority: message[2] as number,
      // §5.2.6: reserved bits are ignored on receive (masked off above).
      maxAdvertIntervalCs,
      addresses,
      checksum,
      checksumVariant: variant,
    },
  };
}
