/**
 * Child process for test/integration/native-io.test.ts, run inside a network namespace:
 *   node native-io-peer.js <mode> <ifname> <ifindex> <multicast 0|1>
 * Modes:
 *   peer   opens an Ipv6VrrpTransport and a PacketFrameSender; reports on stdout, one JSON object
 *          a line ({event: 'ready' | 'packet' | 'sent' | 'send-error' | 'closed' | ...}); takes
 *          commands on stdin ({cmd: 'send' | 'frame' | 'close'}). After 'close' it must exit by
 *          itself: proof that a closed socket no longer holds the event loop.
 *   hold   opens the transport and does nothing: a ref'd socket keeps the process running.
 *   unref  opens the transport and unref()s it: the process exits by itself.
 * An open that fails reports {event: 'open-error', code, operation} and exits 0.
 */

import { createInterface } from 'node:readline';
import { formatAddress, parseAddress } from '../../../src/protocol/ip-address.js';
import { Ipv6VrrpTransport } from '../../../src/net/ipv6-transport.js';
import { PacketFrameSender } from '../../../src/net/packet-socket.js';
import { NetError } from '../../../src/net/ports.js';

type Command =
  | { cmd: 'send'; message: string; src: string; dst: string }
  | { cmd: 'frame'; frame: string }
  | { cmd: 'close' };

function report(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function failure(error: unknown): Record<string, unknown> {
  if (error instanceof NetError) return { code: error.code, operation: error.operation };
  throw error; // not a system error: a bug, so crash loudly
}

function address(text: string): Uint8Array {
  const bytes = parseAddress(text);
  if (bytes === null) throw new Error(`bad address ${text}`);
  return bytes;
}

const [mode, ifname = '', ifindexText = '0', multicast = '1'] = process.argv.slice(2);
const ifindex = Number(ifindexText);

let transport: Ipv6VrrpTransport;
let frames: PacketFrameSender | null = null;
try {
  transport = new Ipv6VrrpTransport({ ifname, ifindex, multicast: multicast === '1' });
  if (mode === 'peer') frames = new PacketFrameSender(ifindex);
} catch (error) {
  report({ event: 'open-error', ...failure(error) });
  process.exit(0);
}

transport.onPacket((packet) =>
  report({
    event: 'packet',
    family: packet.family,
    ifindex: packet.ifindex,
    src: formatAddress(packet.src),
    dst: formatAddress(packet.dst),
    ttl: packet.ttl,
    message: Buffer.from(packet.message).toString('hex'),
  }),
);
transport.onReceiveError((error) => report({ event: 'receive-error', code: error.code, operation: error.operation }));

if (mode === 'unref') transport.unref();
report({ event: 'ready', mode });

if (mode === 'peer') {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const command = JSON.parse(line) as Command;
    try {
      if (command.cmd === 'send') {
        transport.send(Buffer.from(command.message, 'hex'), address(command.src), address(command.dst));
        report({ event: 'sent', message: command.message });
      } else if (command.cmd === 'frame') {
        frames?.send(Buffer.from(command.frame, 'hex'));
        report({ event: 'frame-sent' });
      } else {
        transport.close();
        transport.close(); // idempotent
        frames?.close();
        lines.close();
        process.stdin.destroy();
        report({ event: 'closed' });
      }
    } catch (error) {
      report({ event: 'send-error', ...failure(error) });
    }
  });
}
