/**
 * The benchmarks' test bed: three members and a client on one bridge (the integration tests'
 * Cluster, random namespace names), both implementations ready to start in any member, and the
 * client's capture. Everything it makes — namespaces, daemons, captures, the stress load, the
 * keepalived folder — goes in destroy(), which the runner calls on every way out.
 */

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../integration/helpers/cluster.js';
import { inNs, type Member } from '../integration/helpers/topology.js';
import { ipfailoverd } from './ipfailoverd-peer.js';
import { keepalived } from './keepalived-peer.js';
import type { Implementation } from './peer.js';
import type { UnitLaunch } from './unit-launch.js';
import { WireCapture } from './wire-capture.js';

export const KEEPALIVED = '/usr/sbin/keepalived';
const VIP_RANGES = ['198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32'];

export class Lab {
  readonly implementations: readonly Implementation[];
  private readonly dir = mkdtempSync(join(tmpdir(), 'ipfo-bench-'));
  private readonly cleanups = new Set<() => void>();

  private constructor(
    readonly cluster: Cluster,
    launch: UnitLaunch,
  ) {
    const found: Implementation[] = [ipfailoverd(cluster, launch)];
    if (existsSync(KEEPALIVED)) found.push(keepalived(this.dir));
    this.implementations = found;
  }

  static async create(launch: UnitLaunch): Promise<Lab> {
    return new Lab(await Cluster.create(3, 'ipfo-bn'), launch);
  }

  member(index: number): Member {
    return this.cluster.member(index);
  }

  get client(): Member {
    return this.cluster.topology.client;
  }

  /** Something to stop on destroy() (a capture, a load); returns the way to stop it early. */
  own(stop: () => void): () => void {
    const once = (): void => {
      if (!this.cleanups.delete(once)) return;
      stop();
    };
    this.cleanups.add(once);
    return once;
  }

  async capture(): Promise<{ capture: WireCapture; stop: () => void }> {
    const capture = new WireCapture(this.client.ns);
    const stop = this.own(() => capture.kill('SIGKILL'));
    await capture.ready();
    return { capture, stop };
  }

  /**
   * What the unit's ExecStopPost= does after a crash: the failover addresses go. Every VIP the
   * benchmarks use is in these documentation ranges, and nothing else on eth0 is.
   */
  async clearVips(member: Member): Promise<void> {
    for (const range of VIP_RANGES) await inNs(member.ns, 'ip', 'addr', 'flush', 'dev', 'eth0', 'to', range);
  }

  async destroy(): Promise<void> {
    for (const stop of [...this.cleanups]) stop();
    // Namespaces last: the topology kills whatever still runs in them (keepalived too).
    await this.cluster.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
