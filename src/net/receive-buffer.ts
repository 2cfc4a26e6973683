/**
 * How much the kernel may queue for one VRRP socket while the daemon is not reading.
 *
 * The default (net.core.rmem_default, 208 KiB) holds about 256 small datagrams: each costs the
 * socket its skb's truesize, not its 40-60 bytes (832 bytes measured on veth; about 2 KiB on
 * NICs that receive into page fragments, such as virtio-net). One socket serves every instance
 * of its interface and family, up to 255 (VRIDs are 8 bits), and must hold:
 *   - a burst of one advertisement per instance (255): a peer that restarted advertises for all
 *     its instances within the same millisecond;
 *   - a flood margin of 4,000 datagrams: 200 ms of the 20,000 hostile packets a second that issue
 *     8 measured, while a busy machine does not let the daemon read.
 * (255 + 4,000) × 2 KiB = 8.3 MiB. The kernel doubles what is asked (socket(7)), so half is
 * asked; SO_RCVBUFFORCE passes net.core.rmem_max with CAP_NET_ADMIN, which the unit grants.
 * Memory is used only while datagrams wait, and a standing queue cannot delay the protocol's
 * timers by more than the receive-age bound allows (runtime/receive-time.ts).
 */

/** The most instances one socket serves: one per VRID. */
export const MAX_INSTANCES_PER_SOCKET = 255;
/** Datagrams of margin for a flood during a stall. */
export const FLOOD_MARGIN_DATAGRAMS = 4_000;
/** What one queued small datagram may cost (skb truesize), rounded up. */
export const DATAGRAM_TRUESIZE_BYTES = 2_048;

/** The buffer the kernel ends up with: 8.3 MiB. */
export const RECEIVE_BUFFER_BYTES = (MAX_INSTANCES_PER_SOCKET + FLOOD_MARGIN_DATAGRAMS) * DATAGRAM_TRUESIZE_BYTES;
/** What to ask setsockopt for: the kernel doubles it. */
export const RECEIVE_BUFFER_REQUEST = RECEIVE_BUFFER_BYTES / 2;
