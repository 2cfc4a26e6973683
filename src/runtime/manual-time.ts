/**
 * A clock and timer host that move only when told: the takeover rehearsal (warm-up.ts) runs a
 * whole Active_Down_Interval in no real time, and unit tests drive time by hand with it.
 * One loop turn (soon) takes 0.01 ms, so that a precise deadline's approach always arrives.
 */

import type { Clock, TimerHost } from './clock.js';

interface Pending {
  at: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

export class ManualTime implements Clock, TimerHost {
  private time = 0;
  private seq = 0;
  private pending: Pending[] = [];
  /** How late the host fires `after` timers, like a real event loop. */
  lateness = 0;

  now(): number {
    return this.time;
  }

  after(ms: number, callback: () => void): { cancel(): void } {
    return this.add(this.time + ms + this.lateness, callback);
  }

  soon(callback: () => void): { cancel(): void } {
    // One event-loop turn takes a little time.
    return this.add(this.time + 0.01, callback);
  }

  private add(at: number, callback: () => void): { cancel(): void } {
    const entry: Pending = { at, seq: this.seq++, callback, cancelled: false };
    this.pending.push(entry);
    return { cancel: () => void (entry.cancelled = true) };
  }

  /** Moves time forward to `until`, running host callbacks in time order. */
  advanceTo(until: number): void {
    for (;;) {
      const live = this.pending.filter((p) => !p.cancelled && p.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = live[0];
      if (next === undefined) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.time = Math.max(this.time, next.at);
      next.callback();
    }
    this.time = until;
  }

  /** Host callbacks still waiting. */
  get waiting(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }
}
