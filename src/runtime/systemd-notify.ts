/**
 * The sd_notify(3) protocol, spoken directly (one datagram per message through the addon):
 * READY=1 once every instance has started, STATUS= kept current, WATCHDOG=1 at half of
 * WatchdogSec from the event loop itself (a stalled loop stops the pings and systemd restarts
 * the service), RELOADING=1 with MONOTONIC_USEC around a reload, STOPPING=1 on stop.
 * Outside systemd ($NOTIFY_SOCKET unset) every call does nothing.
 */

import type { Logger } from './logger.js';
import type { Scheduler } from './scheduler.js';

export type NotifySend = (socketPath: string, message: string) => void;

const WATCHDOG_KEY = 'systemd/watchdog';

export class SystemdNotifier {
  private readonly socket: string | undefined;
  private readonly watchdogMs: number | undefined;
  private lastStatus = '';
  private failed = false;

  constructor(
    private readonly send: NotifySend,
    private readonly log: Logger,
    env: NodeJS.ProcessEnv = process.env,
    pid = process.pid,
  ) {
    this.socket = env.NOTIFY_SOCKET || undefined;
    const usec = Number(env.WATCHDOG_USEC);
    // sd_watchdog_enabled(3): WATCHDOG_PID, when set, must be ours.
    const forUs = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === pid;
    this.watchdogMs = this.socket !== undefined && forUs && usec > 0 ? usec / 1000 : undefined;
  }

  get enabled(): boolean {
    return this.socket !== undefined;
  }

  ready(status: string): void {
    this.lastStatus = status;
    this.notify(`READY=1\nSTATUS=${status}`);
  }

  status(status: string): void {
    if (status === this.lastStatus) return;
    this.lastStatus = status;
    this.notify(`STATUS=${status}`);
  }

  /** systemd ≥ 253 wants the monotonic time with RELOADING=1 (Type=notify-reload); older ignore it. */
  reloading(): void {
    this.notify(`RELOADING=1\nMONOTONIC_USEC=${process.hrtime.bigint() / 1000n}`);
  }

  stopping(): void {
    this.notify('STOPPING=1');
  }

  /** Pings at half the watchdog period, on the daemon's one scheduler. */
  startWatchdog(scheduler: Scheduler): void {
    const period = this.watchdogMs;
    if (period === undefined) return;
    const ping = (now: number): void => {
      this.notify('WATCHDOG=1');
      scheduler.schedule(WATCHDOG_KEY, now + period / 2, ping);
    };
    ping(scheduler.now());
  }

  stopWatchdog(scheduler: Scheduler): void {
    scheduler.cancel(WATCHDOG_KEY);
  }

  private notify(message: string): void {
    if (this.socket === undefined) return;
    try {
      this.send(this.socket, message);
    } catch (error) {
      // Once is enough: systemd is gone or the socket is wrong; the daemon itself goes on.
      if (!this.failed) this.log.warn({ err: String(error) }, 'cannot notify systemd');
      this.failed = true;
    }
  }
}

/** The one-line STATUS= summary: "web: MASTER, db: BACKUP". */
export function statusLine(instances: ReadonlyArray<{ name: string; state: string }>): string {
  return instances.map((i) => `${i.name}: ${i.state}`).join(', ');
}
