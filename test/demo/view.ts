/**
 * The demo's live view: each member's daemon and VRRP state, whether the kernel has the failover
 * IP on its eth0, and the MAC the client's ARP cache has for it. On a terminal the table is
 * redrawn in place a few times a second; otherwise (CI logs, a pipe) one compact line is printed
 * whenever something changes, and the table once at the end of each phase.
 */

export interface MemberRow {
  readonly name: string;
  readonly daemon: 'running' | 'killed' | 'stopped' | 'exited';
  /** INIT / BACKUP / MASTER / FAULT from the last transition log line; '-' without a daemon. */
  readonly state: string;
  readonly priority: number;
  readonly groupMaster: boolean;
  readonly mac: string;
  /** The kernel has the failover IP on this member's eth0. */
  readonly holds: boolean;
}

export interface Frame {
  readonly rows: readonly MemberRow[];
  /** The client's ARP entry for the failover IP: MAC (null if none) and the kernel's NUD state. */
  readonly arp: { readonly mac: string | null; readonly state: string };
}

const REFRESH_MS = 250;

export class LiveView {
  private readonly tty: boolean;
  private timer: NodeJS.Timeout | null = null;
  private drawing: Promise<void> = Promise.resolve();
  private drawn = 0;
  private lastKey = '';
  private last: Frame | null = null;
  private caption = '';
  private t0 = 0;

  constructor(
    private readonly vip: string,
    private readonly probe: () => Promise<Frame>,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {
    this.tty = out.isTTY === true;
  }

  /** Starts refreshing; times are shown relative to `t0` (Date.now() of the phase's event). */
  start(caption: string, t0: number): void {
    this.stopTimer();
    this.caption = caption;
    this.t0 = t0;
    this.drawn = 0;
    this.lastKey = '';
    const tick = (): void => {
      this.drawing = this.drawing.then(() => this.refresh()).catch(() => undefined);
      this.timer = setTimeout(tick, REFRESH_MS);
    };
    tick();
  }

  /** Stops refreshing; draws one last frame (the table, also when not on a terminal). */
  async stop(): Promise<void> {
    if (this.timer === null) return;
    this.stopTimer();
    await this.drawing;
    await this.refresh(true).catch(() => undefined);
    if (!this.tty && this.last !== null) this.out.write(`${this.table(this.last).join('\n')}\n`);
  }

  /** Stops without drawing (on errors and interrupts: the namespaces may be gone). */
  abandon(): void {
    this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Draws a frame; once stopped or abandoned, only the `final` one from stop(). */
  private async refresh(final = false): Promise<void> {
    const frame = await this.probe();
    if (this.timer === null && !final) return;
    const at = `+${((Date.now() - this.t0) / 1000).toFixed(2)} s`;
    this.last = frame;
    if (this.tty) {
      // Clipped to the terminal's width: a wrapped line would break the redraw in place.
      const width = (this.out.columns ?? 80) - 1;
      const lines = [`  ${at} ${this.caption}`, ...this.table(frame)]
        .map((line) => (line.length > width ? line.slice(0, width) : line))
        .map((line) => (/ running +MASTER /.test(line) ? `\x1b[1m${line}\x1b[0m` : line));
      const up = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
      this.out.write(up + lines.map((line) => `\x1b[2K${line}\n`).join(''));
      this.drawn = lines.length;
      return;
    }
    const line = this.compact(frame);
    if (line === this.lastKey) return;
    this.lastKey = line;
    this.out.write(`  ${at.padStart(9)}  ${line}\n`);
  }

  /** Which member a MAC belongs to. */
  private owner(frame: Frame, mac: string | null): string {
    return frame.rows.find((row) => row.mac === mac)?.name ?? (mac === null ? 'none' : 'unknown');
  }

  private compact(frame: Frame): string {
    const members = frame.rows.map((row) => {
      const state = row.daemon === 'running' ? row.state : `${row.daemon}`;
      const holds = row.holds ? (row.daemon === 'running' ? ' +IP' : ' +IP(stale)') : '';
      return `${row.name} ${state}${holds}`.padEnd(20);
    });
    return `${members.join(' | ')} | client ARP -> ${this.owner(frame, frame.arp.mac)}`;
  }

  private table(frame: Frame): string[] {
    const header = `  ${'member'.padEnd(9)}${'daemon'.padEnd(9)}${'state'.padEnd(8)}${'prio'.padStart(4)}  ${`has ${this.vip}`.padEnd(18)}NIC MAC`;
    const rows = frame.rows.map((row) => {
      const name = `${row.name}${row.groupMaster ? ' (gm)' : ''}`;
      const state = row.daemon === 'running' ? row.state : '-';
      const holds = row.holds ? (row.daemon === 'running' ? 'yes' : 'yes (stale)') : 'no';
      const arp = row.mac === frame.arp.mac ? '  <- ARP' : '';
      return `  ${name.padEnd(9)}${row.daemon.padEnd(9)}${state.padEnd(8)}${String(row.priority).padStart(4)}  ${holds.padEnd(18)}${row.mac}${arp}`;
    });
    const arp = frame.arp.mac === null ? 'no entry' : `${frame.arp.mac} (${this.owner(frame, frame.arp.mac)}, ${frame.arp.state})`;
    return [header, ...rows, `  client ARP cache: ${this.vip} at ${arp}`];
  }
}
