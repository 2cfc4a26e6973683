/**
 * The running daemon: its instances, the sockets they share per interface and family, and the
 * netlink watch that feeds them link and address changes. Instances come and go on reload
 * (reload-plan.ts decides how). Adapters come in through DaemonPorts, so tests and the real entry
 * point (main.ts) build it the same way.
 *
 * Start-up is per instance: an instance whose interface does not exist yet, or has no usable
 * source address yet (DHCP still running), waits in Fault with that reason and binds by itself
 * when netlink reports the interface and the address; the others run meanwhile. An interface
 * deleted and created again (a new ifindex: hot plug, driver reload, migration) is bound again
 * the same way: fresh sockets, multicast joined again.
 */

import type { DaemonConfig, InstanceConfig, SyncGroupConfig } from '../config/types.js';
import { sameAddress, type IpFamily } from '../protocol/ip-address.js';
import { VRRP_IPV4_GROUP, VRRP_IPV6_GROUP } from '../net/vrrp-groups.js';
import { absentLink, nullFrames, nullTransport } from '../net/null-ports.js';
import type { AddressPort, FrameSender, LinkInfo, NetlinkChange, VrrpTransport } from '../net/ports.js';
import type { HealthState } from './tracking/health-state.js';
import type { HoldStore } from './hold-store.js';
import { InstanceDriver, type InstanceSnapshot, type TransitionRecord, type VirtualAddress } from './instance-driver.js';
import { STATE_LABEL, type Logger } from './logger.js';
import { InstanceBinder, newBindable, type Bindable } from './instance-binder.js';
import type { SocketSnapshot } from './receive-hub.js';
import { planReload, same, type ReloadPlan } from './reload-plan.js';
import type { Scheduler } from './scheduler.js';
import { chooseSource } from './source-address.js';
import { StartupError } from './startup-error.js';
import { SyncGroups, type GroupHooks } from './sync-group.js';
import { rehearseTakeover, WARM_EVERY_MS } from './warm-up.js';
import { configuredBytes } from './configured-address.js';

const WARM_KEY = 'daemon/warm-up';
/** How long a reload waits for a removed instance's addresses to go (see remove()). */
export const REMOVE_WAIT_MS = 2_000;

/** Health tracking of one instance (track interfaces, scripts, files). */
export interface Tracking {
  /** Starts the trackers; their first verdict is `current`, later ones go to onChange. */
  start(initialLinks: ReadonlyMap<string, boolean>): void;
  readonly current: HealthState;
  /** New settings from a reload: checks whose own settings did not change keep their verdicts. */
  reconfigure?(track: InstanceConfig['track'], links: ReadonlyMap<string, boolean>): void;
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
  /** Notify hooks of a sync group (syncGroups[].notify). */
  createGroupHooks?(group: SyncGroupConfig, log: Logger): GroupHooks;
  /** Step-down holds that survive restarts; none kept when absent (tests). */
  readonly holds?: HoldStore;
}

export interface StartOptions {
  /**
   * The old all-or-nothing start, for scripts that want it: fail (exit 69) if an interface is
   * missing or has no usable source address, instead of waiting for it in Fault.
   */
  readonly strict?: boolean;
}

interface Managed extends Bindable {
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

function virtualAddressesOf(config: InstanceConfig): VirtualAddress[] {
  return config.virtualAddresses.map((p) => ({ bytes: configuredBytes(p.address), prefixLength: p.prefixLength }));
}

function destinationsOf(config: InstanceConfig): Uint8Array[] {
  if (config.unicastPeers !== undefined) return config.unicastPeers.map((peer) => configuredBytes(peer.address));
  return [config.family === 4 ? VRRP_IPV4_GROUP : VRRP_IPV6_GROUP];
}

export class Daemon {
  private readonly instances = new Map<string, Managed>();
  private readonly links = new Map<string, boolean>();
  private readonly binder: InstanceBinder;
  /** Removed instances whose address deletes are still being retried, by name. */
  private readonly leftovers = new Map<string, InstanceDriver>();
  private waits = 0;
  private readonly listeners = new Set<(record: TransitionRecord) => void>();
  private unwatch: (() => void) | null = null;
  private stopping: Promise<void> | null = null;
  /** Instances that move together (sync-group.ts). */
  private readonly sync: SyncGroups;

  private constructor(
    private current: DaemonConfig,
    private readonly ports: DaemonPorts,
  ) {
    this.sync = new SyncGroups(
      (name) => this.instances.get(name)?.driver,
      ports.log,
      (group) => ports.createGroupHooks?.(group, ports.log.child({ syncGroup: group.name })),
    );
    this.binder = new InstanceBinder(
      ports,
      this.links,
      (bound) => this.instances.get(bound.driver.name) === bound,
      () => this.instances.values(),
    );
  }

  /** Starts every instance; one that cannot bind yet waits in Fault (unless `strict`). */
  static async start(config: DaemonConfig, ports: DaemonPorts, options: StartOptions = {}): Promise<Daemon> {
    const daemon = new Daemon(config, ports);
    ports.holds?.keepOnly(new Set(config.instances.map((i) => i.name)));
    daemon.unwatch = ports.addresses.watch((change) => daemon.onNetlink(change));
    daemon.sync.replace(config.syncGroups);
    try {
      for (const instance of config.instances) await daemon.add(instance);
      if (options.strict === true) daemon.requireAllBound();
    } catch (error) {
      await daemon.stop();
      throw error;
    }
    daemon.keepTakeoverWarm(ports.scheduler.now());
    return daemon;
  }

  private requireAllBound(): void {
    for (const { driver } of this.instances.values()) {
      if (driver.hasFault('interface-missing')) throw new StartupError('interface-missing', `interface ${driver.configuration.interface} (instance ${driver.name}) does not exist`);
      if (driver.hasFault('no-source-address')) throw new StartupError('no-source-address', `instance ${driver.name} on ${driver.configuration.interface}: no usable source address`);
    }
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
    // The rehearsal runs on null ports; the real adapters' code is exercised here, without effect.
    this.ports.addresses.rehearse?.();
    for (const { driver } of this.instances.values()) driver.rehearseFrames();
    this.ports.scheduler.schedule(WARM_KEY, now + WARM_EVERY_MS, (at) => this.keepTakeoverWarm(at));
  }

  /** Creates the instance unbound, wires tracking and hooks, binds it if it can, starts it. */
  private async add(config: InstanceConfig): Promise<void> {
    const { ports } = this;
    // A removed instance of the same name still retrying its deletes: this one's own start-up
    // cleanup (stray addresses) takes over, and the two must not work against each other.
    this.leftovers.get(config.name)?.forgetAddresses();
    this.leftovers.delete(config.name);
    const driver = new InstanceDriver(
      {
        config,
        link: absentLink(config.interface),
        source: new Uint8Array(config.family === 4 ? 4 : 16),
        destinations: destinationsOf(config),
        virtualAddresses: virtualAddressesOf(config),
      },
      { scheduler: ports.scheduler, transport: nullTransport, addresses: ports.addresses, frames: nullFrames, log: ports.log },
    );
    const managed: Managed = { ...newBindable(driver), tracking: undefined, hooks: undefined, log: undefined };
    driver.onTransition((record) => this.relayTransition(managed, record));
    this.sync.attach(driver);
    try {
      await this.attachExtras(managed, config);
    } catch (error) {
      // Nothing registered: the instance does not half exist, and a later reload retries it.
      managed.tracking?.stop();
      throw error;
    }
    // Stopping meanwhile (a reload that outlived the stop's wait): nothing new starts.
    if (this.stopping !== null) {
      managed.tracking?.stop();
      return;
    }
    this.instances.set(config.name, managed);
    if (ports.holds?.isHeld(config.name) === true) {
      driver.stepDown();
      ports.log.warn({ instance: config.name, vrid: config.vrid, reason: 'step-down-held' }, `${config.name}: held in BACKUP by an operator's step-down (kept across restarts); ipfailoverctl resume ${config.name} lifts it`);
    }
    await this.binder.bind(managed);
    // The stop has already shut this instance down if it began during the bind.
    if (this.stopping !== null) return;
    driver.start();
    ports.log.info(
      { instance: driver.name, vrid: driver.vrid, groupMaster: config.groupMaster, priority: config.priority, faults: driver.current.faults },
      `${driver.name}: started`,
    );
  }

  private async attachExtras(managed: Managed, config: InstanceConfig): Promise<void> {
    const log = managed.log ?? this.ports.log.child({ instance: config.name, vrid: config.vrid });
    managed.log = log;
    if (managed.hooks === undefined) managed.hooks = this.ports.createHooks?.(config, log);
    else managed.hooks.replace(config.notify);
    await this.learnTrackedLinks(config);
    const tracking = this.ports.createTracking?.(config, log, (health) => managed.driver.setHealth(health));
    managed.tracking = tracking;
    if (tracking === undefined) return;
    tracking.start(this.links);
    managed.driver.setHealth(tracking.current);
  }

  /** Tracked interfaces need not carry an instance: learn their state before judging them. */
  private async learnTrackedLinks(config: InstanceConfig): Promise<void> {
    for (const { name } of config.track.interfaces) {
      if (!this.links.has(name)) this.links.set(name, (await this.ports.addresses.getLink(name))?.up ?? false);
    }
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
    this.sync.onTransition(record);
  }

  /**
   * Stops an instance (a master releases with priority 0) and closes what nobody uses now. A
   * delete that keeps failing does not hold the reload up beyond REMOVE_WAIT_MS: the instance's
   * address keeper goes on retrying it in the background (until an instance of the same name
   * takes over its addresses).
   */
  private async remove(name: string): Promise<void> {
    const managed = this.instances.get(name);
    if (managed === undefined) return;
    this.instances.delete(name);
    managed.tracking?.stop();
    const stopped = managed.driver.stop();
    const inTime = await this.within(REMOVE_WAIT_MS, stopped);
    this.binder.release(managed);
    if (!inTime) {
      this.ports.log.error({ instance: name, pending: managed.driver.addressesPending }, `${name}: virtual address removal still failing; retrying in the background`);
      this.leftovers.set(name, managed.driver);
      void stopped.then(() => {
        if (this.leftovers.get(name) === managed.driver) this.leftovers.delete(name);
      });
    }
  }

  /** Whether `promise` settled within `ms` (on the daemon's scheduler, so tests control time). */
  private within(ms: number, promise: Promise<unknown>): Promise<boolean> {
    const key = `daemon/wait-${++this.waits}`;
    return new Promise((resolve) => {
      this.ports.scheduler.schedule(key, this.ports.scheduler.now() + ms, () => resolve(false));
      promise.then(
        () => {
          this.ports.scheduler.cancel(key);
          resolve(true);
        },
        () => {
          this.ports.scheduler.cancel(key);
          resolve(true);
        },
      );
    });
  }

  private onNetlink(change: NetlinkChange): void {
    switch (change.type) {
      case 'link':
      case 'link-removed': {
        const { link } = change;
        const up = change.type === 'link' && link.up;
        this.links.set(link.name, up);
        for (const managed of this.instances.values()) {
          const { driver } = managed;
          managed.tracking?.onLink(link.name, up);
          const ours = driver.configuration.interface === link.name;
          if (managed.binding !== null && (ours || driver.ifindex === link.ifindex)) {
            // A bind is looking the interface up right now: it must look again.
            managed.bindAgain = true;
          } else if (change.type === 'link-removed') {
            if (driver.ifindex === link.ifindex) this.binder.unbind(managed);
          } else if (ours) {
            // The same interface: carrier and admin state. Another ifindex under our name: a new
            // interface (the old one was deleted or renamed), so sockets must be made again.
            if (driver.ifindex === link.ifindex && managed.hubKey !== null) driver.onLink(link.up);
            else void this.binder.bind(managed);
          }
        }
        return;
      }
      case 'address-added':
      case 'address-removed': {
        const { entry } = change;
        const added = change.type === 'address-added';
        for (const managed of this.instances.values()) {
          const { driver } = managed;
          // A bind is reading the addresses right now: its dump may predate this change.
          if (managed.binding !== null) managed.bindAgain = true;
          driver.onAddressChange(entry, added);
          if (entry.ifindex !== driver.ifindex || entry.family !== driver.family) continue;
          // A source address arrived (DHCP finished, DAD done), or ours went away: choose again.
          const lostSource = !added && sameAddress(entry.address, driver.sourceAddress);
          if (driver.hasFault('no-source-address') || lostSource) void this.binder.bind(managed);
        }
        return;
      }
      default:
        assertNever(change);
    }
  }

  /** Applies a new, already validated configuration: see reload-plan.ts. */
  async reload(next: DaemonConfig): Promise<ReloadResult> {
    const plan = planReload(this.current.instances, next.instances);
    const byName = new Map(next.instances.map((i) => [i.name, i]));
    const failed: Array<{ instance: string; error: string }> = [];
    for (const name of [...plan.remove, ...plan.restart]) await this.remove(name);
    // A hold is an operator's word about an instance; one taken out of the configuration goes
    // with it, rather than surprising an instance of that name added some day later.
    for (const name of plan.remove) this.ports.holds?.set(name, false);
    // Before the updates: an instance taken out of its group stops waiting for it as it is
    // reconfigured (see SyncGroups.replace for what a running group does with new members).
    this.sync.replace(next.syncGroups);
    for (const name of plan.update) {
      const managed = this.instances.get(name);
      const config = byName.get(name);
      if (managed === undefined || config === undefined) continue;
      await this.update(managed, config);
    }
    for (const name of [...plan.restart, ...plan.add]) {
      const config = byName.get(name);
      // Stopping meanwhile: nothing new starts after the stop has begun.
      if (config === undefined || this.stopping !== null) continue;
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

  /** Changes an instance in place: the failover IP stays where it is unless the change says so. */
  private async update(managed: Managed, config: InstanceConfig): Promise<void> {
    const { driver } = managed;
    const before = driver.configuration;
    const wire = !same(before.virtualAddresses, config.virtualAddresses) || !same(before.unicastPeers, config.unicastPeers);
    const sourceChanged = !same(before.sourceAddress, config.sourceAddress);
    driver.reconfigure(config, wire ? { source: driver.sourceAddress, destinations: destinationsOf(config), virtualAddresses: virtualAddressesOf(config) } : undefined);
    // A new sourceAddress (or address list, which the source must not be among) is looked up on
    // the interface like at start-up; that also lifts a no-source-address the old one caused.
    if (sourceChanged || wire) await this.binder.bind(managed);
    if (same(before.track, config.track)) {
      // Unchanged health checks keep running with their verdicts: a fresh tracker starts
      // failed (it has proven nothing yet) and would send a healthy master to Fault.
      managed.hooks?.replace(config.notify);
    } else if (managed.tracking?.reconfigure !== undefined) {
      await this.learnTrackedLinks(config);
      managed.tracking.reconfigure(config.track, this.links);
      managed.hooks?.replace(config.notify);
    } else {
      managed.tracking?.stop();
      managed.tracking = undefined;
      await this.attachExtras(managed, config);
    }
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

  /** Each instance's name and state, without the rest of a snapshot (systemd's STATUS= line). */
  states(): Array<{ name: string; state: string }> {
    return [...this.instances.values()].map((m) => ({ name: m.driver.name, state: m.driver.stateLabel }));
  }

  /** The receive sockets: what each read, and what was dropped before reaching an instance. */
  sockets(): SocketSnapshot[] {
    return this.binder.sockets();
  }

  /** The driver of an instance, for operator commands; undefined if there is none by that name. */
  instance(name: string): InstanceDriver | undefined {
    return this.instances.get(name)?.driver;
  }

  /** Operator: hand the role over and hold Backup, kept across reloads and restarts until resume. */
  stepDown(name: string): InstanceDriver | undefined {
    const driver = this.instance(name);
    driver?.stepDown();
    if (driver !== undefined) this.ports.holds?.set(name, true);
    return driver;
  }

  resume(name: string): InstanceDriver | undefined {
    const driver = this.instance(name);
    driver?.resume();
    if (driver !== undefined) this.ports.holds?.set(name, false);
    return driver;
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
      await this.sync.idle();
      for (const managed of all) this.binder.release(managed);
      this.instances.clear();
      this.binder.closeAll();
    })();
    return this.stopping;
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled netlink change ${JSON.stringify(value)}`);
}
