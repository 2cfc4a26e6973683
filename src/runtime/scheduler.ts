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
import { DeadlineHeap } from './deadline-heap.js';

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
  /** Every live entry, in two heaps: the wake-up for a precise one comes SPIN_WINDOW_MS early. */
  private readonly coarse = new DeadlineHeap<Entry>((e) => this.entries.get(e.key) === e);
  private readonly precise = new DeadlineHeap<Entry>((e) => this.entries.get(e.key) === e);
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
    const entry: Entry = { key, at, fire, precise, seq: this.seq++ };
    this.entries.set(key, entry);
    (precise ? this.precise : this.coarse).push(entry);
    // Moved and cancelled entries stay in the heaps until they come to the top: bound them.
    if (this.coarse.size + this.precise.size > 2 * this.entries.size + 64) this.compact();
    this.rearm();
  }

  private compact(): void {
    const live = [...this.entries.values()];
    this.coarse.compact(live.filter((e) => !e.precise));
    this.precise.compact(live.filter((e) => e.precise));
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
    this.compact();
    this.rearm();
  }

  /** The earliest live deadline of either kind. */
  private earliest(): Entry | undefined {
    const coarse = this.coarse.peek();
    const precise = this.precise.peek();
    if (coarse === undefined) return precise;
    if (precise === undefined) return coarse;
    return precise.at < coarse.at || (precise.at === coarse.at && precise.seq < coarse.seq) ? precise : coarse;
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
    const later: Entry[] = [];
    try {
      for (;;) {
        const next = this.earliest();
        const now = this.clock.now();
        if (next === undefined || next.at > now) break;
        (next.precise ? this.precise : this.coarse).pop();
        // Scheduled by a callback of this run: the next turn (set aside, put back below).
        if (next.seq >= limit) {
          later.push(next);
          continue;
        }
        this.entries.delete(next.key);
        next.fire(now);
      }
    } finally {
      this.running = false;
      for (const entry of later) (entry.precise ? this.precise : this.coarse).push(entry);
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
    const coarse = this.coarse.peek();
    const precise = this.precise.peek();
    let wakeAt = coarse?.at ?? Infinity;
    const spin = precise !== undefined && precise.at - now <= SPIN_WINDOW_MS;
    if (precise !== undefined && precise.at - SPIN_WINDOW_MS < wakeAt) wakeAt = precise.at - SPIN_WINDOW_MS;
    if (wakeAt === Infinity) {
      this.wake?.cancel();
      this.wake = null;
      this.wakeAt = Infinity;
      return;
    }
    // Keep the host timer when it already wakes us in time, even early: an early wake finds
    // nothing due and sets the timer again then. A Backup's every advertisement moves its
    // Active_Down_Timer, which is most often the earliest deadline; replacing the host timer
    // for each cost a clearTimeout and a setTimeout per packet (14 % of a backup's CPU at 255
    // instances), where an early wake costs one run about every Active_Down_Interval.
    const target = spin ? -1 : wakeAt;
    if (this.wake !== null && this.wakeAt <= target) return;
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
