/**
 * An async job run every `intervalMs` on the Scheduler, never two at once: a run still going at
 * the next tick makes that tick skipped (and reported), so a hung check cannot pile up
 * processes. Stopping aborts the run in flight; the job must check its signal before acting on
 * a result, so nothing lands after stop().
 */

import type { Scheduler } from '../scheduler.js';

export class PeriodicJob {
  private inFlight: AbortController | null = null;
  /** When the last tick ran; undefined before the first. */
  private lastTick: number | undefined;

  constructor(
    private readonly scheduler: Scheduler,
    /** Unique in the shared scheduler. */
    private readonly key: string,
    private intervalMs: number,
    /** Must not reject: a rejection is a bug and surfaces as an unhandled rejection. */
    private readonly job: (signal: AbortSignal) => Promise<void>,
    private readonly onSkip: () => void,
  ) {}

  /** First run at once: a check's first answer should not wait a whole interval. */
  start(): void {
    this.scheduler.schedule(this.key, this.scheduler.now(), (now) => this.tick(now));
  }

  stop(): void {
    this.scheduler.cancel(this.key);
    this.inFlight?.abort();
  }

  /**
   * A reload changed the interval: the next tick comes `intervalMs` after the last one, as if the
   * job had always had it (a shorter interval does not wait out the longer one). A run in flight
   * goes on.
   */
  changeInterval(intervalMs: number): void {
    this.intervalMs = intervalMs;
    if (this.lastTick !== undefined && this.scheduler.has(this.key)) {
      this.scheduler.schedule(this.key, this.lastTick + intervalMs, (at) => this.tick(at));
    }
  }

  private tick(now: number): void {
    this.lastTick = now;
    this.scheduler.schedule(this.key, now + this.intervalMs, (at) => this.tick(at));
    if (this.inFlight !== null) {
      this.onSkip();
      return;
    }
    const controller = new AbortController();
    this.inFlight = controller;
    void this.job(controller.signal).finally(() => {
      if (this.inFlight === controller) this.inFlight = null;
    });
  }
}
