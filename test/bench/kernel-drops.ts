/**
 * Datagrams the kernel dropped at a namespace's raw VRRP sockets (receive buffer full), from
 * /proc/net/raw and /proc/net/raw6: the last column ("drops") of every raw socket bound to
 * protocol 112 (local "port" 0070). Whatever reads the socket (raw-socket, the addon), the
 * kernel keeps this count.
 */

import { inNs } from '../integration/helpers/topology.js';

export interface RawDrops {
  readonly ipv4: number;
  readonly ipv6: number;
}

function sumVrrpDrops(table: string): number {
  let drops = 0;
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 13 || !(fields[1] as string).endsWith(':0070')) continue;
    drops += Number(fields.at(-1));
  }
  return drops;
}

export async function rawDrops(ns: string): Promise<RawDrops> {
  const [ipv4, ipv6] = await Promise.all([inNs(ns, 'cat', '/proc/net/raw'), inNs(ns, 'cat', '/proc/net/raw6')]);
  return { ipv4: sumVrrpDrops(ipv4), ipv6: sumVrrpDrops(ipv6) };
}
