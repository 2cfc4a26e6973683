/**
 * VrrpTransport for IPv6 on one interface, over the native raw socket (native.ts): node's dgram
 * and the raw-socket package cannot report the hop limit that RFC 9568 §7.1 checks, nor send
 * from a chosen link-local source. Receiving is VrrpReceiver's.
 */

import type { NetError, VrrpTransport } from './ports.js';
import { VrrpReceiver, type VrrpReceiverOptions } from './vrrp-receiver.js';

export type Ipv6VrrpTransportOptions = VrrpReceiverOptions;

export class Ipv6VrrpTransport extends VrrpReceiver implements VrrpTransport {
  /** Opens the socket now. Throws NetError: EPERM without CAP_NET_RAW, ENODEV for no interface. */
  constructor(options: Ipv6VrrpTransportOptions) {
    super(6, options);
  }

  /** `src` is normally our link-local; one not assigned here, or still tentative, is NetError EINVAL. */
  send(message: Uint8Array, src: Uint8Array, dst: Uint8Array): void {
    this.socket.send(message, src, dst);
  }

  /** send() is synchronous (sendmsg): every send failure is thrown from it, so this never fires. */
  onSendError(_listener: (error: NetError) => void): void {}
}
