/**
 * ipfailoverd as a benchmark peer, started as systemd/ipfailoverd.service starts it: the unit's
 * Environment= and its scheduling settings as a command prefix (unit-launch.ts).
 */

import type { Cluster, Daemon, InstanceJson } from '../integration/helpers/cluster.js';
import type { Member } from '../integration/helpers/topology.js';
import type { Implementation, InstanceSpec, PeerState, RunningPeer } from './peer.js';
import type { UnitLaunch } from './unit-launch.js';

function instanceJson(spec: InstanceSpec): InstanceJson {
  return {
    name: spec.name,
    interface: 'eth0',
    vrid: spec.vrid,
    priority: spec.priority,
    advertIntervalMs: spec.intervalMs,
    virtualAddresses: [spec.vip],
    // As keepalived is configured (one announcement at once): nothing periodic.
    announce: { count: 3, intervalMs: 50, refreshIntervalMs: 0 },
  };
}

class RunningDaemon implements RunningPeer {
  constructor(private readonly daemon: Daemon) {}

  pids(): number[] {
    // `ip netns exec`, nice and chrt exec the next command: the child's pid is node's.
    return this.daemon.child.pid === undefined ? [] : [this.daemon.child.pid];
  }

  async ready(timeoutMs: number): Promise<void> {
    await this.daemon.waitLine({ msg: 'status socket ready' }, timeoutMs);
  }

  async waitState(instance: string, state: PeerState, timeoutMs: number): Promise<void> {
    if (this.daemon.state(instance) === state) return;
    // Read synchronously with the check above: no transition line can fall in between.
    await this.daemon.waitState(state, timeoutMs, { instance, from: this.daemon.lines.length });
  }

  private get running(): boolean {
    return this.daemon.child.exitCode === null && this.daemon.child.signalCode === null;
  }

  async crash(): Promise<void> {
    this.daemon.kill('SIGKILL');
    await this.daemon.exited;
  }

  async release(): Promise<void> {
    if (this.running) this.daemon.kill('SIGTERM');
    await this.daemon.exited;
  }

  async kill(): Promise<void> {
    if (this.running) this.daemon.kill('SIGKILL');
    await this.daemon.exited;
  }
}

export function ipfailoverd(cluster: Cluster, launch: UnitLaunch): Implementation {
  return {
    name: 'ipfailoverd',
    start(member: Member, instances: readonly InstanceSpec[]): RunningPeer {
      const daemon = cluster.start(member.index, instances.map(instanceJson), { log: { level: 'info' } }, { ...launch.env }, launch.prefix);
      return new RunningDaemon(daemon);
    },
  };
}
