/**
 * VRRP over IPv4 on one interface, with the raw-socket package: protocol 112, bound to the
 * interface, the IPv4 header written by us (IP_HDRINCL) so that TTL and source are exact, and
 * the received header read back so that the TTL can be checked (RFC 9568 §7.1).
 */

import { readdirSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { VRRP_IP_PROTOCOL } from '../protocol/checksum.js';
import { formatIPv4 } from '../protocol/ip-address.js';
import { buildIpv4Packet, parseIpv4Packet } from '../protocol/ipv4-packet.js';
import { setCloseOnExec } from './native.js';
import { NetError, type InboundPacket, type VrrpTransport } from './ports.js';
import { VRRP_IPV4_GROUP } from './vrrp-groups.js';

const require = createRequire(import.meta.url);

interface RawSocket {
  on(event: 'message', listener: (buffer: Buffer, source: string) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  setOption(level: number, option: number, value: Buffer | number, length?: number): void;
  send(buffer: Buffer, offset: number, length: number, address: string, after: (error: Error | null, bytes: number) => void): void;
  close(): void;
  /** Sends not yet handed to the kernel (raw-socket's queue). */
  readonly requests: readonly unknown[];
  /** The native handle: its send() is one non-blocking sendto(), throwing strerror() text. */
  readonly wrap: { send(buffer: Buffer, offset: number, length: number, address: string, done: (bytes: number) => void): void };
}

interface RawSocketModule {
  createSocket(options: { protocol: number; addressFamily: number }): RawSocket;
  AddressFamily: { IPv4: number };
}

const raw = require('raw-socket') as RawSocketModule;

// <linux/in.h>, <asm-generic/socket.h>: raw-socket names only some of these.
const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const IPPROTO_IP = 0;
const IP_HDRINCL = 3;
const IP_MULTICAST_IF = 32;
const IP_MULTICAST_LOOP = 34;
const IP_ADD_MEMBERSHIP = 35;


/** struct ip_mreqn { in_addr multiaddr; in_addr address; int ifindex; } */
export function ipMreqn(group: Uint8Array, ifindex: number, byteOrder: 'BE' | 'LE' = endianness()): Buffer {
  const buffer = Buffer.alloc(12);
  buffer.set(group, 0);
  // imr_ifindex is a plain int, in host byte order (the addresses are in network order).
  if (byteOrder === 'BE') buffer.writeInt32BE(ifindex, 8);
  else buffer.writeInt32LE(ifindex, 8);
  return buffer;
}

function errnoCode(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // raw-socket throws strerror() text; map the ones we can act on to errno names.
  if (/not permitted/i.test(text)) return 'EPERM';
  if (/no such device/i.test(text)) return 'ENODEV';
  if (/network is unreachable/i.test(text)) return 'ENETUNREACH';
  if (/network is down/i.test(text)) return 'ENETDOWN';
  if (/cannot assign requested address/i.test(text)) return 'EADDRNOTAVAIL';
  if (/temporarily unavailable/i.test(text)) return 'EAGAIN';
  if (/no buffer space/i.test(text)) return 'ENOBUFS';
  return 'EIO';
}

/**
 * Our descriptors as "fd→target": the listing's own descriptor shows up in it and is closed
 * right after, so its number may be reused at once; the target tells the two apart.
 */
function openDescriptors(): Map<string, string> {
  const found = new Map<string, string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      found.set(`${fd}→${readlinkSync(`/proc/self/fd/${fd}`)}`, fd);
    } catch {
      // Gone between the listing and the lookup (the listing's own descriptor).
    }
  }
  return found;
}

/**
 * raw-socket opens its socket without SOCK_CLOEXEC and does not expose it, so every health
 * script and notify hook would inherit a raw IP socket (and could send any IPv4 packet without
 * CAP_NET_RAW of its own). The descriptors that `open` adds are marked close-on-exec at once.
 */
export function withCloseOnExec<T>(open: () => T, mark: (fd: number) => void = setCloseOnExec): T {
  const before = openDescriptors();
  const result = open();
  for (const [key, fd] of openDescriptors()) {
    if (before.has(key)) continue;
    try {
      mark(Number(fd));
    } catch {
      // The listing's own descriptor, already closed again: nothing to mark.
    }
  }
  return result;
}

export interface Ipv4TransportOptions {
  readonly ifname: string;
  readonly ifindex: number;
  /** Join 224.0.0.18 on this interface (any multicast instance there). */
  readonly multicast: boolean;
}

export class Ipv4VrrpTransport implements VrrpTransport {
  private readonly socket: RawSocket;
  private listener: ((packet: InboundPacket) => void) | null = null;
  private closed = false;

  constructor(private readonly options: Ipv4TransportOptions) {
    const operation = `open IPv4 VRRP socket on ${options.ifname}`;
    try {
      this.socket = withCloseOnExec(() => raw.createSocket({ protocol: VRRP_IP_PROTOCOL, addressFamily: raw.AddressFamily.IPv4 }));
    } catch (error) {
      throw new NetError(errnoCode(error), operation, { cause: error });
    }
    try {
      const name = Buffer.from(`${options.ifname}\0`);
      this.socket.setOption(SOL_SOCKET, SO_BINDTODEVICE, name, name.length);
      this.socket.setOption(IPPROTO_IP, IP_HDRINCL, 1);
      // Multicast leaves by this interface (without it, sending to 224.0.0.18 is ENETUNREACH),
      // and our own advertisements are not looped back to us.
      const out = ipMreqn(new Uint8Array(4), options.ifindex);
      this.socket.setOption(IPPROTO_IP, IP_MULTICAST_IF, out, out.length);
      this.socket.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, 0);
      if (options.multicast) {
        const join = ipMreqn(VRRP_IPV4_GROUP, options.ifindex);
        this.socket.setOption(IPPROTO_IP, IP_ADD_MEMBERSHIP, join, join.length);
      }
    } catch (error) {
      this.socket.close();
      throw new NetError(errnoCode(error), operation, { cause: error });
    }
    this.socket.on('message', (buffer) => this.receive(buffer));
    // raw-socket closes the socket after a receive error: nothing is heard from then on.
    this.socket.on('error', (error) => this.receiveErrorListener?.(new NetError(errnoCode(error), `receive on ${options.ifname}`, { cause: error }), true));
  }

  private receive(buffer: Buffer): void {
    const parsed = parseIpv4Packet(buffer);
    if (!parsed.ok || parsed.value.protocol !== VRRP_IP_PROTOCOL) return;
    const { src, dst, ttl, payload } = parsed.value;
    this.listener?.({ family: 4, ifindex: this.options.ifindex, src, dst, ttl, message: payload });
  }

  onPacket(listener: (packet: InboundPacket) => void): void {
    this.listener = listener;
  }

  send(message: Uint8Array, src: Uint8Array, dst: Uint8Array): void {
    if (this.closed) throw new NetError('EBADF', 'send on a closed IPv4 VRRP socket');
    const packet = Buffer.from(buildIpv4Packet(src, dst, message));
    const address = formatIPv4(dst);
    // sendto() now, in the caller's tick, like the announcements: raw-socket's own send() waits
    // for the next poll phase, behind whatever the tick still does (the netlink address change
    // on a takeover), which put the first advertisement 0.5-5 ms after the transition. Only
    // when the socket buffer is full, or raw-socket still holds earlier packets, does the packet
    // wait in raw-socket's queue (keeping the order).
    if (this.socket.requests.length === 0) {
      try {
        this.socket.wrap.send(packet, 0, packet.length, address, () => undefined);
        return;
      } catch (error) {
        const code = errnoCode(error);
        if (code !== 'EAGAIN' && code !== 'ENOBUFS') throw new NetError(code, `send to ${address} on ${this.options.ifname}`, { cause: error });
      }
    }
    // A failure of a queued send surfaces only as a callback, so it is reported through onSendError.
    this.socket.send(packet, 0, packet.length, address, (error) => {
      if (error !== null) this.sendErrorListener?.(new NetError(errnoCode(error), `send to ${address} on ${this.options.ifname}`, { cause: error }));
    });
  }

  private sendErrorListener: ((error: NetError) => void) | null = null;
  private receiveErrorListener: ((error: NetError, fatal: boolean) => void) | null = null;

  onReceiveError(listener: (error: NetError, fatal: boolean) => void): void {
    this.receiveErrorListener = listener;
  }

  onSendError(listener: (error: NetError) => void): void {
    this.sendErrorListener = listener;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}
