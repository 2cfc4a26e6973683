/**
 * The one scheduler: every instance's timers are deadlines here, and one host timer wakes the
 * process for the earliest. Deadlines come from the state machine (`arm` actions).
 *
 * Precision. Host timers have millisecond granularity and fire late by up to about a
 * millisecond, so a plain setTimeout would let a takeover lag Active_Down_Interval by that much.
 * A deadline marked `precise` is therefore approached with a host timer that aims
 * SPIN_WINDOW_MS early and then checked on every event-loop turn (setImmediate, which still lets
 * packets in) until it is due: the lag becomes the time of one loop turn, tens of microseconds.
 * Only the takeover deadlines are precise; they fire rarely (a failover), so the turn-by-turn
 * wait costs nothing in steady state.
 */

import { monotonicClock, nodeTimerHost, type Clock, type TimerHost } from './clock.js';

export const SPIN_WINDOW_MS = 2;

interface Entry {
  readonly key: string;
  /** Order of scheduling: a run fires only entries scheduled before it began. */
  readonly seq: number;
  readonly at: number;
  readonly precise: boolean;
  readonly fire: (now: number) => void;
}

export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private wake: { cancel(): void } | null = null;
  private wakeAt = Infinity;
  private running = false;
  private seq = 0;

  constructor(
    private readonly clock: Clock = monotonicClock,
    private readonly host: TimerHost = nodeTimerHost,
  ) {}

  now(): number {
    return this.clock.now();
  }

  /** Sets (or moves) the deadline of `key`; `fire` gets the time it actually ran. */
  schedule(key: string, at: number, fire: (now: number) => void, precise = false): void {
    this.entries.set(key, { key, at, fire, precise, seq: this.seq++ });
    this.rearm();
  }

  cancel(key: string): void {
    if (this.entries.delete(key)) this.rearm();
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  deadline(key: string): number | undefined {
    return this.entries.get(key)?.at;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops every deadline and the host timer: nothing will fire. */
  clear(): void {
    this.entries.clear();
    this.rearm();
  }

  private earliest(before = Infinity): Entry | undefined {
    let first: Entry | undefined;
    for (const entry of this.entries.values()) {
      if (entry.seq < before && (first === undefined || entry.at < first.at)) first = entry;
    }
    return first;
  }

  /** Fires every due deadline in deadline order, then sets the host timer for the next. */
  private run(): void {
    this.wake = null;
    this.wakeAt = Infinity;
    this.running = true;
    // What a callback schedules for "now" or earlier waits for the next turn of the event loop:
    // a deadline that re-arms itself at +0 (a bug, or a setting reloaded to 0) must never spin
    // here forever with the loop, and so the packets and the watchdog, starved.
    const limit = this.seq;
    try {
      for (;;) {
        const next = this.earliest(limit);
        const now = this.clock.now();
        if (next === undefined || next.at > now) break;
        this.entries.delete(next.key);
        next.fire(now);
      }
    } finally {
      this.running = false;
    }
    this.rearm();
  }

  private rearm(): void {
    if (this.running) return;
    // Wake for whichever comes first: a coarse deadline, or the start of a precise deadline's
    // spin window. Looking at the earliest deadline alone let a precise one due just after a
    // coarse one (another instance's adver timer) wait for that coarse host timer, and inherit
    // its lateness (up to ~1 ms).
    const now = this.clock.now();
    let wakeAt = Infinity;
    let spin = false;
    for (const entry of this.entries.values()) {
      if (entry.precise) {
        if (entry.at - now <= SPIN_WINDOW_MS) spin = true;
        if (entry.at - SPIN_WINDOW_MS < wakeAt) wakeAt = entry.at - SPIN_WINDOW_MS;
      } else if (entry.at < wakeAt) {
        wakeAt = entry.at;
      }
    }
    if (wakeAt === Infinity) {
      this.wake?.cancel();
      this.wake = null;
      this.wakeAt = Infinity;
      return;
    }
    // Keep the host timer when it already wakes us in time.
    const target = spin ? -1 : wakeAt;
    if (this.wake !== null && this.wakeAt === target) return;
    this.wake?.cancel();
    this.wakeAt = target;
    const delay = wakeAt - now;
    if (spin || delay <= 0) {
      this.wake = this.host.soon(() => this.run());
    } else {
      this.wake = this.host.after(delay, () => this.run());
    }
  }
}
