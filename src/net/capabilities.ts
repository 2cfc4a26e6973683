/**
 * Capabilities read from /proc/self/status: the two the daemon needs, checked before anything
 * touches the network so that a missing one is named instead of surfacing later as a bare EPERM,
 * and the sets that decide what the programs the daemon runs can be given (script-privileges.ts).
 */

import { readFileSync } from 'node:fs';

/** <linux/capability.h> bit numbers. */
export const CAPABILITY_BITS = { CAP_SETGID: 6, CAP_SETUID: 7, CAP_SETPCAP: 8, CAP_NET_ADMIN: 12, CAP_NET_RAW: 13 } as const;
export type CapabilityName = keyof typeof CAPABILITY_BITS;
export type NeededCapability = 'CAP_NET_ADMIN' | 'CAP_NET_RAW';
const NEEDED: readonly NeededCapability[] = ['CAP_NET_ADMIN', 'CAP_NET_RAW'];

/** One of the sets in /proc/PID/status (proc(5)); a missing line reads as the empty set. */
export type CapabilitySet = 'CapInh' | 'CapPrm' | 'CapEff' | 'CapBnd' | 'CapAmb';

export function readCapabilitySet(status: string, set: CapabilitySet): bigint {
  const line = new RegExp(`^${set}:\\s*([0-9a-f]+)$`, 'm').exec(status);
  return line === null ? 0n : BigInt(`0x${line[1]}`);
}

/** Those of `names` that are not in `set`, in the order given. */
export function absentFrom<N extends CapabilityName>(set: bigint, names: readonly N[]): N[] {
  return names.filter((name) => ((set >> BigInt(CAPABILITY_BITS[name])) & 1n) === 0n);
}

export function ownStatus(): string {
  return readFileSync('/proc/self/status', 'utf8');
}

/** The capabilities among ours that the effective set lacks (empty when all are there). */
export function missingCapabilities(status = ownStatus()): NeededCapability[] {
  return absentFrom(readCapabilitySet(status, 'CapEff'), NEEDED);
}
