/**
 * The receiving half of both VRRP transports: the native raw socket (native.ts) for one family
 * on one interface, its listeners and its kernel drop count. Ipv6VrrpTransport sends through
 * the same socket; Ipv4VrrpTransport sends through the raw-socket package.
 *
 * Delivers every datagram the kernel hands over, unchecked: ttl is the received TTL / Hop Limit
 * (-1 if unknown), and dropping anything but 255 is the receive checks' job.
 */

import type { IpFamily } from '../protocol/ip-address.js';
import { VrrpSocket } from './native.js';
import type { InboundPacket, NetError } from './ports.js';
import { RECEIVE_BUFFER_REQUEST } from './receive-buffer.js';

export interface VrrpReceiverOptions {
  readonly ifname: string;
  /** ifname's index; a mismatch is refused with NetError ENODEV. */
  readonly ifindex: number;
  /** Join the group (multicast mode). Unicast mode receives only datagrams addressed to us. */
  readonly multicast: boolean;
}

export class VrrpReceiver {
  protected readonly socket: VrrpSocket;
  readonly #packetListeners: Array<(packet: InboundPacket) => void> = [];
  readonly #errorListeners: Array<(error: NetError, fatal: boolean) => void> = [];

  /** Opens the socket now. Throws NetError: EPERM without CAP_NET_RAW, ENODEV for no interface. */
  constructor(family: IpFamily, options: VrrpReceiverOptions) {
    this.socket = VrrpSocket.open({
      family,
      ifname: options.ifname,
      ifindex: options.ifindex,
      joinGroup: options.multicast,
      receiveBufferBytes: RECEIVE_BUFFER_REQUEST,
      onPacket: (packet) => {
        for (const listener of this.#packetListeners) listener(packet);
      },
      // A fatal error (the poll stopped) must reach the hub, which reopens the socket.
      onError: (error, fatal) => {
        for (const listener of this.#errorListeners) listener(error, fatal);
      },
    });
  }

  onPacket(listener: (packet: InboundPacket) => void): void {
    this.#packetListeners.push(listener);
  }

  /** Receive errors: recvmsg failures (passing) and poll failures (fatal: the socket is deaf). */
  onReceiveError(listener: (error: NetError, fatal: boolean) => void): void {
    this.#errorListeners.push(listener);
  }

  get kernelDrops(): number {
    return this.socket.kernelDrops;
  }

  /** Delivers what the kernel has queued now, before returning. */
  drain(): void {
    this.socket.drain();
  }

  /** SO_RCVBUF as the kernel set it. */
  receiveBufferBytes(): number {
    return this.socket.receiveBufferBytes();
  }

  /** The open socket keeps the process alive by default; unref() leaves that to timers. */
  ref(): void {
    this.socket.ref();
  }

  unref(): void {
    this.socket.unref();
  }

  /** Idempotent. Nothing is delivered afterwards, and the event loop is no longer held. */
  close(): void {
    this.socket.close();
  }
}
