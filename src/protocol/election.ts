/**
 * Who wins between two routers claiming the Active role (RFC 9568 §6.4.3): the higher priority,
 * and on equal priority the higher primary IPvX address, compared as an unsigned integer.
 */

import { compareAddresses } from './ip-address.js';

export interface Contender {
  readonly priority: number;
  /** The primary address: the source of its advertisements, network order. */
  readonly address: Uint8Array;
}

export const enum Preference {
  Remote = 'remote',
  Local = 'local',
}

export function preferred(local: Contender, remote: Contender): Preference {
  if (remote.priority !== local.priority) return remote.priority > local.priority ? Preference.Remote : Preference.Local;
  return compareAddresses(remote.address, local.address) > 0 ? Preference.Remote : Preference.Local;
}
