/**
 * Per-interface kernel settings the daemon depends on.
 *
 * promote_secondaries: when the master removes a failover IP that happens to be the primary
 * address of its subnet, Linux would otherwise delete every secondary address of that subnet
 * with it (the VM's own address among them). With it set, a secondary is promoted instead.
 */

import { writeFileSync } from 'node:fs';
import type { IpFamily } from '../protocol/ip-address.js';

export function prepareInterfaceSysctls(ifname: string, family: IpFamily, write = writeFileSync): void {
  if (family === 4) write(`/proc/sys/net/ipv4/conf/${ifname}/promote_secondaries`, '1\n');
}
