/**
 * When an advertisement reached the host, on the runtime's monotonic clock. RFC 9568 §6.4.2 resets
 * the Active_Down_Timer on each advertisement: arming it from when JavaScript read the packet
 * adds the time it waited in the socket's queue and in the event loop to every takeover. The
 * kernel stamps each datagram on arrival (SO_TIMESTAMPNS); the addon gives its age when handed
 * over (realtime now − stamp), so the arrival is `now − age`.
 *
 * The age is measured on the realtime clock, which NTP or an operator may step, so it is trusted
 * only within [0, half the Active router's Advertisement_Interval]; outside it counts as 0 (read
 * now, as before). The bound also keeps a standing queue (a flood the daemon keeps up with only
 * just) from eating the Active_Down_Interval's margin: arming from arrival moves each deadline
 * earlier by the age, and the next advertisement comes an interval later, read as late again;
 * trusting at most half an interval leaves more than one and a half intervals plus Skew_Time for
 * jitter, where arming from read left two plus Skew_Time.
 */

/** Milliseconds before `nowMs` that the packet arrived; `ageMs` undefined or untrusted gives `nowMs`. */
export function receivedAt(nowMs: number, ageMs: number | undefined, advertIntervalMs: number): number {
  if (ageMs === undefined || !(ageMs >= 0) || ageMs > advertIntervalMs / 2) return nowMs;
  return nowMs - ageMs;
}
