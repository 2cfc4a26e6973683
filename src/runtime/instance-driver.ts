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
import { groupMasterWaitEnd, initialState, step } from '../protocol/fsm.js';
import type { FsmAction, FsmEvent, InstanceParams, InstanceState, StateName, TimerName } from '../protocol/fsm-types.js';
import { groupRole, type RoleReport } from '../protocol/group-role.js';
import { formatAddress, sameAddress, type IpFamily } from '../protocol/ip-address.js';
import { OWNER_PRIORITY, type CheckNote, type MemberList, type ReceivingInstance, type RejectReason } from '../protocol/receive-checks.js';
import { activeDownIntervalMs, intervalMs, msToIntervalCs } from '../protocol/timers.js';
import type { AddressEntry, AddressPort, FrameSender, LinkInfo, VrrpTransport } from '../net/ports.js';
import { Announcer } from './announcer.js';
import { configuredBytes } from './configured-address.js';
import { RoleAddresses, type VirtualAddress } from './role-addresses.js';
import { wallClockMs } from './clock.js';
import { receivedAt } from './receive-time.js';
import { effectivePriority, HEALTHY, type HealthState } from './tracking/health-state.js';
import { bump, newCounters, type InstanceCounters } from './counters.js';
import { STATE_LABEL, type Logger } from './logger.js';
import { GroupView, type ActiveRouterReport, type PeerReport } from './group-view.js';
import { logLimited, RateLimiter } from './rate-limit.js';
import type { Scheduler } from './scheduler.js';
import { VersionPeers, type VersionPeerEntry } from './version-peers.js';

/** Takeover deadlines are scheduled precisely (see scheduler.ts); the others need not be. */
const PRECISE_TIMERS: ReadonlySet<TimerName> = new Set(['activeDown', 'preempt']);
const LOG_EVERY_MS = 60_000;

/**
 * Why an instance is in Fault, as status and the journal name it. Tracking adds its own
 * ("track-script:NAME" …); these are the runtime's.
 */
export type FaultSource =
  | 'link-down'
  | 'interface-missing'
  | 'no-source-address'
  | 'socket-deaf'
  | 'address-add-failed'
  | 'netlink-failed'
  /** Another member of the sync group is in Fault (sync-group.ts). */
  | `sync-group:${string}`;

export type { VirtualAddress } from './role-addresses.js';
export { ADDRESS_BOUND_INTERVALS, ADDRESS_BOUND_MIN_MS, ADDRESS_RETRY_FIRST_MS, ADDRESS_RETRY_MAX_MS } from './role-addresses.js';

export interface InstancePorts {
  readonly scheduler: Scheduler;
  readonly transport: VrrpTransport;
  readonly addresses: AddressPort;
  readonly frames: FrameSender;
  readonly log: Logger;
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

/** Reload changes applied in place (reload-plan.ts): the wire identity stays, these move. */
export type InPlaceChanges = Pick<InstanceSetup, 'source' | 'destinations' | 'virtualAddresses'>;

/** What an instance is bound to on the host: it changes when its interface comes and goes. */
export type InstanceBinding = Pick<InstanceSetup, 'link' | 'source'> & { readonly transport: VrrpTransport; readonly frames: FrameSender };

/** A takeover's advertisement encoded ahead, and the objects it was encoded from. */
interface PreparedAdvert {
  readonly priority: number;
  readonly setup: InstanceSetup;
  readonly params: InstanceParams;
  readonly transport: VrrpTransport;
  readonly messages: readonly Uint8Array[];
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
  /** The configured master's address, on members that set groupMasterAddress. */
  readonly groupMasterAddress: string | null;
  readonly role: { readonly expected: string; readonly matches: boolean };
  /** The Active router: this instance while master, the one it follows as a backup. */
  readonly activeRouter: ActiveRouterReport | null;
  /** The routers heard, most recently heard first (peer-table.ts). */
  readonly peers: readonly PeerReport[];
  /** Sources of bad-version drops (a keepalived left at VRRPv2), most recently heard first. */
  readonly otherVersions: readonly VersionPeerEntry[];
  readonly steppedDown: boolean;
  /** The sync group this instance moves with (syncGroups), or null. */
  readonly syncGroup: string | null;
  /** In a sync group: a Backup ready to take the role, waiting for the other members. */
  readonly waitingForSyncGroup: boolean;
  readonly faults: readonly string[];
  /** Address changes not yet carried out (retried with backoff when netlink fails). */
  readonly addressesPending: number;
  readonly virtualAddresses: readonly string[];
  readonly counters: InstanceCounters;
  /** At first start, a Backup holding back for the configured master (groupMasterWaitMs); else null. */
  readonly waitingForGroupMaster: { readonly address: string; readonly remainingMs: number } | null;
}

export interface TransitionRecord {
  readonly instance: string;
  readonly from: StateName;
  readonly to: StateName;
  readonly reason: string;
  readonly at: number;
}

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
  /** The peers heard, the Active router, split brains (group-view.ts). */
  private readonly group: GroupView;
  /** Sources of bad-version drops, bounded like the peer table. */
  private readonly otherVersions = new VersionPeers();
  private everMaster = false;
  private readonly log: Logger;
  private readonly announcer: Announcer;
  private readonly addresses: RoleAddresses;
  private readonly limiter = new RateLimiter(LOG_EVERY_MS);
  private lastReannounce = -Infinity;
  /** Whether the advertisement being handled comes from a peer silent for Active_Down_Interval. */
  private peerReturned = false;
  private readonly transitionListeners: Array<(record: TransitionRecord) => void> = [];
  private readonly wantListeners: Array<() => void> = [];
  /**
   * Our advertisement at one priority, encoded per destination (advertisementAt()), with what it
   * was encoded from: a reload or a rebinding replaces those objects, and a message built from
   * old ones is never sent.
   */
  private preparedAdvert: PreparedAdvert | null = null;
  /** The scheduler keys of this instance's timers (timerKey()). */
  private readonly timerKeys = new Map<TimerName, string>();
  /** The last advertisement source and its text (peerName()). */
  private lastPeer: { readonly bytes: Uint8Array; readonly text: string } | null = null;

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
    this.group = new GroupView({ log: this.log, counters: this.counters, config: () => this.config, source: () => this.setup.source });
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
    this.addresses = new RoleAddresses(config.name, { ifindex: setup.link.ifindex, family: config.family }, ports.addresses, {
      scheduler: ports.scheduler,
      log: this.log,
      counters: this.counters,
      holdsAddresses: () => this.holdsAddresses(),
      isOwner: () => this.config.priority === OWNER_PRIORITY,
      isActive: () => this.state.name === 'active',
      stateLabel: () => STATE_LABEL[this.state.name],
      advertIntervalMs: () => intervalMs(this.params.advertIntervalCs),
      interfaceName: () => this.setup.link.name,
      virtualAddresses: () => this.setup.virtualAddresses,
      stopAnnouncing: () => this.announcer.stop(),
      announce: () => this.announcer.burst(this.ports.scheduler.now()),
      raiseAddressFault: (raised) => this.setFault('address-add-failed', raised),
      strayRemoved: () => this.handle({ type: 'stray-removed', now: this.ports.scheduler.now() }),
    });
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
      // Only a member that knows the configured master waits for it (README, "Configuration").
      groupMasterWaitMs: !config.groupMaster && config.groupMasterAddress !== undefined ? config.groupMasterWaitMs : 0,
      primaryAddress: this.setup.source,
      syncGroup: config.syncGroup !== undefined,
    };
  }

  private receivingFor(config: InstanceConfig): ReceivingInstance {
    return {
      priority: config.priority,
      advertIntervalCs: msToIntervalCs(config.advertIntervalMs),
      addresses: this.setup.virtualAddresses.map((vip) => vip.bytes),
      localAddresses: [this.setup.source],
      ...membersOf(config, this.setup.destinations),
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
    if (changes !== undefined) this.addresses.applyList(before, changes.virtualAddresses);
    // The state machine decides again what the new parameters change (a preemption that is no
    // longer allowed is cancelled); unchanged parameters change nothing.
    this.handle({ type: 'reconfigured', now: this.ports.scheduler.now() });
    this.applyPriority();
  }

  /** The interface came back (a new ifindex) or its source address changed: use the new one. */
  rebind(binding: InstanceBinding): void {
    this.setup = { ...this.setup, link: binding.link, source: binding.source };
    this.transport = binding.transport;
    this.frames = binding.frames;
    this.currentParams = this.paramsFor(this.config);
    this.currentReceiving = this.receivingFor(this.config);
    this.announcer.retarget(this.announcerTarget());
    this.addresses.retarget({ ifindex: binding.link.ifindex, family: this.family });
    this.keepTakeoverReady();
  }

  /** The interface is gone: nothing is left to add to or remove from on it. */
  forgetAddresses(): void {
    this.addresses.forget();
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

  /** Sync group: every member wants the role or has it; take it if this one waits for it. */
  syncGo(): void {
    this.handle({ type: 'sync-go', now: this.ports.scheduler.now() });
  }

  /** Sync group: another member went Backup; a master follows it (fsm.ts 'sync-backup'). */
  syncBackup(): void {
    this.handle({ type: 'sync-backup', now: this.ports.scheduler.now() });
  }

  /** Sync group: a Backup that would take the role now, and waits for the other members. */
  get wantsActive(): boolean {
    return this.state.wantsActive !== null;
  }

  /** Sync group: this Backup wants the role (see wantsActive). */
  onWantActive(listener: () => void): void {
    this.wantListeners.push(listener);
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

  /** MASTER, BACKUP, FAULT or INIT, as the logs and the status socket say it. */
  get stateLabel(): string {
    return STATE_LABEL[this.state.name];
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
    this.addresses.stop();
    await this.addresses.settled();
  }

  /** Address changes not yet carried out (a delete being retried keeps stop() waiting). */
  get addressesPending(): number {
    return this.addresses.pending;
  }

  /**
   * An advertisement that passed the §7.1 checks, received `ageMs` before now (the kernel's
   * stamp; receive-time.ts): the state machine sees it at its arrival, so the Active_Down_Timer
   * runs from when the packet reached the host. Never before the state's own start, so that an
   * instance's time never runs backwards.
   */
  onAdvertisement(adv: DecodedAdvertisement, from: Uint8Array, notes: readonly CheckNote[], ageMs?: number): void {
    this.counters.advertsReceived++;
    bump(this.counters.peerChecksums, adv.checksumVariant);
    const now = Math.max(this.state.since, receivedAt(this.ports.scheduler.now(), ageMs, intervalMs(adv.maxAdvertIntervalCs)));
    // The state keeps the Active router's address: a copy, not a view into the receive batch
    // (which it would keep alive), made only when the Active router changes.
    const active = this.state.activeAddress;
    const source = active !== null && sameAddress(active, from) ? active : from.slice();
    const peer = this.peerName(source);
    const previously = this.group.heard(peer, adv, now);
    // A peer not heard for an Active_Down_Interval is a new episode (a partition that healed):
    // its first lower-priority advertisement always earns a re-announcement.
    this.peerReturned = previously === undefined || now - previously > activeDownIntervalMs(this.state.priority, this.state.activeAdverIntervalCs);
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
    const before = this.state;
    this.handle({ type: 'advert', adv, from: source, now });
    this.group.followed(before, this.state, now);
  }

  /**
   * The text form of an advertisement's source, remembered for the last source: it is most
   * often the same router every interval, and formatting it per packet was 7 % of a backup's
   * CPU at 255 instances.
   */
  private peerName(source: Uint8Array): string {
    const last = this.lastPeer;
    if (last !== null && sameAddress(last.bytes, source)) return last.text;
    const text = formatAddress(source);
    // `source` is already a copy (onAdvertisement), not a view of the receive batch.
    this.lastPeer = { bytes: source, text };
    return text;
  }

  /** A packet for this VRID that a §7.1 check dropped. */
  /** `version`: the one a bad-version packet carried, counted per source (version-peers.ts). */
  onRejected(reason: RejectReason, from: Uint8Array, detail: string, version?: number): void {
    bump(this.counters.rejected, reason);
    const peer = formatAddress(from);
    const versionRow = version === undefined ? {} : this.otherVersions.note(peer, version, this.ports.scheduler.now());
    this.warnLimited(`${reason}:${peer}`, 'advertisement dropped', {
      reason,
      detail,
      peer,
      count: this.counters.rejected[reason],
      ...versionRow,
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
    this.addresses.onChange(entry, present);
  }

  /** Removes the failover IPs found on the interface when binding to it, unless master. */
  removeStrayAddresses(present: readonly AddressEntry[]): void {
    this.addresses.removeStrays(present, this.family);
  }

  /** Puts the addresses back if master (lost netlink notifications, a new interface). */
  reassertAddresses(options: { announce?: boolean } = {}): void {
    this.addresses.reassert(options);
  }

  /** Runs the frame sender's code without sending (the daemon's warm-up, warm-up.ts). */
  rehearseFrames(): void {
    this.frames.rehearse?.();
  }

  /** The address this instance advertises from (zeros while it has none). */
  get sourceAddress(): Uint8Array {
    return this.setup.source;
  }

  private handle(event: FsmEvent): void {
    const { state, actions } = step(this.params, this.state, event);
    this.state = state;
    this.keepTakeoverReady();
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
        bump(this.counters.transitionsTo, STATE_LABEL[action.to]);
        if (action.from === 'active') {
          this.announcer.stop();
          this.addresses.leftRole();
          this.ports.scheduler.cancel(this.settledAnnounceKey);
        }
        afterwards.push(() => {
          this.logTransition(action.from, action.to, action.reason, now);
          if (action.to === 'active' && !this.everMaster) {
            this.everMaster = true;
            this.group.firstMastership(this.state, now);
          }
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
          (firedAt) => this.onTimer(action.timer, action.at, firedAt),
          PRECISE_TIMERS.has(action.timer),
        );
        return;
      case 'cancel':
        this.ports.scheduler.cancel(this.timerKey(action.timer));
        return;
      case 'add-vips':
        this.addresses.wantAll(true);
        // The bound's timer after the step's wire actions: the advertisement and gratuitous ARP
        // of a takeover do not wait for the scheduler's bookkeeping.
        afterwards.push(() => this.addresses.armBound());
        return;
      case 'del-vips':
        this.addresses.wantAll(false);
        return;
      case 'split-brain': {
        const gapMs = activeDownIntervalMs(this.state.priority, this.params.advertIntervalCs);
        afterwards.push(() => this.group.splitBrain(action.peer, action.priority, this.state, now, gapMs));
        return;
      }
      case 'want-active':
        afterwards.push(() => {
          for (const listener of this.wantListeners) listener();
        });
        return;
      case 'announce':
        // Re-announcements only for addresses we hold: not while an add is being retried.
        if (action.cause !== 'became-active' && this.addresses.failing) return;
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
      if (this.state.name === 'active' && !this.addresses.failing) this.announcer.burst(at);
    });
  }

  private get settledAnnounceKey(): string {
    return `${this.name}/announce-settled`;
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
      groupMasterAddress: this.config.groupMasterAddress?.address ?? null,
      role: { expected: role.expected, matches: role.matches },
      activeRouter: this.group.activeRouter(this.state),
      peers: this.group.peerReports(),
      otherVersions: this.otherVersions.entries(),
      steppedDown: this.state.held,
      syncGroup: this.config.syncGroup ?? null,
      waitingForSyncGroup: this.state.wantsActive !== null,
      faults: [...this.state.faults],
      addressesPending: this.addresses.pending,
      virtualAddresses: this.config.virtualAddresses.map((p) => `${p.address}/${p.prefixLength}`),
      counters: structuredClone(this.counters),
      waitingForGroupMaster: this.groupMasterWait(),
    };
  }

  /** Whether, and how much longer, this Backup waits for the configured master before it may take the role. */
  private groupMasterWait(): InstanceSnapshot['waitingForGroupMaster'] {
    const end = groupMasterWaitEnd(this.params, this.state);
    const master = this.config.groupMasterAddress;
    const remainingMs = end === null ? 0 : Math.ceil(end - this.ports.scheduler.now());
    if (this.state.name !== 'backup' || master === undefined || remainingMs <= 0) return null;
    return { address: master.address, remainingMs };
  }

  /** A reload changed the log level: child loggers keep theirs unless told. */
  setLogLevel(level: string): void {
    this.log.level = level;
  }

  /** One line per transition, with whether the role now matches the failover group's plan. */
  private logTransition(from: StateName, to: StateName, reason: string, decidedAt: number): void {
    const role = groupRole(this.params.groupMaster, to);
    const wait = to === 'backup' ? this.groupMasterWait() : null;
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
        ...(wait === null ? {} : { waitsForGroupMaster: wait.address, waitMs: wait.remainingMs }),
      },
      `${this.name}: ${STATE_LABEL[from]} -> ${STATE_LABEL[to]} (${reason})${role.matches ? '' : `; the failover group expects this node to be ${role.expected}`}` +
        (wait === null ? '' : `; waits up to ${wait.remainingMs} ms for the configured master ${wait.address} before taking the IP`),
    );
  }

  private onTimer(timer: TimerName, armedFor: number, firedAt: number): void {
    if (timer === 'activeDown') {
      // Before the Active router is declared down, read what the socket holds: libuv runs timers
      // before it polls, so after a busy turn (a start-up, a flood, a stalled machine) the
      // advertisement that resets this timer (RFC 9568 §6.4.2) may be waiting in the kernel
      // while the timer fires. Read, it re-arms the timer, and this firing is out of date.
      this.transport.drain();
      if (this.state.timers.activeDown !== armedFor) return;
    }
    this.handle({ type: 'timer', timer, now: firedAt });
  }

  private timerKey(timer: TimerName): string {
    // Made once per timer: a Backup re-arms its Active_Down_Timer on every advertisement.
    let key = this.timerKeys.get(timer);
    if (key === undefined) {
      key = `${this.name}/${timer}`;
      this.timerKeys.set(timer, key);
    }
    return key;
  }

  private encodeFor(priority: number, dst: Uint8Array): Uint8Array {
    // The current configuration: a reload may have changed the checksum variant.
    const { config } = this;
    return encode(
      { vrid: config.vrid, priority, maxAdvertIntervalCs: this.params.advertIntervalCs, addresses: this.receiving.addresses },
      { family: this.family, src: this.setup.source, dst, variant: config.checksum },
    );
  }

  /** A Backup (its priority may move with tracking) keeps its takeover's packets built ahead. */
  private keepTakeoverReady(): void {
    if (this.state.name !== 'backup') return;
    this.advertisementAt(this.state.priority);
    this.announcer.prepare();
  }

  /**
   * Our advertisement at `priority`, one message per destination, encoded once (and its packet
   * built by the transport) and kept while what it was built from is current: a Backup's
   * takeover finds it ready, so that on Active_Down_Timer only system calls are left, and a
   * master sends the same bytes every Advertisement_Interval without building them again.
   */
  private advertisementAt(priority: number): readonly Uint8Array[] {
    const ready = this.preparedFor(priority);
    if (ready !== undefined) return ready;
    const { setup, transport } = this;
    const messages = setup.destinations.map((dst) => this.encodeFor(priority, dst));
    this.preparedAdvert = { priority, setup, params: this.params, transport, messages };
    setup.destinations.forEach((dst, i) => transport.prepare?.(messages[i] as Uint8Array, setup.source, dst));
    return messages;
  }

  /** The messages built for this priority, if built from what is current. */
  private preparedFor(priority: number): readonly Uint8Array[] | undefined {
    const ready = this.preparedAdvert;
    if (ready === null || ready.priority !== priority) return undefined;
    if (ready.setup !== this.setup || ready.params !== this.params || ready.transport !== this.transport) return undefined;
    return ready.messages;
  }

  private sendAdvertisement(priority: number): void {
    const messages = this.advertisementAt(priority);
    const { setup } = this;
    setup.destinations.forEach((dst, i) => {
      try {
        this.transport.send(messages[i] as Uint8Array, setup.source, dst);
        this.counters.advertsSent++;
      } catch (error) {
        this.noteSendError(error);
      }
    });
  }

  noteSendError(error: unknown): void {
    this.counters.sendErrors++;
    // A stopping or faulty master still tries its priority-0 release; failing then is expected.
    const level = this.state.name === 'active' ? 'warn' : 'debug';
    if (this.limiter.allow('send-error', this.ports.scheduler.now())) this.log[level]({ err: String(error) }, 'advertisement not sent');
  }

  private warnLimited(key: string, message: string, fields: Record<string, unknown>): void {
    logLimited(this.limiter, this.log, { level: 'warn', key, now: this.ports.scheduler.now(), message }, fields);
  }
}

/**
 * Who may advertise to this instance: the unicast peers (advertisements go to them and come from
 * them), or in multicast mode the optional `peers` list. Without either, anyone on the link.
 */
function membersOf(config: InstanceConfig, destinations: readonly Uint8Array[]): { members?: MemberList } {
  if (config.unicastPeers !== undefined) return { members: { addresses: destinations, listedIn: 'unicastPeers' } };
  if (config.peers !== undefined) return { members: { addresses: config.peers.map((peer) => configuredBytes(peer.address)), listedIn: 'peers' } };
  return {};
}

function assertNever(value: never): never {
  throw new Error(`unhandled action ${JSON.stringify(value)}`);
}
