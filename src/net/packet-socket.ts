/**
 * FrameSender over an AF_PACKET socket (native.ts): whole Ethernet frames, such as gratuitous
 * ARP and unsolicited Neighbor Advertisements, sent from the NIC's own MAC as built by the caller.
 * Nothing in npm sends AF_PACKET frames; the socket is send-only (protocol 0 receives nothing).
 */

import type { FrameSender } from './ports.js';
import { PacketSocket } from './native.js';

export class PacketFrameSender implements FrameSender {
  readonly #socket: PacketSocket;

  /** Opens the socket now. Throws NetError: EPERM without CAP_NET_RAW, ENODEV for no interface. */
  constructor(readonly ifindex: number) {
    this.#socket = PacketSocket.open(ifindex);
  }

  /**
   * Sends the frame exactly as given (destination MAC first, EtherType at byte 12, no FCS).
   * Throws NetError, e.g. ENETDOWN when the link is down, EAGAIN when the send buffer is full.
   */
  send(frame: Uint8Array): void {
    this.#socket.send(frame);
  }

  /** Idempotent; send() afterwards throws NetError EBADF. */
  close(): void {
    this.#socket.close();
  }
}
