/**
 * The client's traffic to the failover IPs, run inside the client namespace: one UDP datagram
 * to the discard port of each address every 100 ms, so that the client keeps a neighbour entry
 * for each (resolved by ARP / neighbour discovery, updated by the master's gratuitous ARP and
 * unsolicited NA), as a provider's router with traffic for the IP would. Documentation
 * addresses only; the soak passes them on the command line.
 *
 *   node client-traffic.js 203.0.113.10 2001:db8::10
 */

import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

const DISCARD_PORT = 9;
const EVERY_MS = 100;
const payload = Buffer.from('ipfailoverd chaos soak');

for (const address of process.argv.slice(2)) {
  const socket = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
  // ICMP errors (port unreachable, no neighbour yet) come back as socket errors: expected.
  socket.on('error', () => undefined);
  setInterval(() => socket.send(payload, DISCARD_PORT, address, () => undefined), EVERY_MS);
}
