/**
 * Data of the RFC 9568 §6 state machine: parameters, state, events in, actions out.
 *
 * Time is always an argument (`now`, `at`: milliseconds on a monotonic clock); timers are
 * deadlines held in the state and handed to one scheduler as `arm` / `cancel` actions.
 */

import type { Advertisement } from './advertisement.js';

/** RFC 9568 names the master "Active"; logs and status say MASTER for operators (§1.3 terms). */
export type StateName = 'initialize' | 'backup' | 'active' | 'fault';

/**
 * adver: Adver_Timer (§6.2). activeDown: Active_Down_Timer (§6.2).
 * startup: the start-up delay (an extension, as keepalived's startup_delay).
 * preempt: the preemption delay (an extension, as keepalived's preempt_delay).
 */
export type TimerName = 'adver' | 'activeDown' | 'startup' | 'preempt' | 'nudge';

/**
 * Built by the runtime from the configuration and passed to every step(); a reload may change
 * them (the runtime then sends a `reconfigured` event so that the state can react).
 */
export interface InstanceParams {
  /** Configured priority, 1–255; 255 is the address owner (§5.2.4). */
  readonly priority: number;
  /** Advertisement_Interval in centiseconds (§6.1). */
  readonly advertIntervalCs: number;
  /** Preempt_Mode (§6.1), default true. */
  readonly preempt: boolean;
  /** Extension: how long a Backup waits before preempting a lower-priority Active router. */
  readonly preemptDelayMs: number;
  /** Extension: how long Initialize waits after start-up before the §6.4.1 start-up event. */
  readonly startupDelayMs: number;
  /** Accept_Mode (§6.1): whether the Active router accepts packets to the virtual addresses. */
  readonly acceptMode: boolean;
  /** This member is the IP failover group's configured master. */
  readonly groupMaster: boolean;
  /**
   * Extension for IP failover groups: on a member that knows the configured master, how long
   * after start-up it holds back from taking the role while it has heard nobody (the configured
   * master may still be booting). 0 = no wait: the configured master itself, a member that does
   * not know it, or an operator who turned the wait off. Only the first election counts.
   */
  readonly groupMasterWaitMs: number;
  /** Local primary IPvX address (the source of our advertisements), for the §6.4.3 tie-break. */
  readonly primaryAddress: Uint8Array;
  /**
   * Extension (keepalived's vrrp_sync_group): this instance moves with others. A Backup whose
   * timer says "take the role" does not: it reports `want-active` and waits for `sync-go`, which
   * the runtime sends once every member wants the role or has it (runtime/sync-group.ts).
   */
  readonly syncGroup?: boolean;
}

/** Why the Active_Down_Timer is running: decides the reason reported when it fires. */
export type DownCause = 'startup' | 'silence' | 'release' | 'preempt';

export type TransitionReason =
  /** Initialize → Active: priority 255 goes Active at once (§6.4.1). */
  | 'owner-startup'
  /** Initialize → Backup (§6.4.1). */
  | 'startup'
  /** Backup → Active: no Active router was heard since start-up. */
  | 'no-active-seen'
  /** Backup → Active: the Active router fell silent for Active_Down_Interval (§6.4.2). */
  | 'active-down'
  /** Backup → Active: the Active router released with priority 0, after Skew_Time (§6.4.2). */
  | 'active-released'
  /** Backup → Active: this router preempted a lower-priority Active router (§6.4.2). */
  | 'preempt'
  /** Active → Backup: a higher priority was advertised (§6.4.3). */
  | 'higher-priority-seen'
  /** Active → Backup: equal priority from a higher primary address (§6.4.3). */
  | 'equal-priority-higher-address'
  /** Any → Initialize (§6.4.2, §6.4.3 Shutdown). */
  | 'shutdown'
  /** Any → Fault: link down or a failed tracker (extension). */
  | 'fault'
  /** Fault → Backup: every fault cleared. */
  | 'fault-cleared'
  /** Active → Backup: an operator handed the role over (priority 0) for maintenance. */
  | 'step-down'
  /** Active → Backup: another member of its sync group went Backup (keepalived's vrrp_sync_group). */
  | 'sync-group';

export interface InstanceState {
  readonly name: StateName;
  /** The effective priority: the configured one, lowered or raised by tracking (issue 4). */
  readonly priority: number;
  /** Active_Adver_Interval (§6.1): learned from the Active router while Backup. */
  readonly activeAdverIntervalCs: number;
  /** Armed deadlines; a timer event for a timer not armed here is stale and ignored. */
  readonly timers: Readonly<Partial<Record<TimerName, number>>>;
  readonly downCause: DownCause;
  /** Sources of faults now present (e.g. "link", "track:web-health"). */
  readonly faults: readonly string[];
  /** Set by the start-up event, cleared by shutdown. */
  readonly started: boolean;
  /**
   * True from initialisation until this router has been Active or heard any advertisement: the
   * group's first election since this daemon started is still open. While it is, the start-up
   * preferences hold (the configured master's shorter wait, a member's groupMasterWaitMs), also
   * when the router comes out of a start-up Fault; once it is over, failover timing is RFC 9568's.
   */
  readonly firstElection: boolean;
  /** When §6.4.1 start-up ran (after the start-up delay): groupMasterWaitMs counts from here. */
  readonly startedAt: number;
  /** Stepped down by an operator: stays Backup (never takes the role) until resumed. */
  readonly held: boolean;
  /** Address of the Active router last accepted, as a Backup; ours while Active. */
  readonly activeAddress: Uint8Array | null;
  /**
   * As a Backup, the priority the Active router last advertised (never 0: a release means no
   * Active router); null when none is known. A change of our priority or of Preempt_Mode
   * decides against it whether to preempt (§6.4.2), without waiting for its next advertisement.
   */
  readonly activePriority: number | null;
  /**
   * As Active, when it last answered another router's advertisement at once (§6.4.3): at most
   * one answer per Advertisement_Interval, so that a flood of spoofed lower-priority or
   * priority-0 advertisements cannot make it send (and announce) as fast as they arrive.
   */
  readonly answeredAt: number;
  /** Priority-1 requests still to send after giving the role to a better router (fsm.ts PARTING_NUDGES). */
  readonly nudgesLeft: number;
  /**
   * In a sync group, a Backup that would have taken the role (its timer fired) and waits for
   * the other members: the reason it would have taken it with; null otherwise.
   */
  readonly wantsActive: TransitionReason | null;
  /** When the state was entered and why. */
  readonly since: number;
  readonly reason: TransitionReason | null;
}

export type FsmEvent =
  | { readonly type: 'startup'; readonly now: number }
  | { readonly type: 'shutdown'; readonly now: number }
  | { readonly type: 'timer'; readonly timer: TimerName; readonly now: number }
  /** An advertisement that passed the §7.1 checks; `from` is its IP source. */
  | {
      readonly type: 'advert';
      readonly adv: Pick<Advertisement, 'priority' | 'maxAdvertIntervalCs'>;
      readonly from: Uint8Array;
      readonly now: number;
    }
  | { readonly type: 'fault-raised'; readonly source: string; readonly now: number }
  | { readonly type: 'fault-cleared'; readonly source: string; readonly now: number }
  /** The effective priority changed (tracking weights); 1–254. */
  | { readonly type: 'priority'; readonly priority: number; readonly now: number }
  /** Operator: release the role now (priority 0) and hold Backup; `resume` lifts the hold. */
  | { readonly type: 'step-down'; readonly now: number }
  | { readonly type: 'resume'; readonly now: number }
  /**
   * A reload changed the parameters (Preempt_Mode, the preempt delay, the interval): step() was
   * given the new ones with this event. A Backup decides again whether to preempt.
   */
  | { readonly type: 'reconfigured'; readonly now: number }
  /**
   * A copy of a virtual address was found on this (non-Active) router and removed: its NIC may
   * have answered ARP / ND for it meanwhile, so neighbours may point here (extension).
   */
  | { readonly type: 'stray-removed'; readonly now: number }
  /** Sync group: every member wants the role or has it; a Backup that wants it takes it now. */
  | { readonly type: 'sync-go'; readonly now: number }
  /**
   * Sync group: another member went Backup. An Active router goes Backup too, and stops
   * advertising without a priority-0 release, as keepalived does: the other side's member takes
   * over when its Active_Down_Timer fires.
   */
  | { readonly type: 'sync-backup'; readonly now: number };

/**
 * became-active: this router took the role. lower-priority-seen: another router advertised a
 * lower priority while this one is Active (§6.4.3), a sign of a second Active router (a split
 * brain healing, or its last advertisement as it gives way). release-seen: another router sent
 * priority 0 while this one is Active: a second Active router just left, and the neighbours may
 * still point at it.
 */
export type AnnounceCause = 'became-active' | 'lower-priority-seen' | 'release-seen';

export type FsmAction =
  | { readonly type: 'transition'; readonly from: StateName; readonly to: StateName; readonly reason: TransitionReason }
  | { readonly type: 'send-advert'; readonly priority: number }
  | { readonly type: 'arm'; readonly timer: TimerName; readonly at: number }
  | { readonly type: 'cancel'; readonly timer: TimerName }
  /** `accept`: Accept_Mode or owner; the data plane drops traffic to the addresses otherwise. */
  | { readonly type: 'add-vips'; readonly accept: boolean }
  | { readonly type: 'del-vips' }
  /** Gratuitous ARP / unsolicited NA from the NIC's own MAC. */
  | { readonly type: 'announce'; readonly cause: AnnounceCause }
  /**
   * A report, no effect: this Active router heard another Active router that it wins against
   * (§6.4.3), a split brain (see fsm.ts reportSplitBrain). `peer` and `priority` are the other's.
   */
  | { readonly type: 'split-brain'; readonly peer: Uint8Array; readonly priority: number }
  /** Sync group: this Backup would take the role now (see InstanceState.wantsActive). */
  | { readonly type: 'want-active' };

export interface StepResult {
  readonly state: InstanceState;
  readonly actions: readonly FsmAction[];
}
