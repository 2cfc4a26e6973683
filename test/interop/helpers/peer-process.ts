/**
 * A foreign VRRP daemon (keepalived, FRR's zebra or vrrpd) run in a member namespace with
 *   ip netns exec NS COMMAND...
 * keeping its console lines with the time each arrived. `ip netns exec` execs the command, so the
 * child's pid is the daemon's own: signalling the child signals the daemon.
 *
 * The peers' own timestamps have one-second resolution, so the arrival time of a line (`at`,
 * Date.now() when the test read it) is the precise upper bound of when it happened.
 */

import { spawn, type ChildProcess } from 'node:child_process';

export interface LogLine {
  readonly text: string;
  /** Date.now() when the line was read from the pipe. */
  readonly at: number;
}

export class PeerProcess {
  readonly lines: LogLine[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private readonly waiters: Array<() => void> = [];

  /** `label` names the peer in timeout messages ("keepalived on m2"). */
  constructor(ns: string, command: readonly string[], readonly label: string) {
    this.child = spawn('ip', ['netns', 'exec', ns, ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    const take = (chunk: Buffer): void => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        this.lines.push({ text: buffer.slice(0, newline), at: Date.now() });
        buffer = buffer.slice(newline + 1);
      }
      for (const wake of this.waiters.splice(0)) wake();
    };
    this.child.stdout?.on('data', take);
    this.child.stderr?.on('data', take);
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Lines from index `from` on that match. */
  matching(pattern: RegExp, from = 0): LogLine[] {
    return this.lines.slice(from).filter((line) => pattern.test(line.text));
  }

  /** Waits for a line matching `pattern` at or after line index `from`. */
  async waitLine(pattern: RegExp, timeoutMs: number, from = 0): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.slice(from).find((candidate) => pattern.test(candidate.text));
      if (line !== undefined) return line;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`${this.label}: no line matching ${pattern} within ${timeoutMs} ms; last lines:\n${this.tail(20)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** SIGKILL (for crashes and teardown); resolves when the process has exited. */
  async killHard(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  tail(count: number): string {
    return this.lines
      .slice(-count)
      .map((line) => line.text)
      .join('\n');
  }
}
