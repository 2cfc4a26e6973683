/**
 * The running daemon: every configured instance, the sockets they share, and the netlink watch
 * that feeds them link and address changes. Adapters come in through DaemonPorts, so tests and
 * the real entry point (main.ts) build it the same way.
 */

import type { DaemonConfig, InstanceConfig } from '../config/types.js';
import { formatAddress, parseAddress, sameAddress, type IpFamily } from '../protocol/ip-address.js';
import { OWNER_PRIORITY } from '../protocol/receive-checks.js';
import { VRRP_IPV4_GROUP, VRRP_IPV6_GROUP } from '../net/vrrp-groups.js';
import type { AddressPort, FrameSender, LinkInfo, NetlinkChange, VrrpTransport } from '../net/ports.js';
import { InstanceDriver, type VirtualAddress } from './instance-driver.js';
import type { Logger } from './logger.js';
import { ReceiveHub } from './receive-hub.js';
import type { Scheduler } from './scheduler.js';
import { chooseSource } from './source-address.js';
import { StartupError } from './startup-error.js';

export interface DaemonPorts {
  readonly addresses: AddressPort;
  readonly scheduler: Scheduler;
  readonly log: Logger;
  openTransport(link: LinkInfo, family: IpFamily, multicast: boolean): VrrpTransport;
  openFrameSender(link: LinkInfo): FrameSender;
  /** Interface preparation that is not netlink (sysctls); may be a no-op in tests. */
  prepareInterface(link: LinkInfo, family: IpFamily): void;
}

function bytesOf(text: string): Uint8Array {
  const bytes = parseAddress(text);
  // The configuration loader has validated every address; failing here is our bug.
  if (bytes === null) throw new Error(`unparsed address ${text}`);
  return bytes;
}

export class Daemon {
  private unwatch: (() => void) | null = null;
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly instances: readonly InstanceDriver[],
    private readonly hubs: readonly ReceiveHub[],
    private readonly frameSenders: readonly FrameSender[],
    private readonly ports: DaemonPorts,
  ) {}

  /** Resolves interfaces and addresses, cleans up, opens sockets, then starts every instance. */
  static async start(config: DaemonConfig, ports: DaemonPorts): Promise<Daemon> {
    const links = new Map<string, LinkInfo>();
    for (const instance of config.instances) {
      if (links.has(instance.interface)) continue;
      const link = await ports.addresses.getLink(instance.interface);
      if (link === null) {
        throw new StartupError('interface-missing', `interface ${instance.interface} (instance ${instance.name}) does not exist`);
      }
      links.set(instance.interface, link);
    }

    const hubs = new Map<string, ReceiveHub>();
    const senders = new Map<number, FrameSender>();
    const drivers: InstanceDriver[] = [];
    try {
      for (const config_ of config.instances) {
        const link = links.get(config_.interface) as LinkInfo;
        const virtualAddresses: VirtualAddress[] = config_.virtualAddresses.map((p) => ({ bytes: bytesOf(p.address), prefixLength: p.prefixLength }));
        const present = await ports.addresses.listAddresses(link.ifindex, config_.family);
        const source = chooseSource(
          config_.family,
          present,
          virtualAddresses.map((v) => v.bytes),
          config_.sourceAddress === undefined ? undefined : bytesOf(config_.sourceAddress.address),
        );
        if (!source.ok) {
          throw new StartupError('no-source-address', `instance ${config_.name} on ${link.name}: ${source.problem}`);
        }
        const hubKey = `${link.name}/${config_.family}`;
        let hub = hubs.get(hubKey);
        if (hub === undefined) {
          ports.prepareInterface(link, config_.family);
          const multicast = config.instances.some((i) => i.interface === link.name && i.family === config_.family && i.unicastPeers === undefined);
          hub = new ReceiveHub(ports.openTransport(link, config_.family, multicast), ports.scheduler, ports.log);
          hubs.set(hubKey, hub);
        }
        let frames = senders.get(link.ifindex);
        if (frames === undefined) {
          frames = ports.openFrameSender(link);
          senders.set(link.ifindex, frames);
        }
        const driver = new InstanceDriver(
          { config: config_, link, source: source.address, destinations: destinationsOf(config_), virtualAddresses },
          { scheduler: ports.scheduler, transport: hub.transport, addresses: ports.addresses, frames, log: ports.log },
        );
        hub.add(driver);
        drivers.push(driver);
        await removeStaleAddresses(driver, config_, link, present, virtualAddresses, ports);
        if (!link.up) driver.onLink(false);
      }
    } catch (error) {
      for (const hub of hubs.values()) hub.close();
      for (const sender of senders.values()) sender.close();
      throw error;
    }

    const daemon = new Daemon(drivers, [...hubs.values()], [...senders.values()], ports);
    daemon.unwatch = ports.addresses.watch((change) => daemon.onNetlink(change));
    for (const driver of drivers) {
      driver.start();
      ports.log.info({ instance: driver.name, vrid: driver.vrid, groupMaster: driver.params.groupMaster, priority: driver.params.priority }, `${driver.name}: started`);
    }
    return daemon;
  }

  private onNetlink(change: NetlinkChange): void {
    for (const driver of this.instances) {
      if (change.type === 'link') {
        if (change.link.ifindex === driver.ifindex) driver.onLink(change.link.up);
      } else {
        driver.onAddressChange(change.entry, change.type === 'address-added');
      }
    }
  }

  /** Every master releases (priority 0) and removes its addresses; then sockets close. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.unwatch?.();
      await Promise.all(this.instances.map((driver) => driver.stop()));
      this.ports.scheduler.clear();
      for (const hub of this.hubs) hub.close();
      for (const sender of this.frameSenders) sender.close();
    })();
    return this.stopping;
  }
}

function destinationsOf(config: InstanceConfig): Uint8Array[] {
  if (config.unicastPeers !== undefined) return config.unicastPeers.map((peer) => bytesOf(peer.address));
  return [config.family === 4 ? VRRP_IPV4_GROUP : VRRP_IPV6_GROUP];
}

/**
 * A VM that is not (yet) master must not hold the failover IP: after a crash or SIGKILL the
 * addresses stay behind, and a provider may hand the IP out as the NIC's primary address.
 * The owner (priority 255) keeps them: they are its own.
 */
async function removeStaleAddresses(
  driver: InstanceDriver,
  config: InstanceConfig,
  link: LinkInfo,
  present: readonly { address: Uint8Array }[],
  virtualAddresses: readonly VirtualAddress[],
  ports: DaemonPorts,
): Promise<void> {
  if (config.priority === OWNER_PRIORITY) return;
  for (const vip of virtualAddresses) {
    if (!present.some((entry) => sameAddress(entry.address, vip.bytes))) continue;
    ports.log.warn(
      { instance: driver.name, vrid: driver.vrid, address: formatAddress(vip.bytes), reason: 'present-at-startup' },
      `${driver.name}: virtual address ${formatAddress(vip.bytes)} was on ${link.name} at start-up; removed until this node is master`,
    );
    driver.counters.addressesRemoved++;
    await ports.addresses.deleteAddress(link.ifindex, config.family, vip.bytes, vip.prefixLength);
  }
}
