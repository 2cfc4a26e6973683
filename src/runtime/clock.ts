/**
 * The clock and the host timers, behind an interface so that tests drive time by hand.
 * Time is milliseconds on a monotonic clock (performance.now): wall-clock steps from NTP or an
 * operator's `date -s` must never fire or delay a protocol timer.
 */

import { performance } from 'node:perf_hooks';

export interface Clock {
  now(): number;
}

export interface TimerHost {
  /** Calls back after at least `ms` milliseconds (coarse: the host may round to 1 ms). */
  after(ms: number, callback: () => void): { cancel(): void };
  /** Calls back on the next turn of the event loop, after pending I/O. */
  soon(callback: () => void): { cancel(): void };
}

export const monotonicClock: Clock = { now: () => performance.now() };

/**
 * A monotonic time as wall-clock milliseconds (µs resolution), for logs that are compared with
 * packet captures: tcpdump stamps frames with the same wall clock.
 */
export function wallClockMs(monotonicMs: number): number {
  return performance.timeOrigin + monotonicMs;
}

export const nodeTimerHost: TimerHost = {
  after(ms, callback) {
    const handle = setTimeout(callback, ms);
    return { cancel: () => clearTimeout(handle) };
  },
  soon(callback) {
    const handle = setImmediate(callback);
    return { cancel: () => clearImmediate(handle) };
  },
};
