/**
 * Two masters, seen from the addresses: `ip -o monitor address` in each member's namespace,
 * starting from a snapshot, so that no change is missed between samples (and snapshots again
 * to wait on, and should ip report lost changes). A VIP present on two
 * members at the same moment is an instance with two masters (RFC 9568 §8.2's split brain:
 * both answer ARP for it), however short.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { inNs, type Member } from '../integration/helpers/topology.js';

const LINE = /^(Deleted )?\d+: \S+\s+inet6? ([0-9a-f:.]+)\//;

export class AddressMonitor {
  private readonly held = new Map<number, Set<string>>();
  private readonly children: ChildProcess[] = [];
  private members: readonly Member[] = [];
  /** Times ip reported a lost batch of changes; resync() puts the sets right again. */
  overruns = 0;
  /** VIPs that were ever on two members at once, with the performance.now() they first were. */
  readonly doubled = new Map<string, number>();

  private constructor(private readonly watched: ReadonlySet<string>) {}

  /** Watches `vips` (plain addresses) on `members`' eth0. */
  static async start(members: readonly Member[], vips: readonly string[]): Promise<AddressMonitor> {
    const monitor = new AddressMonitor(new Set(vips));
    for (const member of members) {
      const child = spawn('ip', ['-o', '-n', member.ns, 'monitor', 'address', 'dev', 'eth0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      // A burst of changes can overrun ip's netlink socket (ENOBUFS): it says so and goes on.
      child.stderr?.on('data', (chunk: Buffer) => {
        if (chunk.toString('utf8').includes('receive error')) monitor.overruns++;
      });
      monitor.children.push(child);
      const held = new Set<string>();
      monitor.held.set(member.index, held);
      let buffer = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          monitor.onLine(member.index, buffer.slice(0, newline));
          buffer = buffer.slice(newline + 1);
        }
      });
    }
    // The monitors run first, then the snapshot: a change in between is seen twice, never missed.
    await new Promise((resolve) => setTimeout(resolve, 100));
    monitor.members = members;
    await monitor.resync();
    return monitor;
  }

  /** Replaces what each member holds with a snapshot (after an overrun, and to wait on). */
  async resync(): Promise<void> {
    for (const member of this.members) {
      const json = JSON.parse(await inNs(member.ns, 'ip', '-j', 'addr', 'show', 'dev', 'eth0')) as Array<{ addr_info: Array<{ local: string }> }>;
      const now = new Set(json.flatMap((link) => link.addr_info.map((info) => info.local)));
      for (const address of this.held.get(member.index) ?? []) if (!now.has(address)) this.change(member.index, address, false);
      for (const address of now) this.change(member.index, address, true);
    }
  }

  private onLine(member: number, line: string): void {
    const found = LINE.exec(line);
    if (found !== null) this.change(member, found[2] as string, found[1] === undefined);
  }

  private change(member: number, address: string, added: boolean): void {
    if (!this.watched.has(address)) return;
    const held = this.held.get(member) as Set<string>;
    if (!added) {
      held.delete(address);
      return;
    }
    held.add(address);
    for (const [other, set] of this.held) if (other !== member && set.has(address) && !this.doubled.has(address)) this.doubled.set(address, performance.now());
  }

  /** How many watched VIPs `member` holds now. */
  holding(member: number): number {
    return this.held.get(member)?.size ?? 0;
  }

  stop(): void {
    for (const child of this.children) child.kill('SIGTERM');
  }
}
