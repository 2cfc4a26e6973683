/**
 * Child process for test/integration/native-io.test.ts, run inside a network namespace:
 *   node native-io-peer.js <mode> <ifname> <ifindex> <multicast 0|1> [family 6|4]
 * Modes:
 *   peer   opens the family's VrrpTransport (and, for IPv6, a PacketFrameSender); reports on
 *          stdout, one JSON object a line ({event: 'ready' | 'packet' | 'sent' | 'send-error' |
 *          'closed' | 'stalling' | 'stats' ...}); takes commands on stdin ({cmd: 'send' | 'frame' |
 *          'stall' | 'stats' | 'close'}). After 'close' it must exit by itself: proof that a
 *          closed socket no longer holds the event loop.
 *   small  like peer, but receive-only on a VrrpSocket with the smallest receive buffer the
 *          kernel allows: a burst overflows it, and the kernel's drop count must say by how much.
 *   hold   opens the transport and does nothing: a ref'd socket keeps the process running.
 *   unref  opens the transport and unref()s it: the process exits by itself.
 * An open that fails reports {event: 'open-error', code, operation} and exits 0.
 * `stall` blocks the event loop (as a busy machine would) until the file it names exists, so
 * that whatever is sent meanwhile waits in the socket's queue; with `drain`, it then calls
 * drain() before the loop may poll and reports how many datagrams that call delivered.
 */

import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { formatAddress, parseAddress } from '../../../src/protocol/ip-address.js';
import { Ipv4VrrpTransport } from '../../../src/net/ipv4-transport.js';
import { Ipv6VrrpTransport } from '../../../src/net/ipv6-transport.js';
import { VrrpSocket } from '../../../src/net/native.js';
import { PacketFrameSender } from '../../../src/net/packet-socket.js';
import { NetError, type InboundPacket } from '../../../src/net/ports.js';

type Command =
  | { cmd: 'send'; message: string; src: string; dst: string }
  | { cmd: 'frame'; frame: string }
  | { cmd: 'rehearse-frame' }
  | { cmd: 'stall'; until: string; drain?: boolean }
  | { cmd: 'stats' }
  | { cmd: 'close' };

/** What this peer drives: a transport, or (small) a bare receive-only socket. */
interface Receiver {
  send(message: Uint8Array, src: Uint8Array, dst: Uint8Array): void;
  readonly kernelDrops: number;
  receiveBufferBytes(): number;
  drain(): void;
  unref(): void;
  close(): void;
}

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

const [mode, ifname = '', ifindexText = '0', multicast = '1', familyText = '6'] = process.argv.slice(2);
const ifindex = Number(ifindexText);
const family = familyText === '4' ? 4 : 6;

/** Packets delivered so far: `stall` with drain counts those that drain() delivered. */
let delivered = 0;

function packetEvent(packet: InboundPacket): Record<string, unknown> {
  delivered++;
  return {
    event: 'packet',
    family: packet.family,
    ifindex: packet.ifindex,
    src: formatAddress(packet.src),
    dst: formatAddress(packet.dst),
    ttl: packet.ttl,
    ageMs: packet.ageMs,
    message: Buffer.from(packet.message).toString('hex'),
  };
}

let transport: Receiver;
let frames: PacketFrameSender | null = null;
try {
  if (mode === 'small') {
    transport = VrrpSocket.open({
      family,
      ifname,
      ifindex,
      joinGroup: multicast === '1',
      receiveBufferBytes: 1, // the kernel's minimum (SOCK_MIN_RCVBUF)
      onPacket: (packet) => report(packetEvent(packet)),
      onError: (error) => report({ event: 'receive-error', code: error.code, operation: error.operation }),
    });
  } else {
    const options = { ifname, ifindex, multicast: multicast === '1' };
    const opened = family === 4 ? new Ipv4VrrpTransport(options) : new Ipv6VrrpTransport(options);
    opened.onPacket((packet) => report(packetEvent(packet)));
    opened.onReceiveError((error) => report({ event: 'receive-error', code: error.code, operation: error.operation }));
    transport = opened;
  }
  if (mode === 'peer' && family === 6) frames = new PacketFrameSender(ifindex);
} catch (error) {
  report({ event: 'open-error', ...failure(error) });
  process.exit(0);
}

if (mode === 'unref') transport.unref();
report({ event: 'ready', mode });

if (mode === 'peer' || mode === 'small') {
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
      } else if (command.cmd === 'rehearse-frame') {
        frames?.rehearse();
        report({ event: 'frame-rehearsed' });
      } else if (command.cmd === 'stall') {
        report({ event: 'stalling' });
        while (!existsSync(command.until)) continue;
        if (command.drain === true) {
          // Still in the same turn of the loop: only drain() can deliver what was queued.
          const before = delivered;
          transport.drain();
          report({ event: 'drained', during: delivered - before });
        }
      } else if (command.cmd === 'stats') {
        report({ event: 'stats', kernelDrops: transport.kernelDrops, receiveBufferBytes: transport.receiveBufferBytes() });
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
