/**
 * The sd_notify(3) protocol, spoken directly (one datagram per message through the addon):
 * READY=1 once every instance has started, on a datagram of its own, STATUS= kept current and
 * cut to STATUS_MAX_BYTES, WATCHDOG=1 at half of
 * WatchdogSec from the event loop itself (a stalled loop stops the pings and systemd restarts
 * the service), RELOADING=1 with MONOTONIC_USEC around a reload, STOPPING=1 on stop.
 * Outside systemd ($NOTIFY_SOCKET unset) every call does nothing.
 */

import type { Logger } from './logger.js';
import type { Scheduler } from './scheduler.js';

export type NotifySend = (socketPath: string, message: string) => void;

const WATCHDOG_KEY = 'systemd/watchdog';

/**
 * The longest STATUS= text sent, in UTF-8 bytes. A datagram has to fit the addon's buffer
 * (native/vrrp_io.c refuses a message of 4095 bytes or more, with a RangeError) and systemd's
 * (it drops a truncated notification whole: NOTIFY_BUFFER_MAX, 4 KiB in 257). 1 KiB leaves room
 * for both and is more than `systemctl status` shows on its Status: line.
 */
export const STATUS_MAX_BYTES = 1024;
const ELLIPSIS = '…';

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

  /**
   * READY=1 alone, then the status: systemd kills a daemon whose READY=1 never arrives at its
   * start timeout, so nothing that can make a datagram too long travels with it.
   */
  ready(status: string): void {
    this.notify('READY=1');
    this.lastStatus = '';
    this.status(status);
  }

  status(status: string): void {
    const text = fitBytes(status, STATUS_MAX_BYTES);
    if (text === this.lastStatus) return;
    this.lastStatus = text;
    this.notify(`STATUS=${text}`);
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

/**
 * The one-line STATUS= summary: "web: MASTER, db: BACKUP", at most `maxBytes` long: entries that
 * do not fit are counted instead ("web: MASTER, … (+98 more)"), so that the line stays a list.
 */
export function statusLine(instances: ReadonlyArray<{ name: string; state: string }>, maxBytes = STATUS_MAX_BYTES): string {
  const entries = instances.map((i) => `${i.name}: ${i.state}`);
  const full = entries.join(', ');
  if (Buffer.byteLength(full) <= maxBytes) return full;
  // As many entries as fit with the count of the others after them.
  let line = '';
  let shown = 0;
  for (const entry of entries) {
    const candidate = line === '' ? entry : `${line}, ${entry}`;
    const hiddenAfter = entries.length - shown - 1;
    const tail = hiddenAfter === 0 ? '' : `, ${moreSuffix(hiddenAfter)}`;
    if (Buffer.byteLength(candidate + tail) > maxBytes) break;
    line = candidate;
    shown++;
  }
  // The whole list did not fit, so at least one entry is hidden.
  const more = moreSuffix(entries.length - shown);
  return line === '' ? more : `${line}, ${more}`;
}

function moreSuffix(hidden: number): string {
  return `${ELLIPSIS} (+${hidden} more)`;
}

/** `text` cut to at most `maxBytes` UTF-8 bytes, at a character boundary, ending in an ellipsis when cut. */
export function fitBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const room = maxBytes - Buffer.byteLength(ELLIPSIS);
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > room) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end) + ELLIPSIS;
}
