/**
 * The running daemon: its instances, the sockets they share per interface and family, and the
 * netlink watch that feeds them link and address changes. Instances come and go on reload
 * (reload-plan.ts decides how). Adapters come in through DaemonPorts, so tests and the real entry
 * point (main.ts) build it the same way.
 */

import type { DaemonConfig, InstanceConfig } from '../config/types.js';
import { parseAddress, sameAddress, formatAddress, type IpFamily } from '../protocol/ip-address.js';
import { OWNER_PRIORITY } from '../protocol/receive-checks.js';
import { VRRP_IPV4_GROUP, VRRP_IPV6_GROUP } from '../net/vrrp-groups.js';
import type { AddressEntry, AddressPort, FrameSender, LinkInfo, NetlinkChange, VrrpTransport } from '../net/ports.js';
import type { HealthState } from './tracking/health-state.js';
import { InstanceDriver, type InstanceSnapshot, type TransitionRecord, type VirtualAddress } from './instance-driver.js';
import { STATE_LABEL, type Logger } from './logger.js';
import { ReceiveHub } from './receive-hub.js';
import { planReload, type ReloadPlan } from './reload-plan.js';
import type { Scheduler } from './scheduler.js';
import { chooseSource } from './source-address.js';
import { StartupError } from './startup-error.js';
import { rehearseTakeover, WARM_EVERY_MS } from './warm-up.js';

const WARM_KEY = 'daemon/warm-up';

/** Health tracking of one instance (track interfaces, scripts, files). */
export interface Tracking {
  /** Starts the trackers; their first verdict is `current`, later ones go to onChange. */
  start(initialLinks: ReadonlyMap<string, boolean>): void;
  readonly current: HealthState;
  onLink(name: string, up: boolean): void;
  stop(): void;
}

export interface HookEvent {
  readonly instance: string;
  readonly vrid: number;
  readonly state: string;
  readonly previous: string;
  readonly priority: number;
  readonly reason: string;
}

/** Notify hooks of one instance: run in order, one at a time, never blocking the protocol. */
export interface Hooks {
  run(event: HookEvent): void;
  idle(): Promise<void>;
  /** New hooks from a reload, in the same queue (order kept). */
  replace(hooks: InstanceConfig['notify']): void;
}

export interface DaemonPorts {
  readonly addresses: AddressPort;
  readonly scheduler: Scheduler;
  readonly log: Logger;
  openTransport(link: LinkInfo, family: IpFamily): VrrpTransport;
  openFrameSender(link: LinkInfo): FrameSender;
  /** Interface preparation that is not netlink (sysctls); may be a no-op in tests. */
  prepareInterface(link: LinkInfo, family: IpFamily): void;
  createTracking?(config: InstanceConfig, log: Logger, onChange: (health: HealthState) => void): Tracking;
  createHooks?(config: InstanceConfig, log: Logger): Hooks;
}

interface Managed {
  readonly driver: InstanceDriver;
  readonly hubKey: string;
  tracking: Tracking | undefined;
  hooks: Hooks | undefined;
  /** The logger tracking and hooks log through (its level follows reloads). */
  log: Logger | undefined;
}

export interface ReloadResult {
  readonly plan: ReloadPlan;
  /** Instances that could not be (re)started, with why; the others are in force. */
  readonly failed: ReadonlyArray<{ readonly instance: string; readonly error: string }>;
}

function bytesOf(text: string): Uint8Array {
  const bytes = parseAddress(text);
  // The configuration loader has validated every address; failing here is our bug.
  if (bytes === null) throw new Error(`unparsed address ${text}`);
  return bytes;
}

function destinationsOf(config: InstanceConfig): Uint8Array[] {
  if (config.unicastPeers !== undefined) return config.unicastPeers.map((peer) => bytesOf(peer.address));
  return [config.family === 4 ? VRRP_IPV4_GROUP : VRRP_IPV6_GROUP];
}

export class Daemon {
  private readonly instances = new Map<string, Managed>();
  private readonly hubs = new Map<string, ReceiveHub>();
  private readonly senders = new Map<number, FrameSender>();
  private readonly links = new Map<string, boolean>();
  private readonly listeners = new Set<(record: TransitionRecord) => void>();
  private unwatch: (() => void) | null = null;
  private stopping: Promise<void> | null = null;

  private constructor(
    private current: DaemonConfig,
    private readonly ports: DaemonPorts,
  ) {}

  /** Checks every interface first (nothing is touched if one is missing), then starts all. */
  static async start(config: DaemonConfig, ports: DaemonPorts): Promise<Daemon> {
    for (const instance of config.instances) {
      if ((await ports.addresses.getLink(instance.interface)) === null) {
        throw new StartupError('interface-missing', `interface ${instance.interface} (instance ${instance.name}) does not exist`);
      }
    }
    const daemon = new Daemon(config, ports);
    daemon.unwatch = ports.addresses.watch((change) => daemon.onNetlink(change));
    try {
      for (const instance of config.instances) await daemon.add(instance);
    } catch (error) {
      await daemon.stop();
      throw error;
    }
    daemon.keepTakeoverWarm(ports.scheduler.now());
    return daemon;
  }

  /** A rehearsal per address family now and every WARM_EVERY_MS (see warm-up.ts). */
  private keepTakeoverWarm(now: number): void {
    const seen = new Set<number>();
    for (const { driver } of this.instances.values()) {
      const config = driver.configuration;
      if (seen.has(config.family)) continue;
      seen.add(config.family);
      rehearseTakeover(config, driver.link).catch((error: unknown) => this.ports.log.debug({ err: String(error) }, 'takeover rehearsal failed'));
    }
    this.ports.addresses.rehearse?.();
    this.ports.scheduler.schedule(WARM_KEY, now + WARM_EVERY_MS, (at) => this.keepTakeoverWarm(at));
  }

  /** Resolves the link and source, cleans stale addresses, wires tracking and hooks, starts. */
  private async add(config: InstanceConfig): Promise<void> {
    const { ports } = this;
    const link = await ports.addresses.getLink(config.interface);
    if (link === null) throw new StartupError('interface-missing', `interface ${config.interface} (instance ${config.name}) does not exist`);
    // The watcher may already know better (it started before this lookup).
    if (!this.links.has(link.name)) this.links.set(link.name, link.up);
    const virtualAddresses: VirtualAddress[] = config.virtualAddresses.map((p) => ({ bytes: bytesOf(p.address), prefixLength: p.prefixLength }));
    const present = await ports.addresses.listAddresses(link.ifindex, config.family);
    const source = chooseSource(
      config.family,
      present,
      virtualAddresses.map((v) => v.bytes),
      config.sourceAddress === undefined ? undefined : bytesOf(config.sourceAddress.address),
    );
    if (!source.ok) throw new StartupError('no-source-address', `instance ${config.name} on ${link.name}: ${source.problem}`);

    const hubKey = `${link.name}/${config.family}`;
    let hub = this.hubs.get(hubKey);
    if (hub === undefined) {
      ports.prepareInterface(link, config.family);
      hub = new ReceiveHub(ports.openTransport(link, config.family), ports.scheduler, ports.log);
      this.hubs.set(hubKey, hub);
    }
    let frames = this.senders.get(link.ifindex);
    if (frames === undefined) {
      frames = ports.openFrameSender(link);
      this.senders.set(link.ifindex, frames);
    }
    const driver = new InstanceDriver(
      { config, link, source: source.address, destinations: destinationsOf(config), virtualAddresses },
      { scheduler: ports.scheduler, transport: hub.transport, addresses: ports.addresses, frames, log: ports.log },
    );
    const managed: Managed = { driver, hubKey, tracking: undefined, hooks: undefined, log: undefined };
    driver.onTransition((record) => this.relayTransition(managed, record));
    try {
      await this.removeStaleAddresses(driver, config, link, present, virtualAddresses);
      await this.attachExtras(managed, config);
    } catch (error) {
      // Nothing registered: the instance does not half exist, and a later reload retries it.
      managed.tracking?.stop();
      this.closeUnused(hubKey, link.ifindex);
      throw error;
    }
    hub.add(driver);
    this.instances.set(config.name, managed);
    // The watcher's view, not the snapshot read before the awaits above: a change that came
    // in meanwhile is in this.links.
    if (this.links.get(link.name) === false) driver.onLink(false);
    driver.start();
    ports.log.info(
      { instance: driver.name, vrid: driver.vrid, groupMaster: config.groupMaster, priority: config.priority },
      `${driver.name}: started`,
    );
  }

  private async attachExtras(managed: Managed, config: InstanceConfig): Promise<void> {
    const log = managed.log ?? this.ports.log.child({ instance: config.name, vrid: config.vrid });
    managed.log = log;
    if (managed.hooks === undefined) managed.hooks = this.ports.createHooks?.(config, log);
    else managed.hooks.replace(config.notify);
    // Tracked interfaces need not carry an instance: learn their state before judging them.
    for (const { name } of config.track.interfaces) {
      if (!this.links.has(name)) this.links.set(name, (await this.ports.addresses.getLink(name))?.up ?? false);
    }
    const tracking = this.ports.createTracking?.(config, log, (health) => managed.driver.setHealth(health));
    managed.tracking = tracking;
    if (tracking === undefined) return;
    tracking.start(this.links);
    managed.driver.setHealth(tracking.current);
  }

  private relayTransition(managed: Managed, record: TransitionRecord): void {
    const state = managed.driver.current;
    managed.hooks?.run({
      instance: record.instance,
      vrid: managed.driver.vrid,
      state: STATE_LABEL[record.to],
      previous: STATE_LABEL[record.from],
      priority: state.priority,
      reason: record.reason,
    });
    for (const listener of this.listeners) listener(record);
  }

  /**
   * A VM that is not (yet) master must not hold the failover IP: after a crash or SIGKILL the
   * addresses stay behind, and a provider may hand the IP out as the NIC's primary address.
   * The owner (priority 255) keeps them: they are its own.
   */
  private async removeStaleAddresses(
    driver: InstanceDriver,
    config: InstanceConfig,
    link: LinkInfo,
    present: readonly AddressEntry[],
    virtualAddresses: readonly VirtualAddress[],
  ): Promise<void> {
    if (config.priority === OWNER_PRIORITY) return;
    for (const { bytes } of virtualAddresses) {
      // Each entry with its own prefix length: the kernel deletes an address only with the
      // length it has (a DHCP client may have put the failover IP there as a /24).
      for (const entry of present.filter((e) => sameAddress(e.address, bytes))) {
        const address = formatAddress(bytes);
        this.ports.log.warn(
          { instance: driver.name, vrid: driver.vrid, address, prefixLength: entry.prefixLength, reason: 'present-at-startup' },
          `${driver.name}: virtual address ${address} was on ${link.name} at start-up; removed until this node is master`,
        );
        driver.counters.addressesRemoved++;
        await this.ports.addresses.deleteAddress(link.ifindex, config.family, bytes, entry.prefixLength);
      }
    }
  }

  /** Closes the socket of a hub and the frame sender of an interface that no instance uses. */
  private closeUnused(hubKey: string, ifindex: number): void {
    const hub = this.hubs.get(hubKey);
    if (hub !== undefined && hub.size === 0) {
      hub.close();
      this.hubs.delete(hubKey);
    }
    if (![...this.instances.values()].some((m) => m.driver.ifindex === ifindex)) {
      this.senders.get(ifindex)?.close();
      this.senders.delete(ifindex);
    }
  }

  /** Stops an instance (a master releases with priority 0) and closes what nobody uses now. */
  private async remove(name: string): Promise<void> {
    const managed = this.instances.get(name);
    if (managed === undefined) return;
    this.instances.delete(name);
    managed.tracking?.stop();
    await managed.driver.stop();
    this.hubs.get(managed.hubKey)?.remove(managed.driver);
    this.closeUnused(managed.hubKey, managed.driver.ifindex);
  }

  private onNetlink(change: NetlinkChange): void {
    if (change.type === 'link') {
      this.links.set(change.link.name, change.link.up);
      for (const { driver, tracking } of this.instances.values()) {
        if (change.link.ifindex === driver.ifindex) driver.onLink(change.link.up);
        tracking?.onLink(change.link.name, change.link.up);
      }
      return;
    }
    for (const { driver } of this.instances.values()) driver.onAddressChange(change.entry, change.type === 'address-added');
  }

  /** Applies a new, already validated configuration: see reload-plan.ts. */
  async reload(next: DaemonConfig): Promise<ReloadResult> {
    const plan = planReload(this.current.instances, next.instances);
    const byName = new Map(next.instances.map((i) => [i.name, i]));
    const failed: Array<{ instance: string; error: string }> = [];
    for (const name of [...plan.remove, ...plan.restart]) await this.remove(name);
    for (const name of plan.update) {
      const managed = this.instances.get(name);
      const config = byName.get(name);
      if (managed === undefined || config === undefined) continue;
      const trackChanged = JSON.stringify(managed.driver.configuration.track) !== JSON.stringify(config.track);
      managed.driver.reconfigure(config);
      if (trackChanged) {
        managed.tracking?.stop();
        managed.tracking = undefined;
        await this.attachExtras(managed, config);
      } else {
        // Unchanged health checks keep running with their verdicts: a fresh tracker starts
        // failed (it has proven nothing yet) and would send a healthy master to Fault.
        managed.hooks?.replace(config.notify);
      }
    }
    for (const name of [...plan.restart, ...plan.add]) {
      const config = byName.get(name);
      if (config === undefined) continue;
      try {
        await this.add(config);
      } catch (error) {
        failed.push({ instance: name, error: error instanceof Error ? error.message : String(error) });
      }
    }
    // An instance that did not start is left out, so that the next reload tries it again.
    const notRunning = new Set(failed.map((f) => f.instance));
    this.current = { ...next, instances: next.instances.filter((i) => !notRunning.has(i.name)) };
    this.setLogLevel(next.log.level);
    return { plan, failed };
  }

  private setLogLevel(level: string): void {
    for (const managed of this.instances.values()) {
      managed.driver.setLogLevel(level);
      if (managed.log !== undefined) managed.log.level = level;
    }
  }

  /**
   * Netlink lost notifications (a full socket buffer): a removal of a master's address may be
   * among them, and only additions are replayed. Masters put their addresses back (idempotent).
   */
  resync(): void {
    for (const { driver } of this.instances.values()) driver.reassertAddresses();
  }

  snapshot(): InstanceSnapshot[] {
    return [...this.instances.values()].map((m) => m.driver.snapshot());
  }

  /** The driver of an instance, for operator commands; undefined if there is none by that name. */
  instance(name: string): InstanceDriver | undefined {
    return this.instances.get(name)?.driver;
  }

  onTransition(listener: (record: TransitionRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every master releases (priority 0) and removes its addresses; hooks finish; sockets close. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.unwatch?.();
      this.ports.scheduler.cancel(WARM_KEY);
      const all = [...this.instances.values()];
      for (const managed of all) managed.tracking?.stop();
      await Promise.all(all.map((managed) => managed.driver.stop()));
      await Promise.all(all.map((managed) => managed.hooks?.idle()));
      this.instances.clear();
      for (const hub of this.hubs.values()) hub.close();
      for (const sender of this.senders.values()) sender.close();
      this.hubs.clear();
      this.senders.clear();
    })();
    return this.stopping;
  }
}
