/**
 * VrrpTransport for IPv6 on one interface, over the native raw socket (native.ts): node's dgram
 * and the raw-socket package cannot report the hop limit that RFC 9568 §7.1 checks, nor send
 * from a chosen link-local source.
 *
 * Delivers every datagram the kernel hands over, unchecked: ttl is the received Hop Limit (-1 if
 * the kernel did not report it), and dropping anything but 255 is the receive checks' job.
 */

import type { InboundPacket, NetError, VrrpTransport } from './ports.js';
import { Vrrp6Socket, type RawVrrp6Packet } from './native.js';

export interface Ipv6VrrpTransportOptions {
  readonly ifname: string;
  /** ifname's index; a mismatch is refused with NetError ENODEV. */
  readonly ifindex: number;
  /** Join ff02::12 (multicast mode). Unicast mode receives only datagrams addressed to us. */
  readonly multicast: boolean;
}

export class Ipv6VrrpTransport implements VrrpTransport {
  readonly #socket: Vrrp6Socket;
  readonly #packetListeners: Array<(packet: InboundPacket) => void> = [];
  readonly #errorListeners: Array<(error: NetError, fatal: boolean) => void> = [];

  /** Opens the socket now. Throws NetError: EPERM without CAP_NET_RAW, ENODEV for no interface. */
  constructor(options: Ipv6VrrpTransportOptions) {
    this.#socket = Vrrp6Socket.open({
      ifname: options.ifname,
      ifindex: options.ifindex,
      joinGroup: options.multicast,
      onPacket: (raw) => this.#deliver(raw),
      // A fatal error (the poll stopped) must reach the hub, which reopens the socket: before,
      // it was reported as passing and the socket went deaf for good.
      onError: (error, fatal) => {
        for (const listener of this.#errorListeners) listener(error, fatal);
      },
    });
  }

  /** `src` is normally our link-local; one not assigned here, or still tentative, is NetError EINVAL. */
  send(message: Uint8Array, src: Uint8Array, dst: Uint8Array): void {
    this.#socket.send(message, src, dst);
  }

  onPacket(listener: (packet: InboundPacket) => void): void {
    this.#packetListeners.push(listener);
  }

  /** send() is synchronous (sendmsg): every send failure is thrown from it, so this never fires. */
  onSendError(_listener: (error: NetError) => void): void {}

  /** Receive errors: recvmsg failures (passing) and poll failures (fatal: the socket is deaf). */
  onReceiveError(listener: (error: NetError, fatal: boolean) => void): void {
    this.#errorListeners.push(listener);
  }

  /** The open socket keeps the process alive by default; unref() leaves that to timers. */
  ref(): void {
    this.#socket.ref();
  }

  unref(): void {
    this.#socket.unref();
  }

  /** Idempotent. Nothing is delivered afterwards, and the event loop is no longer held. */
  close(): void {
    this.#socket.close();
  }

  #deliver(raw: RawVrrp6Packet): void {
    const packet: InboundPacket = {
      family: 6,
      ifindex: raw.ifindex,
      src: raw.src,
      dst: raw.dst,
      ttl: raw.hopLimit,
      message: raw.message,
    };
    for (const listener of this.#packetListeners) listener(packet);
  }
}
