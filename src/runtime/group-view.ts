/**
 * One instance's view of its failover group, for the operator: the routers it hears (a bounded
 * peer table), the Active router and whether that is the group's configured master, split brains
 * (a second Active router this one wins against), and, at a member's first mastership, whether
 * it displaced a configured master that was alive. It reports; it decides nothing of the
 * protocol (that is fsm.ts).
 */

import type { InstanceConfig } from '../config/types.js';
import type { InstanceState } from '../protocol/fsm-types.js';
import { activeIsGroupMaster, type GroupKnowledge } from '../protocol/group-role.js';
import { formatAddress, sameAddress } from '../protocol/ip-address.js';
import type { InstanceCounters } from './counters.js';
import type { Logger } from './logger.js';
import { PeerTable, wasActive, type HeardAdvertisement } from './peer-table.js';
import { logLimited, RateLimiter } from './rate-limit.js';

const LOG_EVERY_MS = 60_000;

/** The Active router as status reports it (null: none known). */
export interface ActiveRouterReport {
  readonly address: string;
  readonly priority: number;
  /** Whether it is the group's configured master; null where this member cannot tell. */
  readonly isGroupMaster: boolean | null;
}

export interface PeerReport {
  readonly address: string;
  readonly priority: number;
  readonly maxAdvertIntervalMs: number;
  readonly checksum: string;
  readonly firstHeardMonotonicMs: number;
  readonly lastHeardMonotonicMs: number;
  readonly count: number;
}

export interface GroupViewContext {
  readonly log: Logger;
  readonly counters: InstanceCounters;
  /** Read at each use: a reload may change them. */
  config(): InstanceConfig;
  source(): Uint8Array;
}

export class GroupView {
  private readonly peers = new PeerTable();
  private readonly limiter = new RateLimiter(LOG_EVERY_MS);
  /** When the last split-brain advertisement came: a new episode after an Active_Down_Interval. */
  private lastSplitBrain = -Infinity;

  constructor(private readonly context: GroupViewContext) {}

  /** An accepted advertisement from `peer`; returns when it was heard before, if it was. */
  heard(peer: string, adv: HeardAdvertisement, now: number): number | undefined {
    return this.peers.heard(peer, adv, now);
  }

  /**
   * The state machine reported a second Active router (fsm.ts reportSplitBrain). Counted once per
   * episode: one that lasts sends an advertisement every interval, and a new episode starts when
   * none came for `episodeGapMs` (an Active_Down_Interval).
   */
  splitBrain(peer: Uint8Array, peerPriority: number, state: InstanceState, now: number, episodeGapMs: number): void {
    if (now - this.lastSplitBrain > episodeGapMs) this.context.counters.splitBrain++;
    this.lastSplitBrain = now;
    const self = formatAddress(this.context.source());
    const other = formatAddress(peer);
    const message = `${this.context.config().name}: split brain: ${other} (priority ${peerPriority}) is master too; ${self} (priority ${state.priority}) wins (RFC 9568 §6.4.3) and stays master`;
    logLimited(this.limiter, this.context.log, { level: 'warn', key: `split-brain:${other}`, now, message }, {
      reason: 'split-brain',
      self,
      selfPriority: state.priority,
      peer: other,
      peerPriority,
      count: this.context.counters.splitBrain,
    });
  }

  /** After an advertisement: a Backup that follows a new Active router says which, and whether it is the configured master. */
  followed(before: InstanceState, after: InstanceState, now: number): void {
    const active = after.activeAddress;
    if (after.name !== 'backup' || active === null || after.activePriority === null) return;
    const known = before.name === 'backup' && before.activePriority !== null && before.activeAddress !== null;
    if (known && sameAddress(before.activeAddress as Uint8Array, active)) return;
    const report = this.activeRouter(after) as ActiveRouterReport;
    const master = this.context.config().groupMasterAddress?.address;
    const which = report.isGroupMaster === null ? '' : report.isGroupMaster ? ', the configured master' : `, not the configured master${master === undefined ? '' : ` (${master})`}`;
    const message = `${this.context.config().name}: following master ${report.address} (priority ${report.priority}${which})`;
    logLimited(this.limiter, this.context.log, { level: 'info', key: `active-router:${report.address}`, now, message }, {
      reason: 'new-active-router',
      activeRouter: report.address,
      activePriority: report.priority,
      isGroupMaster: report.isGroupMaster,
    });
  }

  /** The Active router this instance knows: itself while Active, the one it follows as a Backup. */
  activeRouter(state: InstanceState): ActiveRouterReport | null {
    const group = this.knowledge();
    if (state.name === 'active') return { address: group.self, priority: state.priority, isGroupMaster: group.groupMaster };
    // A release (priority 0) leaves the address but no Active router.
    if (state.name !== 'backup' || state.activeAddress === null || state.activePriority === null) return null;
    const address = formatAddress(state.activeAddress);
    return { address, priority: state.activePriority, isGroupMaster: activeIsGroupMaster(group, address) };
  }

  /**
   * At initial provisioning the group's configured master must be the master. A member taking
   * the role for the first time while the configured master was Active (heard advertising, not
   * releasing: wasActive) displaced it (a priority set too high, preemption): say so, naming
   * both. One that takes over after the configured master released the role (a shutdown, a
   * step-down) or fell silent displaced nobody.
   */
  firstMastership(state: InstanceState, now: number): void {
    const config = this.context.config();
    const master = config.groupMasterAddress;
    if (config.groupMaster || master === undefined) return;
    const entry = this.peers.get(master.address);
    if (entry === undefined || !wasActive(entry, now, state.priority)) return;
    const self = formatAddress(this.context.source());
    const ago = Math.round(now - entry.lastHeard);
    this.context.log.warn(
      { groupMasterAddress: master.address, self, heardMsAgo: ago, groupMasterPriority: entry.priority, reason: 'displaced-group-master' },
      `${config.name}: ${self} became master at first start while the group's configured master ${master.address} is alive (heard ${ago} ms ago, priority ${entry.priority})`,
    );
  }

  peerReports(): PeerReport[] {
    return this.peers.entries().map((e) => ({
      address: e.address,
      priority: e.priority,
      maxAdvertIntervalMs: e.maxAdvertIntervalCs * 10,
      checksum: e.checksum,
      firstHeardMonotonicMs: e.firstHeard,
      lastHeardMonotonicMs: e.lastHeard,
      count: e.count,
    }));
  }

  private knowledge(): GroupKnowledge {
    const config = this.context.config();
    return { groupMaster: config.groupMaster, groupMasterAddress: config.groupMasterAddress?.address, self: formatAddress(this.context.source()) };
  }
}
