/**
 * VRRP over IPv4 on one interface. Received by the native raw socket (VrrpReceiver: protocol
 * 112, bound to the interface, the received header's TTL for RFC 9568 §7.1, drained in batches);
 * sent with the raw-socket package on an IPPROTO_RAW socket, with the IPv4 header written by us
 * so that TTL and source are exact. IPPROTO_RAW is send-only (raw(7): it implies IP_HDRINCL and
 * receives nothing), so raw-socket never reads a datagram: before, it read one per event-loop
 * turn and a flood overflowed its queue (issue 8).
 */

import { readdirSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { formatIPv4 } from '../protocol/ip-address.js';
import { buildIpv4Packet } from '../protocol/ipv4-packet.js';
import { setCloseOnExec } from './native.js';
import { NetError, type VrrpTransport } from './ports.js';
import { VrrpReceiver } from './vrrp-receiver.js';

const require = createRequire(import.meta.url);

interface RawSocket {
  on(event: 'error', listener: (error: Error) => void): void;
  /** Stops polling for readable: an IPPROTO_RAW socket never is. */
  pauseRecv(): void;
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
/** Send-only, and the header is ours (IP_HDRINCL implied): raw(7). */
const IPPROTO_RAW = 255;
const IP_MULTICAST_IF = 32;
const IP_MULTICAST_LOOP = 34;


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

export class Ipv4VrrpTransport extends VrrpReceiver implements VrrpTransport {
  private readonly sender: RawSocket;
  private closed = false;

  constructor(private readonly options: Ipv4TransportOptions) {
    super(4, options);
    const operation = `open IPv4 VRRP socket on ${options.ifname}`;
    try {
      this.sender = withCloseOnExec(() => raw.createSocket({ protocol: IPPROTO_RAW, addressFamily: raw.AddressFamily.IPv4 }));
    } catch (error) {
      super.close();
      throw new NetError(errnoCode(error), operation, { cause: error });
    }
    try {
      this.sender.pauseRecv();
      const name = Buffer.from(`${options.ifname}\0`);
      this.sender.setOption(SOL_SOCKET, SO_BINDTODEVICE, name, name.length);
      // Multicast leaves by this interface (without it, sending to 224.0.0.18 is ENETUNREACH),
      // and our own advertisements are not looped back to us.
      const out = ipMreqn(new Uint8Array(4), options.ifindex);
      this.sender.setOption(IPPROTO_IP, IP_MULTICAST_IF, out, out.length);
      this.sender.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, 0);
    } catch (error) {
      this.close();
      throw new NetError(errnoCode(error), operation, { cause: error });
    }
    // raw-socket closes the socket after an error: nothing could be sent from then on.
    this.sender.on('error', (error) => this.sendErrorListener?.(new NetError(errnoCode(error), `send on ${options.ifname}`, { cause: error })));
  }

  /**
   * Packets built, per message object: a Backup's takeover advertisement is built ahead
   * (prepare()), and a master sends one message object every interval. An entry goes (to the
   * GC) with its message.
   */
  private readonly packets = new WeakMap<Uint8Array, { readonly src: Uint8Array; readonly dst: Uint8Array; readonly packet: Buffer; readonly address: string }>();

  prepare(message: Uint8Array, src: Uint8Array, dst: Uint8Array): void {
    this.packetFor(message, src, dst);
  }

  /** The packet for this message from these exact src and dst (the checksum covers them). */
  private packetFor(message: Uint8Array, src: Uint8Array, dst: Uint8Array): { readonly packet: Buffer; readonly address: string } {
    const built = this.packets.get(message);
    if (built !== undefined && built.src === src && built.dst === dst) return built;
    const fresh = { src, dst, packet: Buffer.from(buildIpv4Packet(src, dst, message)), address: formatIPv4(dst) };
    this.packets.set(message, fresh);
    return fresh;
  }

  send(message: Uint8Array, src: Uint8Array, dst: Uint8Array): void {
    if (this.closed) throw new NetError('EBADF', 'send on a closed IPv4 VRRP socket');
    const { packet, address } = this.packetFor(message, src, dst);
    // sendto() now, in the caller's tick, like the announcements: raw-socket's own send() waits
    // for the next poll phase, behind whatever the tick still does (the netlink address change
    // on a takeover), which put the first advertisement 0.5-5 ms after the transition. Only
    // when the socket buffer is full, or raw-socket still holds earlier packets, does the packet
    // wait in raw-socket's queue (keeping the order).
    if (this.sender.requests.length === 0) {
      try {
        this.sender.wrap.send(packet, 0, packet.length, address, () => undefined);
        return;
      } catch (error) {
        const code = errnoCode(error);
        if (code !== 'EAGAIN' && code !== 'ENOBUFS') throw new NetError(code, `send to ${address} on ${this.options.ifname}`, { cause: error });
      }
    }
    // A failure of a queued send surfaces only as a callback, so it is reported through onSendError.
    this.sender.send(packet, 0, packet.length, address, (error) => {
      if (error !== null) this.sendErrorListener?.(new NetError(errnoCode(error), `send to ${address} on ${this.options.ifname}`, { cause: error }));
    });
  }

  private sendErrorListener: ((error: NetError) => void) | null = null;

  onSendError(listener: (error: NetError) => void): void {
    this.sendErrorListener = listener;
  }

  override close(): void {
    if (this.closed) return;
    this.closed = true;
    super.close();
    this.sender?.close();
  }
}
