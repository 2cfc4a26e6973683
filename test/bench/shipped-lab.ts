/**
 * A master/backup pair of real daemons on one bridge, started the way the unit starts them:
 * NODE_OPTIONS and Nice= from systemd/ipfailoverd.service (unit-options.ts), log level info (the
 * default), one config of N instances each. Used by the memory and flood benchmarks; it talks to
 * the daemons only through the network and the status socket.
 */

import { sendRequest } from '../../src/control/client.js';
import { Cluster, DAEMON, type InstanceJson } from '../integration/helpers/cluster.js';
import { NsProcess } from '../integration/helpers/topology.js';

export interface LaunchOptions {
  readonly nodeOptions: string;
  readonly nice: number;
  /** Further environment, as more Environment= lines of the unit would set it. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface StatusInstance {
  readonly name: string;
  readonly family: 4 | 6;
  readonly vrid: number;
  readonly state: string;
  readonly faults: readonly string[];
  readonly counters: Record<string, unknown>;
}

/** One daemon of the pair: its process and its status socket. */
export class ShippedDaemon extends NsProcess {
  constructor(readonly ns: string, readonly socket: string, configFile: string, launch: LaunchOptions) {
    const command = [process.execPath, DAEMON, '--config', configFile];
    super(ns, launch.nice === 0 ? command : ['nice', '-n', String(launch.nice), ...command], { ...launch.env, NODE_OPTIONS: launch.nodeOptions });
  }

  get pid(): number {
    // `ip netns exec` and nice exec the command: the child's pid is the daemon's own.
    return this.child.pid as number;
  }

  async status(): Promise<StatusInstance[]> {
    const reply = await sendRequest(this.socket, { cmd: 'status' });
    return reply.instances as StatusInstance[];
  }

  /**
   * Until the status socket answers and all `count` instances are in `expect` (MASTER or
   * BACKUP), or `timeoutMs` has passed; resolves with how many are, for the benchmark to print.
   */
  async settled(expect: string, count: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let reached = 0;
    while (Date.now() < deadline) {
      const instances = await this.status().catch(() => []);
      reached = instances.filter((i) => i.state === expect).length;
      if (reached === count) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return reached;
  }
}

/**
 * IPv4 instance `vrid` (1-255): failover address 203.0.113.vrid for VRIDs up to 127,
 * 198.51.100.(vrid − 127) above, so that 255 instances each have their own.
 */
export function ipv4Address(vrid: number): string {
  return vrid <= 127 ? `203.0.113.${vrid}` : `198.51.100.${vrid - 127}`;
}

export function ipv6Address(vrid: number): string {
  return `2001:db8::${vrid.toString(16)}`;
}

export function ipv4Instance(vrid: number, priority: number, intervalMs: number): InstanceJson {
  const address = ipv4Address(vrid);
  return {
    name: `v4-${vrid}`,
    interface: 'eth0',
    vrid,
    priority,
    advertIntervalMs: intervalMs,
    virtualAddresses: [`${address}/32`],
    announce: { count: 1, intervalMs: 50, refreshIntervalMs: 0 },
  };
}

/** IPv6 instance `vrid`: failover address 2001:db8::vrid. */
export function ipv6Instance(vrid: number, priority: number, intervalMs: number): InstanceJson {
  return {
    name: `v6-${vrid}`,
    interface: 'eth0',
    vrid,
    priority,
    advertIntervalMs: intervalMs,
    virtualAddresses: [`${ipv6Address(vrid)}/128`],
    announce: { count: 1, intervalMs: 50, refreshIntervalMs: 0 },
  };
}

export class ShippedPair {
  private constructor(readonly cluster: Cluster) {}

  static async create(prefix: string, withFlooder = false): Promise<ShippedPair> {
    return new ShippedPair(await Cluster.create(withFlooder ? 3 : 2, prefix));
  }

  /** Member 1 (master) gets `master`'s instances, member 2 (backup) `backup`'s. */
  start(index: 1 | 2, instances: readonly InstanceJson[], launch: LaunchOptions): ShippedDaemon {
    const { file, socket } = this.cluster.writeConfig(index, instances, { log: { level: 'info' } });
    return new ShippedDaemon(this.cluster.member(index).ns, socket, file, launch);
  }

  async destroy(): Promise<void> {
    // The topology kills whatever still runs in its namespaces, then removes them.
    await this.cluster.destroy();
  }
}
