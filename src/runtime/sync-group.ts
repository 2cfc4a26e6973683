/**
 * Sync groups (keepalived's vrrp_sync_group): instances that move together, so that a service
 * reached on an IPv4 and an IPv6 address (or on two networks) is on one VM, never split.
 *
 * keepalived's rules, carried out on the members through the driver's public methods; each
 * member's state machine stays its own (fsm.ts) and only sees events:
 *   - Fault: while a member is in Fault by a fault of its own, the others are held in Fault by a
 *     fault source `sync-group:NAME` (vrrp_sync_fault): they release the role and take none.
 *   - Backup: a master member that goes Backup for its own reasons (a higher priority heard, an
 *     operator's step-down) takes the others with it (`syncBackup`: no priority 0, as keepalived,
 *     so the other side's members take over by their Active_Down_Timer).
 *   - Master: a member's timer that says "take the role" only makes it want it (fsm.ts takeRole);
 *     once every member wants it or has it, they all take it together (`syncGo`; keepalived's
 *     vrrp_sync_can_goto_master: "prefer backup state to avoid thrashing").
 * No loops: a member that went Backup because of the group (reason `sync-group`) moves nobody,
 * the group's own fault source is not a fault of a member's own, and `syncGo` and `syncBackup`
 * change nothing on a member already where they lead. A member not running (it failed to start,
 * or a reload is re-creating it) is left out until it runs.
 *
 * The group's notify hooks run when its state as a whole changes (FAULT if a member is in
 * Fault, INIT while one is starting or stopping, MASTER when all are, BACKUP otherwise), once
 * the moves a transition caused are done, so that the hooks see no passing mixture.
 */

import type { SyncGroupConfig } from '../config/types.js';
import type { FaultSource, InstanceDriver, TransitionRecord } from './instance-driver.js';
import type { Logger } from './logger.js';
import type { GroupNotifyEvent, NotifyState } from './notify-hooks.js';

/** Notify hooks of one sync group (notify-hooks.ts runGroup). */
export interface GroupHooks {
  runGroup(event: GroupNotifyEvent): void;
  idle(): Promise<void>;
  replace(hooks: SyncGroupConfig['notify']): void;
}

interface Group {
  config: SyncGroupConfig;
  hooks: GroupHooks | undefined;
  state: NotifyState;
}

export function syncFault(group: string): FaultSource {
  return `sync-group:${group}`;
}

export class SyncGroups {
  private readonly groups = new Map<string, Group>();
  /** Instance name → its group's name. */
  private readonly memberOf = new Map<string, string>();
  /** How deep the handling of transitions is nested (the moves cause transitions of their own). */
  private depth = 0;
  /** The member transition that started the current moves, for the hooks' reason. */
  private cause = '';

  constructor(
    private readonly lookup: (instance: string) => InstanceDriver | undefined,
    private readonly log: Logger,
    private readonly createHooks?: (group: SyncGroupConfig) => GroupHooks | undefined,
  ) {}

  /** Listens to a new member's wish for the role (transitions come through onTransition). */
  attach(driver: InstanceDriver): void {
    driver.onWantActive(() => {
      const group = this.memberOf.get(driver.name);
      if (group !== undefined) this.within(group, `${driver.name}: wants the role`, () => this.align(group));
    });
  }

  /**
   * The groups of a new configuration. A member taken out of its group is released from the
   * group's fault at once; a Backup of it waiting for the group takes the role (fsm.ts
   * 'reconfigured'). A new or changed group applies from now on to the members' present states:
   * a member in Fault holds the others in Fault, and if their states differ (one Master, one
   * Backup) they stay so until the next transition of one of them, which the others follow.
   */
  replace(configs: readonly SyncGroupConfig[]): void {
    const before = new Map(this.memberOf);
    this.memberOf.clear();
    const kept = new Map<string, Group>();
    for (const config of configs) {
      const old = this.groups.get(config.name);
      let hooks = old?.hooks;
      if (hooks === undefined) hooks = this.createHooks?.(config);
      else hooks.replace(config.notify);
      kept.set(config.name, { config, hooks, state: old?.state ?? 'INIT' });
      for (const name of config.instances) this.memberOf.set(name, config.name);
    }
    this.groups.clear();
    for (const [name, group] of kept) this.groups.set(name, group);
    for (const [instance, group] of before) {
      if (this.memberOf.get(instance) !== group) this.lookup(instance)?.setFault(syncFault(group), false);
    }
    for (const group of this.groups.keys()) this.within(group, 'reload', () => this.align(group));
  }

  onTransition(record: TransitionRecord): void {
    const group = this.memberOf.get(record.instance);
    if (group === undefined) return;
    this.within(group, `${record.instance}: ${record.reason}`, () => {
      // Backup for its own reasons (not for the group's: that would be a loop).
      if (record.from === 'active' && record.to === 'backup' && record.reason !== 'sync-group') {
        for (const member of this.members(group)) if (member.name !== record.instance) member.syncBackup();
      }
      this.align(group);
    });
  }

  /**
   * Runs `work` (moves that cause transitions of their own, handled re-entrantly), then reports
   * the group's state once the outermost move is done.
   */
  private within(group: string, cause: string, work: () => void): void {
    if (this.depth === 0) this.cause = cause;
    this.depth++;
    try {
      work();
    } finally {
      this.depth--;
    }
    const found = this.groups.get(group);
    if (this.depth === 0 && found !== undefined) this.report(found);
  }

  /** Faults and the role together: brings the members in line with each other. Idempotent. */
  private align(group: string): void {
    const members = this.members(group);
    const source = syncFault(group);
    const faulty = members.filter((m) => ownFault(m, source)).map((m) => m.name);
    for (const member of members) member.setFault(source, faulty.some((other) => other !== member.name));
    // Together or not at all: every member wants the role or has it.
    if (members.every((m) => m.current.name === 'active' || m.wantsActive)) {
      for (const member of members) if (member.wantsActive) member.syncGo();
    }
  }

  private report(group: Group): void {
    const state = groupState(this.members(group.config.name));
    if (state === group.state) return;
    const previous = group.state;
    group.state = state;
    this.log.info({ syncGroup: group.config.name, from: previous, to: state, cause: this.cause }, `sync group ${group.config.name}: ${previous} -> ${state} (${this.cause})`);
    group.hooks?.runGroup({ group: group.config.name, state, previous, reason: this.cause });
  }

  private members(group: string): InstanceDriver[] {
    const config = this.groups.get(group)?.config;
    if (config === undefined) return [];
    return config.instances.map((name) => this.lookup(name)).filter((d): d is InstanceDriver => d !== undefined);
  }

  /** Resolves once every group's hooks queued so far have run (shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.groups.values()].map((g) => g.hooks?.idle()));
  }
}

/** A fault of the member's own, not the one the group holds it in. */
function ownFault(member: InstanceDriver, groupSource: string): boolean {
  return member.current.faults.some((fault) => fault !== groupSource);
}

/**
 * The group as a whole. INIT while any member is starting or stopping, so that a start-up or a
 * shutdown, which moves the members one after another, reports no BACKUP in passing.
 */
function groupState(members: readonly InstanceDriver[]): NotifyState {
  if (members.some((m) => m.current.name === 'fault')) return 'FAULT';
  if (members.length === 0 || members.some((m) => m.current.name === 'initialize')) return 'INIT';
  if (members.every((m) => m.current.name === 'active')) return 'MASTER';
  return 'BACKUP';
}
