/**
 * FrameSender over an AF_PACKET socket (native.ts): whole Ethernet frames, such as gratuitous
 * ARP and unsolicited Neighbor Advertisements, sent from the NIC's own MAC as built by the caller.
 * Nothing in npm sends AF_PACKET frames; the socket is send-only (protocol 0 receives nothing).
 */

import type { FrameSender } from './ports.js';
import { PacketSocket } from './native.js';

/** One byte: no Ethernet frame, refused by the addon (RangeError) before sendto(). */
const RUNT_FRAME = new Uint8Array(1);

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

  /**
   * Goes through send() with a frame too short for Ethernet, which the addon refuses before any
   * system call: a Backup's first takeover then finds this path compiled.
   */
  rehearse(): void {
    try {
      this.send(RUNT_FRAME);
    } catch {
      // The refusal is the point.
    }
  }

  /** Idempotent; send() afterwards throws NetError EBADF. */
  close(): void {
    this.#socket.close();
  }
}
