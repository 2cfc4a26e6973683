/**
 * The two capabilities the daemon needs, read from /proc/self/status before anything touches the
 * network, so that a missing one is named instead of surfacing later as a bare EPERM.
 */

import { readFileSync } from 'node:fs';

/** <linux/capability.h> bit numbers. */
const CAPABILITIES = { CAP_NET_ADMIN: 12, CAP_NET_RAW: 13 } as const;
export type NeededCapability = keyof typeof CAPABILITIES;

/** The capabilities among ours that the effective set lacks (empty when all are there). */
export function missingCapabilities(status = readFileSync('/proc/self/status', 'utf8')): NeededCapability[] {
  const line = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  const effective = line === null ? 0n : BigInt(`0x${line[1]}`);
  return (Object.keys(CAPABILITIES) as NeededCapability[]).filter((name) => ((effective >> BigInt(CAPABILITIES[name])) & 1n) === 0n);
}
