/**
 * Gratuitous ARP / unsolicited NA for an instance's virtual addresses, from the NIC's own MAC:
 * a burst on becoming master (count × interval), a fresh burst when a lower-priority master is
 * seen, and a periodic refresh while master (one frame per address; on by default, see schema.ts). The first frame of a burst is sent
 * synchronously, inside the transition, so it is on the wire within the same millisecond.
 */

import type { AnnounceConfig } from '../config/types.js';
import { announcementFrame } from '../protocol/announcement-frames.js';
import type { FrameSender } from '../net/ports.js';
import type { Scheduler } from './scheduler.js';

export interface AnnouncerTarget {
  readonly key: string;
  readonly mac: Uint8Array;
  readonly addresses: readonly Uint8Array[];
}

export class Announcer {
  private remaining = 0;
  /** The frames for the current target, built ahead (prepare()) or on first use. */
  private built: readonly Uint8Array[] | null = null;

  constructor(
    private target: AnnouncerTarget,
    private settings: AnnounceConfig,
    private readonly frames: FrameSender,
    private readonly scheduler: Scheduler,
    /** Told of each frame sent (for counters) and of each failure. */
    private readonly report: (sent: number, error?: unknown) => void,
  ) {}

  private get burstKey(): string {
    return `${this.target.key}/announce`;
  }

  private get refreshKey(): string {
    return `${this.target.key}/refresh`;
  }

  /** Starts (or restarts) a burst; while master, keeps the refresh going. */
  burst(now: number): void {
    if (this.settings.count === 0) return;
    this.remaining = this.settings.count;
    this.sendRound(now);
    if (this.settings.refreshIntervalMs > 0) this.scheduleRefresh(now);
  }

  /**
   * New settings from a reload: a burst in progress finishes with the new spacing; a running
   * refresh is moved to the new period, or stopped when the period is now 0 (off).
   */
  update(settings: AnnounceConfig, now: number): void {
    this.settings = settings;
    if (!this.scheduler.has(this.refreshKey)) return;
    if (settings.refreshIntervalMs > 0 && settings.count > 0) this.scheduleRefresh(now);
    else this.scheduler.cancel(this.refreshKey);
  }

  /** The interface (its MAC) or the address list changed: later frames use the new ones. */
  retarget(target: AnnouncerTarget): void {
    this.target = target;
    this.built = null;
  }

  stop(): void {
    this.remaining = 0;
    this.scheduler.cancel(this.burstKey);
    this.scheduler.cancel(this.refreshKey);
  }

  /**
   * Builds the frames now (a Backup, ahead of a takeover), so that the burst's first round only
   * sends: building them in the takeover put 0.1–0.4 ms before the first frame.
   */
  prepare(): readonly Uint8Array[] {
    this.built ??= this.target.addresses.map((address) => announcementFrame(this.target.mac, address));
    return this.built;
  }

  private sendRound(now: number): void {
    this.remaining--;
    let sent = 0;
    for (const frame of this.prepare()) {
      try {
        this.frames.send(frame);
        sent++;
      } catch (error) {
        this.report(0, error);
      }
    }
    this.report(sent);
    if (this.remaining > 0) {
      this.scheduler.schedule(this.burstKey, now + this.settings.intervalMs, (at) => this.sendRound(at));
    }
  }

  private scheduleRefresh(now: number): void {
    this.scheduler.schedule(this.refreshKey, now + this.settings.refreshIntervalMs, (at) => {
      if (this.settings.count === 0 || this.settings.refreshIntervalMs === 0) return;
      // One frame per address, not a burst (keepalived's vrrp_garp_master_refresh_repeat is 1 too):
      // the refresh re-teaches a provider that lost the burst; the next refresh covers its loss.
      this.remaining = 1;
      this.sendRound(at);
      this.scheduleRefresh(at);
    });
  }
}
