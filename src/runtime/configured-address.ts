/** The bytes of an address the configuration loader has already validated. */

import { parseAddress } from '../protocol/ip-address.js';

export function configuredBytes(text: string): Uint8Array {
  const bytes = parseAddress(text);
  // The loader has parsed every configured address; failing here is our bug.
  if (bytes === null) throw new Error(`bug: configured address ${text} does not parse`);
  return bytes;
}
