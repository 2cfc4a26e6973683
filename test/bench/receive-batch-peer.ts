/**
 * Child of receive-batch.ts, run in the receiving member's namespace:
 *   node receive-batch-peer.js <family 4|6> <ifname> <ifindex>
 * Opens the daemon's own transport for the family and counts what it delivers. Commands on
 * stdin, one a line: `mark` (start counting: datagrams and this process's CPU time), `report`
 * (prints {received, cpuUs, userUs, drainUs} since the mark: drainUs is from the first datagram
 * delivered to the last), `stall MS PATH` (blocks the event loop, as a busy machine would, after
 * saying {event: 'stalling'}: for MS ms, and on until PATH exists, so that a whole burst is
 * queued before it reads again).
 */

import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Ipv4VrrpTransport } from '../../src/net/ipv4-transport.js';
import { Ipv6VrrpTransport } from '../../src/net/ipv6-transport.js';
import type { VrrpTransport } from '../../src/net/ports.js';

const [family, ifname = 'eth0', ifindexText = '0'] = process.argv.slice(2);
const options = { ifname, ifindex: Number(ifindexText), multicast: true };
const transport: VrrpTransport = family === '4' ? new Ipv4VrrpTransport(options) : new Ipv6VrrpTransport(options);

let received = 0;
let first = 0;
let last = 0;
let mark = { received: 0, cpu: process.cpuUsage() };
transport.onPacket(() => {
  last = performance.now();
  if (received === mark.received) first = last;
  received++;
});
transport.onReceiveError((error, fatal) => console.log(JSON.stringify({ event: 'receive-error', code: error.code, fatal })));

const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, argument, path] = line.split(' ');
  if (command === 'mark') {
    mark = { received, cpu: process.cpuUsage() };
    say({ event: 'marked' });
  } else if (command === 'report') {
    const cpu = process.cpuUsage(mark.cpu);
    say({ event: 'report', received: received - mark.received, cpuUs: cpu.user + cpu.system, userUs: cpu.user, drainUs: (last - first) * 1000 });
  } else if (command === 'stall') {
    say({ event: 'stalling' });
    const until = performance.now() + Number(argument);
    while (performance.now() < until || (path !== undefined && !existsSync(path))) continue;
  } else if (command === 'close') {
    transport.close();
    process.exit(0);
  }
});
say({ event: 'ready' });
