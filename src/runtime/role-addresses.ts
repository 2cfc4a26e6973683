/**
 * An instance's virtual addresses, kept in line with its role: added when it becomes master,
 * removed when it leaves the role or finds a stray copy, put back when something else removes
 * them, and — the rule a master lives by — the role given up (Fault `address-add-failed`) when an
 * address cannot be installed within a bound, then tried again with backoff. The netlink work
 * and its retries are the AddressKeeper's; this decides what is wanted, and what follows.
 */

import { formatAddress, sameAddress, type IpFamily } from '../protocol/ip-address.js';
import type { AddressEntry, AddressPort } from '../net/ports.js';
import { AddressKeeper } from './address-keeper.js';
import type { InstanceCounters } from './counters.js';
import type { Logger } from './logger.js';
import { RateLimiter } from './rate-limit.js';
import type { Scheduler } from './scheduler.js';

/**
 * A master whose virtual address cannot be installed gives the role up after this many
 * Advertisement_Intervals (at least ADDRESS_BOUND_MIN_MS): a backup that can hold it takes over.
 */
export const ADDRESS_BOUND_INTERVALS = 3;
export const ADDRESS_BOUND_MIN_MS = 200;
/** Then it waits in Fault 1 s, 2 s, 4 s … at most 60 s before trying the role again. */
export const ADDRESS_RETRY_FIRST_MS = 1_000;
export const ADDRESS_RETRY_MAX_MS = 60_000;

export interface VirtualAddress {
  readonly bytes: Uint8Array;
  readonly prefixLength: number;
}

/** What the addresses need to know of their instance, and what they may ask of it. */
export interface RoleAddressesHost {
  readonly scheduler: Scheduler;
  readonly log: Logger;
  readonly counters: InstanceCounters;
  /** Master, and not the owner (whose addresses are its own interface addresses, §5.2.4). */
  holdsAddresses(): boolean;
  isOwner(): boolean;
  isActive(): boolean;
  stateLabel(): string;
  advertIntervalMs(): number;
  interfaceName(): string;
  virtualAddresses(): readonly VirtualAddress[];
  stopAnnouncing(): void;
  announce(): void;
  raiseAddressFault(raised: boolean): void;
  /** A stray copy was removed while not master (the state machine's `stray-removed`). */
  strayRemoved(): void;
}

let serial = 0;
const STRAY_LOG_EVERY_MS = 10_000;

export class RoleAddresses {
  private readonly keeper: AddressKeeper;
  /** Consecutive times the role was given up for an address that could not be added. */
  private faults = 0;
  private readonly boundKey: string;
  private lastNudge = -Infinity;
  /** One warning per stray address and reason every STRAY_LOG_EVERY_MS; every one is counted. */
  private readonly strayLog = new RateLimiter(STRAY_LOG_EVERY_MS);
  private readonly roleRetryKey: string;

  constructor(
    name: string,
    target: { readonly ifindex: number; readonly family: IpFamily },
    addresses: AddressPort,
    private readonly host: RoleAddressesHost,
  ) {
    this.boundKey = `${name}/address-bound`;
    this.roleRetryKey = `${name}/address-role-retry`;
    this.keeper = new AddressKeeper(
      // Unique per instance object: a removed instance's keeper may still retry beside its successor's.
      `${name}#${++serial}/address-retry`,
      target,
      { addresses, scheduler: host.scheduler, log: host.log },
      { addFailing: () => this.onAddFailing(), installed: (_address, announce) => this.onInstalled(announce) },
    );
  }

  get pending(): number {
    return this.keeper.pending;
  }

  /** An add is failing (being retried): the addresses must not be announced meanwhile. */
  get failing(): boolean {
    return this.keeper.addFailing();
  }

  settled(): Promise<void> {
    return this.keeper.settled();
  }

  /** The interface came back under a new ifindex. */
  retarget(target: { readonly ifindex: number; readonly family: IpFamily }): void {
    this.keeper.retarget(target);
  }

  /** The interface is gone: nothing is left to add to or remove from on it. */
  forget(): void {
    this.keeper.forget();
  }

  /** The state machine's add-vips / del-vips. After add-vips, armBound() (off the wire's path). */
  wantAll(present: boolean): void {
    for (const vip of this.host.virtualAddresses()) this.keeper.want(vip, present);
  }

  /** Leaving the role (or stopping): nothing of the bound is left to watch. */
  leftRole(): void {
    this.host.scheduler.cancel(this.boundKey);
  }

  stop(): void {
    this.host.scheduler.cancel(this.boundKey);
    this.host.scheduler.cancel(this.roleRetryKey);
  }

  /**
   * Puts the virtual addresses back if master: after lost netlink notifications, or on a new
   * interface under our name (then announced again: the neighbours learn the new NIC).
   */
  reassert(options: { announce?: boolean } = {}): void {
    if (!this.host.holdsAddresses()) return;
    for (const vip of this.host.virtualAddresses()) this.keeper.want(vip, true, options);
    this.armBound();
  }

  /** A reload changed the list: applied as keepalived does, without giving the role up. */
  applyList(before: readonly VirtualAddress[], after: readonly VirtualAddress[]): void {
    const same = (a: VirtualAddress, b: VirtualAddress) => sameAddress(a.bytes, b.bytes) && a.prefixLength === b.prefixLength;
    const added = after.filter((vip) => !before.some((old) => same(old, vip)));
    const removed = before.filter((vip) => !after.some((now) => same(now, vip)));
    const renumbered = (vip: VirtualAddress) => added.some((now) => sameAddress(now.bytes, vip.bytes));
    // The owner's addresses are its own interface addresses (§5.2.4): never ours to move.
    const owner = this.host.isOwner();
    // The same address with a new prefix length goes first: IPv6 refuses a second copy under
    // another length (EEXIST, which counts as done), so adding before deleting would end with none.
    if (!owner) for (const vip of removed.filter(renumbered)) this.keeper.want(vip, false);
    if (this.host.holdsAddresses()) {
      for (const vip of added) this.keeper.want(vip, true, { announce: true });
      this.armBound();
    }
    // Removed addresses go wherever they are: on a master they were installed, elsewhere a
    // leftover would be a second NIC answering for them.
    if (!owner) for (const vip of removed.filter((v) => !renumbered(v))) this.keeper.want(vip, false);
  }

  /** Keeps the kernel's addresses in line with the role, whoever changed them (same ifindex and family). */
  onChange(entry: AddressEntry, present: boolean): void {
    const vip = this.host.virtualAddresses().find((candidate) => sameAddress(candidate.bytes, entry.address));
    // The owner's addresses are its own interface addresses (§5.2.4): never ours to move.
    if (vip === undefined || this.host.isOwner()) return;
    const master = this.host.isActive();
    if (master && !present && entry.prefixLength === vip.prefixLength) {
      // A DHCP client or another network manager took the failover IP away from the master.
      // (Another prefix length is another address entry: its removal leaves ours in place.)
      // Put back and announced again: neighbours (and a provider that learns the IP's place
      // from gratuitous ARP) may have moved it meanwhile.
      this.host.counters.addressesRestored++;
      this.host.log.warn({ address: formatAddress(vip.bytes), reason: 'removed-externally' }, 'virtual address removed by something else; putting it back');
      this.keeper.want(vip, true, { announce: true });
      this.armBound();
    } else if (!master && present) {
      this.removeStray(entry, 'added-externally');
      this.nudge();
    }
  }

  /**
   * A VM that is not (yet) master must not hold the failover IP: after a crash or SIGKILL the
   * addresses stay behind, and a provider may hand the IP out as the NIC's primary address.
   * Called with what the interface holds when the instance binds to it.
   */
  removeStrays(present: readonly AddressEntry[], family: IpFamily): void {
    if (this.host.isOwner() || this.host.isActive()) return;
    const strays = present.filter((entry) => entry.family === family && this.host.virtualAddresses().some((vip) => sameAddress(vip.bytes, entry.address)));
    for (const entry of strays) this.removeStray(entry, 'present-at-startup');
    // Not yet started (Initialize) this asks nobody; on an interface found again later it does.
    if (strays.length > 0) this.nudge();
  }

  /**
   * Asks the Active router to re-announce (the state machine's stray-removed), at most once an
   * Active_Down_Interval: a network manager that puts the address back as fast as it is removed
   * must not make a stream of advertisements.
   */
  private nudge(): void {
    const now = this.host.scheduler.now();
    if (now - this.lastNudge < ADDRESS_BOUND_INTERVALS * this.host.advertIntervalMs()) return;
    this.lastNudge = now;
    this.host.strayRemoved();
  }

  private removeStray(entry: AddressEntry, reason: 'added-externally' | 'present-at-startup'): void {
    // The provider may hand the failover IP to every member as its primary IP (DHCP), with
    // its own prefix length: the kernel deletes an address only with the length it has.
    this.host.counters.addressesRemoved++;
    const address = formatAddress(entry.address);
    if (!this.strayLog.allow(`${reason}:${address}/${entry.prefixLength}`, this.host.scheduler.now())) {
      this.keeper.want({ bytes: entry.address, prefixLength: entry.prefixLength }, false);
      return;
    }
    this.host.log.warn(
      { address, prefixLength: entry.prefixLength, reason, state: this.host.stateLabel() },
      `virtual address ${address} present on ${this.host.interfaceName()} while not master; removing it`,
    );
    this.keeper.want({ bytes: entry.address, prefixLength: entry.prefixLength }, false);
  }

  /**
   * A master holds the role only while it can hold its addresses: an add that is not confirmed
   * (failing, or not answered by netlink) within the bound gives the role to a backup that can.
   */
  armBound(): void {
    const { scheduler } = this.host;
    if (scheduler.has(this.boundKey)) return;
    const boundMs = Math.max(ADDRESS_BOUND_MIN_MS, ADDRESS_BOUND_INTERVALS * this.host.advertIntervalMs());
    scheduler.schedule(this.boundKey, scheduler.now() + boundMs, () => this.giveUp());
  }

  /**
   * An add failed while master: announcing an address this NIC does not hold would draw the
   * provider's route to a VM that drops the traffic, so announcements stop until it is in.
   */
  private onAddFailing(): void {
    if (!this.host.holdsAddresses()) return;
    this.host.stopAnnouncing();
    this.armBound();
  }

  private giveUp(): void {
    if (!this.host.holdsAddresses() || this.keeper.addPendingSince() === null) return;
    this.faults++;
    const waitMs = Math.min(ADDRESS_RETRY_MAX_MS, ADDRESS_RETRY_FIRST_MS * 2 ** (this.faults - 1));
    this.host.log.error({ reason: 'address-add-failed', retryInMs: waitMs }, 'virtual address could not be added; giving the role up (priority 0) and trying again later');
    this.host.raiseAddressFault(true);
    // Back into the protocol after the wait: as a Backup it defers to whoever took over, and if
    // it becomes master again the add is tried again (with the bound again).
    const { scheduler } = this.host;
    scheduler.schedule(this.roleRetryKey, scheduler.now() + waitMs, () => this.host.raiseAddressFault(false));
  }

  private onInstalled(announce: boolean): void {
    if (!this.host.holdsAddresses()) return;
    if (this.keeper.addPendingSince() === null) {
      this.host.scheduler.cancel(this.boundKey);
      this.faults = 0;
    }
    if (announce) this.host.announce();
  }
}
