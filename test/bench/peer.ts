/**
 * One VRRP implementation running in one member namespace, as the benchmark cases see it: the
 * same instances, the same ways to stop, whichever daemon it is (ipfailoverd-peer.ts,
 * keepalived-peer.ts).
 */

import type { Member } from '../integration/helpers/topology.js';

export interface InstanceSpec {
  readonly name: string;
  readonly vrid: number;
  readonly priority: number;
  readonly intervalMs: number;
  /** The virtual address with its prefix length: 203.0.113.10/32, 2001:db8::10/128. */
  readonly vip: string;
}

export type PeerState = 'BACKUP' | 'MASTER';

export interface RunningPeer {
  /** The processes whose CPU and memory are the daemon's. */
  pids(): number[];
  /** Every instance has started (ipfailoverd: its READY; keepalived: every instance's first state). */
  ready(timeoutMs: number): Promise<void>;
  waitState(instance: string, state: PeerState, timeoutMs: number): Promise<void>;
  /** A crash: no priority-0 advertisement; the addresses stay behind. */
  crash(): Promise<void>;
  /** A graceful stop: priority 0 (RFC 9568 §6.4.3), addresses removed. */
  release(): Promise<void>;
  /** Teardown: gone, however. */
  kill(): Promise<void>;
}

export interface Implementation {
  readonly name: 'ipfailoverd' | 'keepalived';
  start(member: Member, instances: readonly InstanceSpec[]): RunningPeer;
}

/** Waits for `probe` to be true, polling. */
export async function until(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
