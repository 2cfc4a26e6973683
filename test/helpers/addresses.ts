/** Address literals for tests: documentation ranges only (RFC 5737, RFC 3849) and link-local. */

import { parseAddress } from '../../src/protocol/ip-address.js';

export function ip(text: string): Uint8Array {
  const bytes = parseAddress(text);
  if (bytes === null) throw new Error(`test bug: bad address ${text}`);
  return bytes;
}

export const VRRP_GROUP_V4 = ip('224.0.0.18');
export const VRRP_GROUP_V6 = ip('ff02::12');
