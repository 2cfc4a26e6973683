/**
 * Binds instances to what they need on the host: their interface (by name: its ifindex may change
 * when it is deleted and created again), a source address on it, the receive socket shared by
 * the instances of that interface and family (a ReceiveHub), and the interface's frame sender.
 * Whatever is missing is a named fault of the instance, cleared by a later bind:
 *   interface-missing   no interface by that name (yet, or any more);
 *   no-source-address   the interface is there but has no usable source address (yet);
 *   netlink-failed      looking it up failed (a netlink request timed out); retried with backoff.
 *
 * Binds of one instance never overlap: a netlink event that comes in during one asks for another
 * run, so the last event wins. A bind that fails (a netlink request that timed out) is retried
 * with backoff; it never throws.
 */

import type { InstanceConfig } from '../config/types.js';
import { absentLink, nullFrames, nullTransport } from '../net/null-ports.js';
import type { FrameSender, LinkInfo } from '../net/ports.js';
import type { DaemonPorts } from './daemon.js';
import type { InstanceDriver } from './instance-driver.js';
import { ReceiveHub, type SocketSnapshot } from './receive-hub.js';
import { chooseSource } from './source-address.js';
import { configuredBytes } from './configured-address.js';

/** Retrying a bind that failed: 1 s doubling to 30 s. */
export const BIND_RETRY_FIRST_MS = 1_000;
export const BIND_RETRY_MAX_MS = 30_000;

export interface Bindable {
  readonly driver: InstanceDriver;
  /** The hub it is registered with while bound to a socket ("ifindex/family"). */
  hubKey: string | null;
  /** A bind in progress, and whether another was asked for meanwhile. */
  binding: Promise<void> | null;
  bindAgain: boolean;
  bindFailures: number;
}

export function newBindable(driver: InstanceDriver): Bindable {
  return { driver, hubKey: null, binding: null, bindAgain: false, bindFailures: 0 };
}

export class InstanceBinder {
  private readonly hubs = new Map<string, ReceiveHub>();
  private readonly senders = new Map<number, FrameSender>();
  private hubSerial = 0;

  constructor(
    private readonly ports: DaemonPorts,
    /** Link states by name, shared with tracking (the daemon keeps it current). */
    private readonly links: Map<string, boolean>,
    /** Whether this instance is still the daemon's (a reload may have replaced it meanwhile). */
    private readonly isCurrent: (bound: Bindable) => boolean,
    /** Every bound instance (a frame sender is closed once none uses its interface). */
    private readonly all: () => Iterable<Bindable>,
  ) {}

  /** Binds now (or after the bind in progress); resolves when the instance is as bound as it can be. */
  bind(bound: Bindable): Promise<void> {
    if (bound.binding !== null) {
      bound.bindAgain = true;
      return bound.binding;
    }
    const run = async (): Promise<void> => {
      do {
        bound.bindAgain = false;
        try {
          await this.bindOnce(bound);
          bound.bindFailures = 0;
          this.ports.scheduler.cancel(this.retryKey(bound));
          bound.driver.setFault('netlink-failed', false);
        } catch (error) {
          this.scheduleRetry(bound, error);
        }
      } while (bound.bindAgain && this.isCurrent(bound));
    };
    bound.binding = run().finally(() => (bound.binding = null));
    return bound.binding;
  }

  private retryKey(bound: Bindable): string {
    return `${bound.driver.name}/bind-retry`;
  }

  private scheduleRetry(bound: Bindable, error: unknown): void {
    bound.bindFailures++;
    // Not bound yet: without its interface looked up it cannot take part. (Already bound, it
    // goes on with what it has: a failed lookup does not mean the interface is gone.)
    if (bound.driver.ifindex === 0) bound.driver.setFault('netlink-failed', true);
    const delay = Math.min(BIND_RETRY_MAX_MS, BIND_RETRY_FIRST_MS * 2 ** (bound.bindFailures - 1));
    this.ports.log.error(
      { instance: bound.driver.name, vrid: bound.driver.vrid, err: String(error), attempt: bound.bindFailures, retryInMs: delay },
      `${bound.driver.name}: cannot look up interface ${bound.driver.configuration.interface}; trying again`,
    );
    this.ports.scheduler.schedule(this.retryKey(bound), this.ports.scheduler.now() + delay, () => {
      if (this.isCurrent(bound)) void this.bind(bound);
    });
  }

  private async bindOnce(bound: Bindable): Promise<void> {
    const { ports } = this;
    const { driver } = bound;
    const config = driver.configuration;
    const link = await ports.addresses.getLink(config.interface);
    if (!this.isCurrent(bound)) return;
    if (link === null) {
      this.unbind(bound);
      return;
    }
    this.links.set(link.name, link.up);
    const present = await ports.addresses.listAddresses(link.ifindex, config.family);
    if (!this.isCurrent(bound)) return;
    // A new interface under our name (or the first): what the old one had is gone with it.
    const fresh = driver.ifindex !== link.ifindex;
    if (fresh && driver.ifindex !== 0) this.detachLink(bound);
    const source = chooseSource(
      config.family,
      present,
      config.virtualAddresses.map((p) => configuredBytes(p.address)),
      config.sourceAddress === undefined ? undefined : configuredBytes(config.sourceAddress.address),
    );
    if (!source.ok) {
      // The fault first, while the old socket may still send: a master's priority-0 release.
      if (!driver.hasFault('no-source-address')) {
        ports.log.warn({ instance: driver.name, vrid: driver.vrid, reason: 'no-source-address', problem: source.problem }, `${driver.name} on ${link.name}: ${source.problem}; waiting in FAULT`);
      }
      driver.setFault('no-source-address', true);
      // Bound to the link for its addresses (a stray failover IP is still removed), not to a socket.
      this.detachHub(bound);
      driver.rebind({ link, source: driver.sourceAddress, transport: nullTransport, frames: nullFrames });
      driver.removeStrayAddresses(present);
      driver.setFault('interface-missing', false);
      return;
    }
    // The frame sender first: if it cannot be opened, no hub is left behind half used.
    let frames = this.senders.get(link.ifindex);
    if (frames === undefined) {
      frames = ports.openFrameSender(link);
      this.senders.set(link.ifindex, frames);
    }
    const hubKey = `${link.ifindex}/${config.family}`;
    let hub = this.hubs.get(hubKey);
    if (hub === undefined) {
      ports.prepareInterface(link, config.family);
      hub = new ReceiveHub(() => ports.openTransport(link, config.family), ports.scheduler, ports.log, `${link.name}/${config.family}#${++this.hubSerial}`);
      this.hubs.set(hubKey, hub);
    }
    if (bound.hubKey !== null && bound.hubKey !== hubKey) this.detachHub(bound);
    const waiting = driver.hasFault('interface-missing') || driver.hasFault('no-source-address');
    driver.rebind({ link, source: source.address, transport: hub.transport, frames });
    // On every pass, not only a fresh one: a copy that came in while the instance waited for
    // its source address was in no event it looked at.
    driver.removeStrayAddresses(present);
    // A master moved to a new interface under its name (no removal seen in between).
    if (fresh) driver.reassertAddresses({ announce: true });
    bound.hubKey = hubKey;
    hub.add(driver);
    driver.onLink(link.up);
    if (waiting) ports.log.info({ instance: driver.name, vrid: driver.vrid, interface: link.name, ifindex: link.ifindex }, `${driver.name}: bound to ${link.name} (ifindex ${link.ifindex})`);
    driver.setFault('interface-missing', false);
    driver.setFault('no-source-address', false);
  }

  /** Leaves the shared socket (closed once nobody uses it). */
  detachHub(bound: Bindable): void {
    if (bound.hubKey === null) return;
    const key = bound.hubKey;
    this.hubs.get(key)?.remove(bound.driver);
    bound.hubKey = null;
    this.closeUnused(key, bound.driver.ifindex);
  }

  /** Lets go of an interface that is gone or replaced: its socket, sender and address work. */
  private detachLink(bound: Bindable): void {
    const { driver } = bound;
    this.detachHub(bound);
    driver.rebind({ link: absentLink(driver.configuration.interface), source: driver.sourceAddress, transport: nullTransport, frames: nullFrames });
    // Nothing is left to add to or remove from: the addresses went with the interface.
    driver.forgetAddresses();
  }

  /** The interface is gone: the instance waits in Fault for it. */
  unbind(bound: Bindable): void {
    const { driver } = bound;
    if (!driver.hasFault('interface-missing')) {
      this.ports.log.warn({ instance: driver.name, vrid: driver.vrid, interface: driver.configuration.interface, reason: 'interface-missing' }, `${driver.name}: interface ${driver.configuration.interface} does not exist; waiting in FAULT until it appears`);
    }
    // The fault first: a master leaves Active (its release goes out if the socket still can),
    // and only then is what it asked of the gone interface forgotten.
    driver.setFault('interface-missing', true);
    if (driver.ifindex !== 0) this.detachLink(bound);
  }

  /** An instance leaves for good (removed, restarted by a reload, daemon stopping). */
  release(bound: Bindable): void {
    this.ports.scheduler.cancel(this.retryKey(bound));
    this.detachHub(bound);
  }

  private closeUnused(hubKey: string, ifindex: number): void {
    const hub = this.hubs.get(hubKey);
    if (hub !== undefined && hub.size === 0) {
      hub.close();
      this.hubs.delete(hubKey);
    }
    if (![...this.all()].some((b) => b.hubKey !== null && b.driver.ifindex === ifindex)) {
      this.senders.get(ifindex)?.close();
      this.senders.delete(ifindex);
    }
  }

  /** Every open receive socket's datagram counts (status). */
  sockets(): SocketSnapshot[] {
    return [...this.hubs.values()].map((hub) => hub.snapshot());
  }

  closeAll(): void {
    for (const hub of this.hubs.values()) hub.close();
    for (const sender of this.senders.values()) sender.close();
    this.hubs.clear();
    this.senders.clear();
  }
}
