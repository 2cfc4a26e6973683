/**
 * One VRRP instance at run time: turns packets, timers, link and address changes into state
 * machine events, and carries out the actions step() returns, in their order:
 *   transition → log; send-advert → encode and send; arm/cancel → the scheduler;
 *   add-vips / del-vips → netlink (queued, so an add and a later delete never cross);
 *   announce → gratuitous ARP / unsolicited NA.
 * Address changes are started in order but not awaited by the protocol: the advertisement and
 * the first announcement go out in the same tick as the transition.
 */

import type { InstanceConfig } from '../config/types.js';
import { encode, type DecodedAdvertisement } from '../protocol/advertisement.js';
import { initialState, step } from '../protocol/fsm.js';
import type { FsmAction, FsmEvent, InstanceParams, InstanceState, StateName, TimerName } from '../protocol/fsm-types.js';
import { groupRole, type RoleReport } from '../protocol/group-role.js';
import { formatAddress, sameAddress, type IpFamily } from '../protocol/ip-address.js';
import { OWNER_PRIORITY, type CheckNote, type ReceivingInstance, type RejectReason } from '../protocol/receive-checks.js';
import { activeDownIntervalMs, intervalMs, msToIntervalCs } from '../protocol/timers.js';
import type { AddressEntry, AddressPort, FrameSender, LinkInfo, VrrpTransport } from '../net/ports.js';
import { AddressKeeper, type KeptAddress } from './address-keeper.js';
import { Announcer } from './announcer.js';
import { wallClockMs } from './clock.js';
import { effectivePriority, HEALTHY, type HealthState } from './tracking/health-state.js';
import { bump, newCounters, type InstanceCounters } from './counters.js';
import { STATE_LABEL, type Logger } from './logger.js';
import { RateLimiter } from './rate-limit.js';
import type { Scheduler } from './scheduler.js';

/** Takeover deadlines are scheduled precisely (see scheduler.ts); the others need not be. */
const PRECISE_TIMERS: ReadonlySet<TimerName> = new Set(['activeDown', 'preempt']);
const LOG_EVERY_MS = 60_000;

/**
 * Why an instance is in Fault, as status and the journal name it. Tracking adds its own
 * ("track-script:NAME" …); these are the runtime's.
 */
export type FaultSource = 'link-down' | 'interface-missing' | 'no-source-address' | 'socket-deaf' | 'address-add-failed' | 'netlink-failed';

/**
 * A master whose virtual address cannot be installed gives the role up after this many
 * Advertisement_Intervals (at least ADDRESS_BOUND_MIN_MS): a backup that can hold it takes over.
 */
export const ADDRESS_BOUND_INTERVALS = 3;
export const ADDRESS_BOUND_MIN_MS = 200;
/** Then it waits in Fault 1 s, 2 s, 4 s … at most 60 s before trying the role again. */
export const ADDRESS_RETRY_FIRST_MS = 1_000;
export const ADDRESS_RETRY_MAX_MS = 60_000;

export interface InstancePorts {
  readonly scheduler: Scheduler;
  readonly transport: VrrpTransport;
  readonly addresses: AddressPort;
  readonly frames: FrameSender;
  readonly log: Logger;
}

/** Reload changes applied in place (reload-plan.ts): the wire identity stays, these move. */
export interface InPlaceChanges {
  readonly source: Uint8Array;
  readonly destinations: readonly Uint8Array[];
  readonly virtualAddresses: readonly VirtualAddress[];
}

/** What an instance is bound to on the host: it changes when its interface comes and goes. */
export interface InstanceBinding {
  readonly link: LinkInfo;
  /** Our source address: the advertisements' source and our side of the §6.4.3 tie-break. */
  readonly source: Uint8Array;
  readonly transport: VrrpTransport;
  readonly frames: FrameSender;
}

export interface InstanceSetup {
  readonly config: InstanceConfig;
  readonly link: LinkInfo;
  /** Our source address: the advertisements' source and our side of the §6.4.3 tie-break. */
  readonly source: Uint8Array;
  /** Where advertisements go: the multicast group, or each unicast peer. */
  readonly destinations: readonly Uint8Array[];
  readonly virtualAddresses: readonly VirtualAddress[];
}

export interface VirtualAddress {
  readonly bytes: Uint8Array;
  readonly prefixLength: number;
}

export interface InstanceSnapshot {
  readonly name: string;
  readonly interface: string;
  readonly vrid: number;
  readonly family: IpFamily;
  readonly state: string;
  readonly priority: { readonly configured: number; readonly effective: number };
  readonly masterAddress: string | null;
  readonly sinceMonotonicMs: number;
  readonly reason: string | null;
  readonly groupMaster: boolean;
  readonly role: { readonly expected: string; readonly matches: boolean };
  readonly steppedDown: boolean;
  readonly faults: readonly string[];
  /** Address changes not yet carried out (retried with backoff when netlink fails). */
  readonly addressesPending: number;
  readonly virtualAddresses: readonly string[];
  readonly counters: InstanceCounters;
}

export interface TransitionRecord {
  readonly instance: string;
  readonly from: StateName;
  readonly to: StateName;
  readonly reason: string;
  readonly at: number;
}

let driverSerial = 0;

export class InstanceDriver {
  readonly name: string;
  readonly vrid: number;
  readonly family: IpFamily;
  readonly counters: InstanceCounters = newCounters();
  private config: InstanceConfig;
  private setup: InstanceSetup;
  private transport: VrrpTransport;
  private frames: FrameSender;
  private currentParams: InstanceParams;
  private currentReceiving: ReceivingInstance;
  private state: InstanceState;
  /** Health from tracking (issue: track interfaces, scripts, files). */
  private health: HealthState = HEALTHY;
  /** The runtime's own fault sources now raised (see FaultSource). */
  private readonly runtimeFaults = new Set<FaultSource>();
  /** When each peer's advertisement was last accepted: names a displaced group master. */
  private readonly lastHeard = new Map<string, number>();
  private everMaster = false;
  private readonly log: Logger;
  private readonly announcer: Announcer;
  private readonly keeper: AddressKeeper;
  private readonly limiter = new RateLimiter(LOG_EVERY_MS);
  private lastReannounce = -Infinity;
  /** Whether the advertisement being handled comes from a peer silent for Active_Down_Interval. */
  private peerReturned = false;
  /** Consecutive times the role was given up for an address that could not be added. */
  private addressFaults = 0;
  private readonly transitionListeners: Array<(record: TransitionRecord) => void> = [];

  constructor(setup: InstanceSetup, private readonly ports: InstancePorts) {
    const { config } = setup;
    this.setup = setup;
    this.config = config;
    this.transport = ports.transport;
    this.frames = ports.frames;
    this.name = config.name;
    this.vrid = config.vrid;
    this.family = config.family;
    this.log = ports.log.child({ instance: config.name, vrid: config.vrid });
    this.currentParams = this.paramsFor(config);
    this.currentReceiving = this.receivingFor(config);
    this.state = initialState(this.currentParams, ports.scheduler.now());
    this.announcer = new Announcer(
      this.announcerTarget(),
      config.announce,
      // Through the current binding: the interface (and so the sender) may be replaced.
      { send: (frame) => this.frames.send(frame), close: () => undefined },
      ports.scheduler,
      (sent, error) => {
        this.counters.announcements += sent;
        if (error !== undefined) this.warnLimited('announce-failed', 'announcement not sent', { err: String(error) });
      },
    );
    this.keeper = new AddressKeeper(
      // Unique per driver: a removed instance's keeper may still retry beside its successor's.
      `${config.name}#${++driverSerial}/address-retry`,
      { ifindex: setup.link.ifindex, family: config.family },
      { addresses: ports.addresses, scheduler: ports.scheduler, log: this.log },
      { addFailing: () => this.onAddFailing(), installed: (_address, announce) => this.onInstalled(announce) },
    );
  }

  private announcerTarget(): { key: string; mac: Uint8Array; addresses: readonly Uint8Array[] } {
    return { key: this.config.name, mac: this.setup.link.mac, addresses: this.setup.virtualAddresses.map((vip) => vip.bytes) };
  }

  private paramsFor(config: InstanceConfig): InstanceParams {
    return {
      priority: config.priority,
      advertIntervalCs: msToIntervalCs(config.advertIntervalMs),
      preempt: config.preempt,
      preemptDelayMs: config.preemptDelayMs,
      startupDelayMs: config.startupDelayMs,
      // A failover IP exists to receive traffic: the master accepts it (RFC 9568 Accept_Mode
      // true, as keepalived outside vrrp_strict). See README, "Configuration".
      acceptMode: true,
      groupMaster: config.groupMaster,
      primaryAddress: this.setup.source,
    };
  }

  private receivingFor(config: InstanceConfig): ReceivingInstance {
    return {
      priority: config.priority,
      advertIntervalCs: msToIntervalCs(config.advertIntervalMs),
      addresses: this.setup.virtualAddresses.map((vip) => vip.bytes),
      localAddresses: [this.setup.source],
      ...(config.unicastPeers === undefined ? {} : { unicastPeers: this.setup.destinations }),
    };
  }

  get params(): InstanceParams {
    return this.currentParams;
  }

  get receiving(): ReceivingInstance {
    return this.currentReceiving;
  }

  get configuration(): InstanceConfig {
    return this.config;
  }

  /**
   * A reload changed what may change under a running instance (reload-plan.ts): state,
   * mastership and timers stay; a new priority is advertised at once if master. A changed
   * address list is applied as keepalived does: a master adds the new addresses (and announces
   * them) and removes the old ones, without giving the role up.
   */
  reconfigure(config: InstanceConfig, changes?: InPlaceChanges): void {
    const before = this.setup.virtualAddresses;
    this.config = config;
    if (changes !== undefined) this.setup = { ...this.setup, config, ...changes };
    else this.setup = { ...this.setup, config };
    this.currentParams = this.paramsFor(config);
    this.currentReceiving = this.receivingFor(config);
    this.announcer.retarget(this.announcerTarget());
    this.announcer.update(config.announce, this.ports.scheduler.now());
    if (changes !== undefined) this.applyAddressList(before, changes.virtualAddresses);
    // The state machine decides again what the new parameters change (a preemption that is no
    // longer allowed is cancelled); unchanged parameters change nothing.
    this.handle({ type: 'reconfigured', now: this.ports.scheduler.now() });
    this.applyPriority();
  }

  private applyAddressList(before: readonly VirtualAddress[], after: readonly VirtualAddress[]): void {
    const same = (a: VirtualAddress, b: VirtualAddress) => sameAddress(a.bytes, b.bytes) && a.prefixLength === b.prefixLength;
    const added = after.filter((vip) => !before.some((old) => same(old, vip)));
    const removed = before.filter((vip) => !after.some((now) => same(now, vip)));
    const renumbered = (vip: VirtualAddress) => added.some((now) => sameAddress(now.bytes, vip.bytes));
    // The owner's addresses are its own interface addresses (§5.2.4): never ours to move.
    const owner = this.config.priority === OWNER_PRIORITY;
    // The same address with a new prefix length goes first: IPv6 refuses a second copy under
    // another length (EEXIST, which counts as done), so adding before deleting would end with none.
    if (!owner) for (const vip of removed.filter(renumbered)) this.keeper.want(vip, false);
    if (this.holdsAddresses()) {
      for (const vip of added) this.keeper.want(vip, true, { announce: true });
      this.armAddressBound();
    }
    // Removed addresses go wherever they are: on a master they were installed, elsewhere a
    // leftover would be a second NIC answering for them.
    if (!owner) for (const vip of removed.filter((v) => !renumbered(v))) this.keeper.want(vip, false);
  }

  /** The interface came back (a new ifindex) or its source address changed: use the new one. */
  rebind(binding: InstanceBinding): void {
    this.setup = { ...this.setup, link: binding.link, source: binding.source };
    this.transport = binding.transport;
    this.frames = binding.frames;
    this.currentParams = this.paramsFor(this.config);
    this.currentReceiving = this.receivingFor(this.config);
    this.announcer.retarget(this.announcerTarget());
    this.keeper.retarget({ ifindex: binding.link.ifindex, family: this.family });
  }

  /** The interface is gone: nothing is left to add to or remove from on it. */
  forgetAddresses(): void {
    this.keeper.forget();
  }

  /** Tracking results: faults become Fault sources, the weights the effective priority. */
  setHealth(health: HealthState): void {
    const now = this.ports.scheduler.now();
    const before = new Set(this.health.faults);
    const after = new Set(health.faults);
    this.health = health;
    for (const source of after) if (!before.has(source)) this.handle({ type: 'fault-raised', source, now });
    for (const source of before) if (!after.has(source)) this.handle({ type: 'fault-cleared', source, now });
    this.applyPriority();
  }

  /** Raises or clears one of the runtime's fault sources (idempotent). */
  setFault(source: FaultSource, raised: boolean): void {
    if (this.runtimeFaults.has(source) === raised) return;
    if (raised) this.runtimeFaults.add(source);
    else this.runtimeFaults.delete(source);
    this.handle({ type: raised ? 'fault-raised' : 'fault-cleared', source, now: this.ports.scheduler.now() });
  }

  hasFault(source: FaultSource): boolean {
    return this.runtimeFaults.has(source);
  }

  private applyPriority(): void {
    // Tracking cannot touch the owner's 255 (a cross-check refuses tracking there).
    const priority = this.config.priority === OWNER_PRIORITY ? OWNER_PRIORITY : effectivePriority(this.config.priority, this.health);
    if (priority !== this.state.priority) this.handle({ type: 'priority', priority, now: this.ports.scheduler.now() });
  }

  /** Operator: hand the role over now and hold Backup until resume(). */
  stepDown(): void {
    this.handle({ type: 'step-down', now: this.ports.scheduler.now() });
  }

  resume(): void {
    this.handle({ type: 'resume', now: this.ports.scheduler.now() });
  }

  get ifindex(): number {
    return this.setup.link.ifindex;
  }

  get link(): LinkInfo {
    return this.setup.link;
  }

  get current(): InstanceState {
    return this.state;
  }

  get role(): RoleReport {
    return groupRole(this.params.groupMaster, this.state.name);
  }

  onTransition(listener: (record: TransitionRecord) => void): void {
    this.transitionListeners.push(listener);
  }

  start(): void {
    this.handle({ type: 'startup', now: this.ports.scheduler.now() });
  }

  /** Shutdown (§6.4.3 priority 0 if master), then waits for the addresses to be removed. */
  async stop(): Promise<void> {
    this.handle({ type: 'shutdown', now: this.ports.scheduler.now() });
    this.announcer.stop();
    this.ports.scheduler.cancel(this.addressBoundKey);
    this.ports.scheduler.cancel(this.addressRoleRetryKey);
    await this.keeper.settled();
  }

  /** Address changes not yet carried out (a delete being retried keeps stop() waiting). */
  get addressesPending(): number {
    return this.keeper.pending;
  }

  /** An advertisement that passed the §7.1 checks. */
  onAdvertisement(adv: DecodedAdvertisement, from: Uint8Array, notes: readonly CheckNote[]): void {
    this.counters.advertsReceived++;
    bump(this.counters.peerChecksums, adv.checksumVariant);
    const now = this.ports.scheduler.now();
    const peer = formatAddress(from);
    const previously = this.lastHeard.get(peer);
    // A peer not heard for an Active_Down_Interval is a new episode (a partition that healed):
    // its first lower-priority advertisement always earns a re-announcement.
    this.peerReturned = previously === undefined || now - previously > activeDownIntervalMs(this.state.priority, this.state.activeAdverIntervalCs);
    this.lastHeard.set(peer, now);
    // IPv4 peers that use the other checksum form drop ours (keepalived 2.2.7 accepts only
    // RFC 5798): we hear them, they do not hear us — a split brain waiting to happen.
    if (this.family === 4 && adv.checksumVariant !== this.config.checksum) {
      this.warnLimited(`checksum:${formatAddress(from)}`, 'peer uses the other IPv4 checksum form; it will likely drop our advertisements', {
        reason: 'checksum-mismatch',
        peer: formatAddress(from),
        peerChecksum: adv.checksumVariant,
        ourChecksum: this.config.checksum,
      });
    }
    for (const note of notes) {
      bump(this.counters.noted, note.reason);
      this.warnLimited(`${note.reason}:${formatAddress(from)}`, 'advertisement accepted with a misconfiguration', {
        reason: note.reason,
        detail: note.detail,
        peer: formatAddress(from),
      });
    }
    this.handle({ type: 'advert', adv, from, now: this.ports.scheduler.now() });
  }

  /** A packet for this VRID that a §7.1 check dropped. */
  onRejected(reason: RejectReason, from: Uint8Array, detail: string): void {
    bump(this.counters.rejected, reason);
    this.warnLimited(`${reason}:${formatAddress(from)}`, 'advertisement dropped', {
      reason,
      detail,
      peer: formatAddress(from),
      count: this.counters.rejected[reason],
    });
  }

  onLink(up: boolean): void {
    this.setFault('link-down', !up);
  }

  /** A master holds its addresses; the owner (255) holds them always, as its own (§5.2.4). */
  private holdsAddresses(): boolean {
    return this.state.name === 'active' && this.config.priority !== OWNER_PRIORITY;
  }

  /** Keeps the kernel's addresses in line with the role, whoever changed them. */
  onAddressChange(entry: AddressEntry, present: boolean): void {
    if (entry.ifindex !== this.setup.link.ifindex || entry.family !== this.family) return;
    const vip = this.setup.virtualAddresses.find((candidate) => sameAddress(candidate.bytes, entry.address));
    // The owner's addresses are its own interface addresses (§5.2.4): never ours to move.
    if (vip === undefined || this.config.priority === OWNER_PRIORITY) return;
    const master = this.state.name === 'active';
    const address = formatAddress(vip.bytes);
    if (master && !present && entry.prefixLength === vip.prefixLength) {
      // A DHCP client or another network manager took the failover IP away from the master.
      // (Another prefix length is another address entry: its removal leaves ours in place.)
      // Put back and announced again: neighbours (and a provider that learns the IP's place
      // from gratuitous ARP) may have moved it meanwhile.
      this.counters.addressesRestored++;
      this.log.warn({ address, reason: 'removed-externally' }, 'virtual address removed by something else; putting it back');
      this.keeper.want(vip, true, { announce: true });
      this.armAddressBound();
    } else if (!master && present) {
      this.removeStray(entry, 'added-externally');
      this.handle({ type: 'stray-removed', now: this.ports.scheduler.now() });
    }
  }

  /**
   * A VM that is not (yet) master must not hold the failover IP: after a crash or SIGKILL the
   * addresses stay behind, and a provider may hand the IP out as the NIC's primary address.
   * Called with what the interface holds when the instance binds to it.
   */
  removeStrayAddresses(present: readonly AddressEntry[]): void {
    if (this.config.priority === OWNER_PRIORITY || this.state.name === 'active') return;
    const strays = present.filter((entry) => entry.family === this.family && this.setup.virtualAddresses.some((vip) => sameAddress(vip.bytes, entry.address)));
    for (const entry of strays) this.removeStray(entry, 'present-at-startup');
    // Not yet started (Initialize) this asks nobody; on an interface found again later it does.
    if (strays.length > 0) this.handle({ type: 'stray-removed', now: this.ports.scheduler.now() });
  }

  private removeStray(entry: AddressEntry, reason: 'added-externally' | 'present-at-startup'): void {
    // The provider may hand the failover IP to every member as its primary IP (DHCP), with
    // its own prefix length: the kernel deletes an address only with the length it has.
    this.counters.addressesRemoved++;
    const address = formatAddress(entry.address);
    this.log.warn(
      { address, prefixLength: entry.prefixLength, reason, state: STATE_LABEL[this.state.name] },
      `virtual address ${address} present on ${this.setup.link.name} while not master; removing it`,
    );
    this.keeper.want({ bytes: entry.address, prefixLength: entry.prefixLength }, false);
  }

  /** The address this instance advertises from (zeros while it has none). */
  get sourceAddress(): Uint8Array {
    return this.setup.source;
  }

  private handle(event: FsmEvent): void {
    const { state, actions } = step(this.params, this.state, event);
    this.state = state;
    // The log line and the listeners (hooks, status) of a transition wait until the step's wire
    // actions are done, in the same tick: writing the journal line first put 0.1–0.6 ms between
    // the decision and the advertisement and gratuitous ARP (test/bench/takeover.ts).
    const afterwards: Array<() => void> = [];
    for (const action of actions) this.run(action, event.now, afterwards);
    for (const report of afterwards) report();
  }

  private run(action: FsmAction, now: number, afterwards: Array<() => void>): void {
    switch (action.type) {
      case 'transition':
        this.counters.transitions++;
        if (action.from === 'active') {
          this.announcer.stop();
          this.ports.scheduler.cancel(this.addressBoundKey);
          this.ports.scheduler.cancel(this.settledAnnounceKey);
        }
        afterwards.push(() => {
          this.logTransition(action.from, action.to, action.reason, now);
          if (action.to === 'active') this.checkFirstMastership(now);
          for (const listener of this.transitionListeners) {
            listener({ instance: this.name, from: action.from, to: action.to, reason: action.reason, at: now });
          }
        });
        return;
      case 'send-advert':
        this.sendAdvertisement(action.priority);
        return;
      case 'arm':
        this.ports.scheduler.schedule(
          this.timerKey(action.timer),
          action.at,
          (firedAt) => this.handle({ type: 'timer', timer: action.timer, now: firedAt }),
          PRECISE_TIMERS.has(action.timer),
        );
        return;
      case 'cancel':
        this.ports.scheduler.cancel(this.timerKey(action.timer));
        return;
      case 'add-vips':
        for (const vip of this.setup.virtualAddresses) this.keeper.want(vip, true);
        this.armAddressBound();
        return;
      case 'del-vips':
        for (const vip of this.setup.virtualAddresses) this.keeper.want(vip, false);
        return;
      case 'announce':
        if (action.cause === 'lower-priority-seen') {
          this.announceAgainWhenQuiet(now);
          if (!this.reannounceAllowed(now)) return;
        }
        this.announcer.burst(now);
        return;
      default:
        assertNever(action);
    }
  }

  private get addressBoundKey(): string {
    return `${this.name}/address-bound`;
  }

  private get addressRoleRetryKey(): string {
    return `${this.name}/address-role-retry`;
  }

  /**
   * A master holds the role only while it can hold its addresses: an add that is not confirmed
   * (failing, or not answered by netlink) within the bound gives the role to a backup that can.
   */
  private armAddressBound(): void {
    if (this.ports.scheduler.has(this.addressBoundKey)) return;
    const boundMs = Math.max(ADDRESS_BOUND_MIN_MS, ADDRESS_BOUND_INTERVALS * intervalMs(this.params.advertIntervalCs));
    this.ports.scheduler.schedule(this.addressBoundKey, this.ports.scheduler.now() + boundMs, () => this.giveUpForAddress());
  }

  /**
   * An add failed while master: announcing an address this NIC does not hold would draw the
   * provider's route to a VM that drops the traffic, so announcements stop until it is in.
   */
  private onAddFailing(): void {
    if (!this.holdsAddresses()) return;
    this.announcer.stop();
    this.armAddressBound();
  }

  private giveUpForAddress(): void {
    if (!this.holdsAddresses() || this.keeper.addPendingSince() === null) return;
    this.addressFaults++;
    const waitMs = Math.min(ADDRESS_RETRY_MAX_MS, ADDRESS_RETRY_FIRST_MS * 2 ** (this.addressFaults - 1));
    this.log.error({ reason: 'address-add-failed', retryInMs: waitMs }, 'virtual address could not be added; giving the role up (priority 0) and trying again later');
    this.setFault('address-add-failed', true);
    // Back into the protocol after the wait: as a Backup it defers to whoever took over, and if
    // it becomes master again the add is tried again (with the bound again).
    this.ports.scheduler.schedule(this.addressRoleRetryKey, this.ports.scheduler.now() + waitMs, () => this.setFault('address-add-failed', false));
  }

  private onInstalled(announce: boolean): void {
    if (!this.holdsAddresses()) return;
    if (this.keeper.addPendingSince() === null) {
      this.ports.scheduler.cancel(this.addressBoundKey);
      this.addressFaults = 0;
    }
    if (announce) this.announcer.burst(this.ports.scheduler.now());
  }

  /**
   * A peer that cannot hear us (a split brain) advertises every interval; RFC 9568 §6.4.3 answers
   * each with an advertisement, but one announcement burst per Active_Down_Interval is enough to
   * fix the neighbours' caches (keepalived: garp_lower_prio_repeat).
   */
  private reannounceAllowed(now: number): boolean {
    const minGapMs = activeDownIntervalMs(this.state.priority, this.params.advertIntervalCs);
    if (now - this.lastReannounce < minGapMs && !this.peerReturned) return false;
    this.lastReannounce = now;
    return true;
  }

  /**
   * Evidence of a second router answering for our addresses came in (a lower-priority
   * advertisement): one more burst an Active_Down_Interval after the last such evidence, when
   * the other side has settled. Frames of the first burst may have been lost in the very trouble
   * that caused the split (a lossy link), and nothing else would send any later.
   */
  private announceAgainWhenQuiet(now: number): void {
    const quietMs = activeDownIntervalMs(this.state.priority, this.params.advertIntervalCs);
    this.ports.scheduler.schedule(this.settledAnnounceKey, now + quietMs, (at) => {
      if (this.state.name === 'active') this.announcer.burst(at);
    });
  }

  private get settledAnnounceKey(): string {
    return `${this.name}/announce-settled`;
  }

  /**
   * At initial provisioning the group's configured master must be the master. A member that
   * takes the role for the first time while that master was heard within Active_Down_Interval
   * displaced it (a priority set too high, preemption): say so, naming both.
   */
  private checkFirstMastership(now: number): void {
    if (this.everMaster) return;
    this.everMaster = true;
    const master = this.config.groupMasterAddress;
    if (this.config.groupMaster || master === undefined) return;
    const heard = this.lastHeard.get(master.address);
    const window = activeDownIntervalMs(this.state.priority, this.state.activeAdverIntervalCs);
    if (heard === undefined || now - heard > window) return;
    this.log.warn(
      { groupMasterAddress: master.address, self: formatAddress(this.setup.source), heardMsAgo: Math.round(now - heard), reason: 'displaced-group-master' },
      `${this.name}: ${formatAddress(this.setup.source)} became master at first start while the group's configured master ${master.address} is alive (heard ${Math.round(now - heard)} ms ago)`,
    );
  }

  /** What the status socket reports of this instance. */
  snapshot(): InstanceSnapshot {
    const role = this.role;
    return {
      name: this.name,
      interface: this.setup.link.name,
      vrid: this.vrid,
      family: this.family,
      state: STATE_LABEL[this.state.name],
      priority: { configured: this.config.priority, effective: this.state.priority },
      masterAddress: this.state.activeAddress === null ? null : formatAddress(this.state.activeAddress),
      sinceMonotonicMs: this.state.since,
      reason: this.state.reason,
      groupMaster: this.config.groupMaster,
      role: { expected: role.expected, matches: role.matches },
      steppedDown: this.state.held,
      faults: [...this.state.faults],
      addressesPending: this.keeper.pending,
      virtualAddresses: this.config.virtualAddresses.map((p) => `${p.address}/${p.prefixLength}`),
      counters: structuredClone(this.counters),
    };
  }

  /**
   * Puts the virtual addresses back if master: after lost netlink notifications, or on a new
   * interface under our name (then announced again: the neighbours learn the new NIC).
   */
  reassertAddresses(options: { announce?: boolean } = {}): void {
    if (!this.holdsAddresses()) return;
    for (const vip of this.setup.virtualAddresses) this.keeper.want(vip, true, options);
    this.armAddressBound();
  }

  /** A reload changed the log level: child loggers keep theirs unless told. */
  setLogLevel(level: string): void {
    this.log.level = level;
  }

  /** One line per transition, with whether the role now matches the failover group's plan. */
  private logTransition(from: StateName, to: StateName, reason: string, decidedAt: number): void {
    const role = groupRole(this.params.groupMaster, to);
    this.log.info(
      {
        // When the decision was taken (the timer or packet), not when this line was written.
        decidedAtMs: Math.round(wallClockMs(decidedAt) * 1000) / 1000,
        from: STATE_LABEL[from],
        to: STATE_LABEL[to],
        state: STATE_LABEL[to],
        reason,
        ...(to === 'fault' ? { faults: [...this.state.faults] } : {}),
        priority: this.state.priority,
        expectedRole: role.expected,
        roleMatches: role.matches,
      },
      `${this.name}: ${STATE_LABEL[from]} -> ${STATE_LABEL[to]} (${reason})${role.matches ? '' : `; the failover group expects this node to be ${role.expected}`}`,
    );
  }

  private timerKey(timer: TimerName): string {
    return `${this.name}/${timer}`;
  }

  private sendAdvertisement(priority: number): void {
    // The current configuration: a reload may have changed the checksum variant.
    const { config } = this;
    for (const dst of this.setup.destinations) {
      const message = encode(
        { vrid: config.vrid, priority, maxAdvertIntervalCs: this.params.advertIntervalCs, addresses: this.receiving.addresses },
        { family: this.family, src: this.setup.source, dst, variant: config.checksum },
      );
      try {
        this.transport.send(message, this.setup.source, dst);
        this.counters.advertsSent++;
      } catch (error) {
        this.noteSendError(error);
      }
    }
  }

  noteSendError(error: unknown): void {
    this.counters.sendErrors++;
    // A stopping or faulty master still tries its priority-0 release; failing then is expected.
    const level = this.state.name === 'active' ? 'warn' : 'debug';
    if (this.limiter.allow('send-error', this.ports.scheduler.now())) this.log[level]({ err: String(error) }, 'advertisement not sent');
  }

  private warnLimited(key: string, message: string, fields: Record<string, unknown>): void {
    const now = this.ports.scheduler.now();
    if (!this.limiter.allow(key, now)) return;
    const suppressed = this.limiter.takeSuppressed(key);
    this.log.warn({ ...fields, ...(suppressed > 0 ? { suppressed } : {}) }, message);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled action ${JSON.stringify(value)}`);
}
