/**
 * The RFC 9568 §6 state machine as a pure function: step(params, state, event) → state, actions.
 *
 * One handler per state, and each handles every event explicitly (a `never` check keeps it so).
 * Action order is a contract the runtime follows and the tests pin down:
 *   - every change of state starts with its `transition` action (the runtime writes its log line
 *     once the step's wire actions are done, in the same tick);
 *   - becoming Active adds the addresses, sends an advertisement, then announces (§6.4.2);
 *   - leaving Active sends one last advertisement, then removes the addresses: priority 0 where
 *     §6.4.3 says so (shutdown, and fault and step-down as if so), this router's own priority
 *     when it gives way to a better router (see activeOnAdvert: the winner of a split brain
 *     hears it and re-announces).
 */

import { Preference, preferred } from './election.js';
import type {
  DownCause,
  FsmAction,
  FsmEvent,
  InstanceParams,
  InstanceState,
  StateName,
  StepResult,
  TimerName,
  TransitionReason,
} from './fsm-types.js';
import { OWNER_PRIORITY } from './receive-checks.js';
import { activeDownIntervalMs, intervalMs, skewTimeMs } from './timers.js';

/** §6.4.3: an Active router that stops sends priority 0 so that Backups take over after Skew_Time. */
export const RELEASE_PRIORITY = 0;

/**
 * Extension: a router whose NIC may have answered for the virtual addresses without being Active
 * (a stray copy was on it) sends one advertisement at the lowest priority. The Active router
 * takes it as a lower-priority Active router and, as §6.4.3 says, advertises and re-announces at
 * once, so neighbours learn its MAC again. It outranks nobody, so no Backup takes over for it:
 * the Active router's immediate answer resets their timers.
 */
export const NUDGE_PRIORITY = 1;
/**
 * After giving the role to a better router, the priority-1 request is sent this many times, one
 * Advertisement_Interval apart: this router announced the addresses, and if the winner heard
 * none of its advertisements (a lossy link) it would never re-announce, leaving the neighbours
 * pointing here. One of them getting through is enough; the winner answers once per interval.
 */
export const PARTING_NUDGES = 3;

/** Advertisement_Intervals the group master listens at start (others: 3, Active_Down_Interval). */
export const GROUP_MASTER_START_INTERVALS = 2;

export function initialState(params: InstanceParams, now: number): InstanceState {
  return {
    name: 'initialize',
    priority: params.priority,
    activeAdverIntervalCs: params.advertIntervalCs,
    timers: {},
    downCause: 'startup',
    faults: [],
    started: false,
    firstElection: true,
    startedAt: now,
    held: false,
    activeAddress: null,
    activePriority: null,
    answeredAt: -Infinity,
    nudgesLeft: 0,
    wantsActive: null,
    since: now,
    reason: null,
  };
}

/** A draft of the next state and the actions so far; handlers mutate it, step() freezes it. */
interface Draft {
  state: { -readonly [K in keyof InstanceState]: InstanceState[K] };
  timers: Partial<Record<TimerName, number>>;
  actions: FsmAction[];
  readonly params: InstanceParams;
  readonly now: number;
}

function arm(d: Draft, timer: TimerName, at: number): void {
  d.timers[timer] = at;
  d.actions.push({ type: 'arm', timer, at });
}

function cancel(d: Draft, timer: TimerName): void {
  if (d.timers[timer] === undefined) return;
  delete d.timers[timer];
  d.actions.push({ type: 'cancel', timer });
}

function cancelAll(d: Draft): void {
  for (const timer of Object.keys(d.timers) as TimerName[]) cancel(d, timer);
}

function enter(d: Draft, to: StateName, reason: TransitionReason): void {
  d.actions.push({ type: 'transition', from: d.state.name, to, reason });
  d.state.name = to;
  d.state.since = d.now;
  d.state.reason = reason;
  d.state.wantsActive = null;
}

function armActiveDown(d: Draft, afterMs: number, cause: DownCause): void {
  arm(d, 'activeDown', d.now + afterMs);
  d.state.downCause = cause;
}

/** No Active router known (yet): nobody to follow or preempt until one advertises. */
function forgetActive(d: Draft): void {
  d.state.activeAddress = null;
  d.state.activePriority = null;
}

/** Backup → Active, or Initialize → Active for the owner (§6.4.1, §6.4.2 "Active_Down_Timer fires"). */
function becomeActive(d: Draft, reason: TransitionReason): void {
  enter(d, 'active', reason);
  d.state.firstElection = false;
  cancelAll(d);
  d.state.activeAddress = d.params.primaryAddress;
  d.state.activeAdverIntervalCs = d.params.advertIntervalCs;
  // §6.4.2 "Send an ADVERTISEMENT" comes first: it needs no address, and it is what the other
  // routers time. Then the addresses, then the gratuitous ARP / NA that tells the neighbours
  // where they live (see address-keeper.ts for when the add reaches the kernel).
  d.actions.push({ type: 'send-advert', priority: d.state.priority });
  // §6.1 Accept_Mode; the owner always accepts packets to its own addresses (§6.4.3).
  d.actions.push({ type: 'add-vips', accept: d.params.acceptMode || d.params.priority === OWNER_PRIORITY });
  d.actions.push({ type: 'announce', cause: 'became-active' });
  arm(d, 'adver', d.now + intervalMs(d.params.advertIntervalCs));
}

/**
 * Leaves Active, first advertising `parting`: priority 0 (§6.4.3 Shutdown) so that a Backup takes
 * over after Skew_Time, or this router's own priority when a better one took over; then the
 * addresses go.
 */
function leaveActive(d: Draft, to: StateName, reason: TransitionReason, parting: number | null): void {
  enter(d, to, reason);
  forgetActive(d);
  cancelAll(d);
  if (parting !== null) d.actions.push({ type: 'send-advert', priority: parting });
  // The owner's addresses are its own interface addresses (§5.2.4): they stay where they are.
  if (d.params.priority !== OWNER_PRIORITY) d.actions.push({ type: 'del-vips' });
}

/** §6.4.1 start-up, after the optional start-up delay. */
function start(d: Draft): void {
  cancel(d, 'startup');
  d.state.startedAt = d.now;
  if (d.state.faults.length > 0) {
    enter(d, 'fault', 'fault');
    return;
  }
  // §6.4.1: "If the Priority = 255 ... transition to the Active state".
  if (d.state.priority === OWNER_PRIORITY) {
    becomeActive(d, 'owner-startup');
    return;
  }
  enter(d, 'backup', 'startup');
  d.state.activeAdverIntervalCs = d.params.advertIntervalCs;
  forgetActive(d);
  armFirstElectionWait(d);
}

/**
 * How long a Backup that has heard nobody listens before it takes the role, from entering
 * Backup: §6.4.1's Active_Down_Interval, or less for the group's configured master. The
 * configured master is preferred at start: it listens for two Advertisement_Intervals (plus its
 * Skew_Time) instead of three. An Active router advertises within that time even if one
 * advertisement is lost, so it still defers to one that is there; if nobody is, it takes the
 * role a full interval sooner than any other member, which is what makes it the master at
 * initial provisioning.
 */
function startListenMs(d: Draft): number {
  const { priority } = d.state;
  const interval = d.params.advertIntervalCs;
  return d.params.groupMaster
    ? GROUP_MASTER_START_INTERVALS * intervalMs(interval) + skewTimeMs(priority, interval)
    : activeDownIntervalMs(priority, interval);
}

/**
 * The Active_Down_Timer of a Backup in the group's first election: entering Backup at start-up,
 * or leaving a Fault entered before anybody was heard (a health check still proving itself, a
 * link late to come up). What gives the start-up preferences is that the router is starting,
 * not that it came to Backup first. A member that knows the configured master also holds back
 * until groupMasterWaitMs after start-up, plus its Skew_Time so that the members' order stays
 * the RFC's (a higher priority first): the configured master may still be booting, and the
 * provider routes the IP to it at provisioning. Any advertisement ends this (backupOnAdvert).
 */
function armFirstElectionWait(d: Draft): void {
  armActiveDown(d, Math.max(0, firstElectionDeadline(d) - d.now), 'startup');
}

function firstElectionDeadline(d: Draft): number {
  return Math.max(d.state.since + startListenMs(d), groupMasterWaitEnd(d.params, d.state) ?? -Infinity);
}

/**
 * When this member's wait for the configured master ends (monotonic ms, the same clock as
 * `now`), or null when it does not wait: the first election is over, or groupMasterWaitMs is 0.
 * The status socket shows the same deadline the Active_Down_Timer was armed with.
 */
export function groupMasterWaitEnd(params: InstanceParams, state: InstanceState): number | null {
  if (!state.firstElection || params.groupMasterWaitMs === 0) return null;
  return state.startedAt + params.groupMasterWaitMs + skewTimeMs(state.priority, params.advertIntervalCs);
}

/**
 * The first election ends with the first advertisement heard: somebody is or was Active, and
 * RFC 9568's rules apply from now on. Where the timer is kept (a preemption, §6.4.2 "Discard
 * the ADVERTISEMENT") it goes back to the start-up deadline the RFC gives, if the wait for the
 * configured master had put it later: a higher-priority member that comes up beside a
 * lower-priority Active router preempts it as soon as without the wait.
 */
function endFirstElection(d: Draft): void {
  if (!d.state.firstElection) return;
  d.state.firstElection = false;
  const deadline = d.timers.activeDown;
  const rfcDeadline = d.state.since + startListenMs(d);
  if (d.state.downCause === 'startup' && deadline !== undefined && deadline > rfcDeadline) {
    armActiveDown(d, Math.max(0, rfcDeadline - d.now), 'startup');
  }
}

function addFault(d: Draft, source: string): void {
  if (!d.state.faults.includes(source)) d.state.faults = [...d.state.faults, source];
}

function removeFault(d: Draft, source: string): void {
  d.state.faults = d.state.faults.filter((f) => f !== source);
}

function onInitialize(d: Draft, event: FsmEvent): void {
  switch (event.type) {
    case 'startup':
      if (d.state.started) return;
      d.state.started = true;
      if (d.params.startupDelayMs > 0) arm(d, 'startup', d.now + d.params.startupDelayMs);
      else start(d);
      return;
    case 'timer':
      if (event.timer === 'startup') start(d);
      return;
    case 'shutdown':
      d.state.started = false;
      cancelAll(d);
      return;
    case 'advert': // §6.4.1: Initialize does not take part in the protocol yet.
      return;
    case 'fault-raised':
      addFault(d, event.source);
      return;
    case 'fault-cleared':
      removeFault(d, event.source);
      return;
    case 'priority':
      d.state.priority = event.priority;
      return;
    case 'step-down':
    case 'resume':
      setHold(d, event.type === 'step-down');
      return;
    case 'reconfigured': // The parameters are read at start-up.
    case 'stray-removed': // Not in the protocol yet: nobody to ask.
    case 'sync-go': // Not in the protocol yet: no role to take or leave.
    case 'sync-backup':
      return;
    default:
      assertNever(event);
  }
}

/** Outside Active and Backup a hold only takes effect later: nothing else to do. */
function setHold(d: Draft, held: boolean): void {
  d.state.held = held;
}

const DOWN_REASON: Readonly<Record<DownCause, TransitionReason>> = {
  startup: 'no-active-seen',
  silence: 'active-down',
  release: 'active-released',
  preempt: 'preempt',
};

/**
 * §6.4.2: "If the Priority in the ADVERTISEMENT is greater than or equal to the local Priority
 * or Preempt_Mode is False" the Backup follows; otherwise it preempts. A held Backup never does.
 */
function outranksActive(d: Draft): boolean {
  const active = d.state.activePriority;
  return d.params.preempt && !d.state.held && active !== null && active < d.state.priority;
}

/**
 * Starts or stops a preemption to match outranksActive(); true when the Active_Down_Timer is to
 * run towards it (no delay: §6.4.2 "Discard the ADVERTISEMENT", the timer is not reset). With a
 * delay (an extension) the preempt timer runs instead, from the first time this held; one under
 * way that still holds is left alone, so that a priority moving every second (a tracked file)
 * cannot postpone the preemption forever.
 */
function decidePreemption(d: Draft): boolean {
  const preempting = outranksActive(d);
  const delayed = d.params.preemptDelayMs > 0;
  if (preempting && delayed) {
    if (d.timers.preempt === undefined) arm(d, 'preempt', d.now + d.params.preemptDelayMs);
  } else {
    cancel(d, 'preempt');
  }
  return preempting && !delayed;
}

/**
 * Our priority, Preempt_Mode or hold changed under a Backup: decide again now rather than at the
 * Active router's next advertisement. If the Active_Down_Timer was running towards a preemption
 * that no longer holds, the Active router's advertisements were being discarded: follow it
 * again from now.
 */
function reconsiderPreemption(d: Draft): void {
  if (decidePreemption(d)) d.state.downCause = 'preempt';
  else if (d.state.downCause === 'preempt') {
    d.state.wantsActive = null;
    armActiveDown(d, activeDownIntervalMs(d.state.priority, d.state.activeAdverIntervalCs), 'silence');
  }
}

/**
 * A Backup's timer says take the role (§6.4.2). In a sync group it waits for the others instead
 * (keepalived's vrrp_sync_can_goto_master: "prefer backup state to avoid thrashing"); the runtime
 * answers with sync-go once all want it.
 */
function takeRole(d: Draft, reason: TransitionReason): void {
  if (d.params.syncGroup !== true) {
    becomeActive(d, reason);
    return;
  }
  d.state.wantsActive = reason;
  d.actions.push({ type: 'want-active' });
  // Still a Backup, so its Active_Down_Timer runs on (keepalived re-arms it too): it fires again
  // if nobody advertises meanwhile, and the want is repeated; the reason stays the first one.
  if (d.timers.activeDown === undefined) arm(d, 'activeDown', d.now + activeDownIntervalMs(d.state.priority, d.state.activeAdverIntervalCs));
}

/** §6.4.2 "If the Priority in the ADVERTISEMENT is zero" / "greater than or equal" / else. */
function backupOnAdvert(d: Draft, event: Extract<FsmEvent, { type: 'advert' }>): void {
  const { priority, maxAdvertIntervalCs } = event.adv;
  if (priority === RELEASE_PRIORITY) {
    d.state.firstElection = false;
    // "Set the Active_Down_Timer to Skew_Time." Nobody is Active now: nobody to preempt.
    d.state.activePriority = null;
    cancel(d, 'preempt');
    armActiveDown(d, skewTimeMs(d.state.priority, d.state.activeAdverIntervalCs), 'release');
    return;
  }
  // Whoever advertises is the Active router now, even one this router is about to preempt.
  d.state.activeAddress = event.from;
  d.state.activePriority = priority;
  if (decidePreemption(d)) {
    // "Discard the ADVERTISEMENT": the timer keeps running and this router preempts when it fires.
    endFirstElection(d);
    d.state.downCause = 'preempt';
    return;
  }
  // "Set Active_Adver_Interval to Max Advertise Interval contained in the ADVERTISEMENT;
  //  Recompute the Skew_Time; Recompute the Active_Down_Interval; Reset the Active_Down_Timer."
  d.state.firstElection = false;
  d.state.activeAdverIntervalCs = maxAdvertIntervalCs;
  // Following an Active router again: no longer waiting for the sync group to take the role.
  d.state.wantsActive = null;
  armActiveDown(d, activeDownIntervalMs(d.state.priority, maxAdvertIntervalCs), 'silence');
}

function onBackup(d: Draft, event: FsmEvent): void {
  switch (event.type) {
    case 'startup':
      return;
    case 'timer':
      if (event.timer === 'nudge') {
        nudgeAgain(d);
        return;
      }
      if (d.state.held) {
        // Stepped down: keep listening, never take the role.
        if (event.timer === 'activeDown') armActiveDown(d, activeDownIntervalMs(d.state.priority, d.state.activeAdverIntervalCs), 'silence');
        return;
      }
      if (event.timer === 'activeDown') takeRole(d, DOWN_REASON[d.state.downCause]);
      else if (event.timer === 'preempt') takeRole(d, 'preempt');
      return;
    case 'advert':
      backupOnAdvert(d, event);
      return;
    case 'step-down':
    case 'resume':
      // A held Backup preempts nobody; once resumed it preempts a lower Active router again.
      setHold(d, event.type === 'step-down');
      if (d.state.held) d.state.wantsActive = null;
      reconsiderPreemption(d);
      return;
    case 'sync-go':
      if (d.state.wantsActive !== null) becomeActive(d, d.state.wantsActive);
      return;
    case 'sync-backup': // Backup already.
      return;
    case 'shutdown':
      // §6.4.2 Shutdown: "Cancel the Active_Down_Timer; Transition to the Initialize state."
      enter(d, 'initialize', 'shutdown');
      cancelAll(d);
      d.state.started = false;
      return;
    case 'fault-raised':
      addFault(d, event.source);
      enter(d, 'fault', 'fault');
      cancelAll(d);
      return;
    case 'fault-cleared':
      removeFault(d, event.source);
      return;
    case 'priority':
      // Skew_Time follows the new priority from the next reset of the Active_Down_Timer on.
      d.state.priority = event.priority;
      reconsiderPreemption(d);
      return;
    case 'stray-removed':
      // Ask the Active router to re-announce (NUDGE_PRIORITY); held or not, this outranks nobody.
      // Not an Active router of priority 1 itself: an equal priority goes by address (§6.4.3),
      // and a higher one here would take its role away.
      // Nor anybody not heard yet (activePriority null): nobody to ask.
      if (!someoneToNudge(d)) return;
      d.actions.push({ type: 'send-advert', priority: NUDGE_PRIORITY });
      return;
    case 'reconfigured':
      // Taken out of its sync group while waiting for it: nothing to wait for any more.
      if (d.state.wantsActive !== null && d.params.syncGroup !== true) {
        becomeActive(d, d.state.wantsActive);
        return;
      }
      // Preempt_Mode or the preempt delay may have changed. A new Advertisement_Interval needs
      // nothing here: a Backup times the Active router by its advertised interval.
      reconsiderPreemption(d);
      // Still waiting for the group's first election: a new groupMasterWaitMs (or interval)
      // moves the deadline, counted from start-up as before, not from the reload.
      if (d.state.firstElection && d.state.downCause === 'startup' && d.timers.activeDown !== undefined &&
          d.timers.activeDown !== Math.max(d.now, firstElectionDeadline(d))) {
        armFirstElectionWait(d);
      }
      return;
    default:
      assertNever(event);
  }
}

/** An Active router is known that a priority-1 request outranks nobody of (see stray-removed). */
function someoneToNudge(d: Draft): boolean {
  return d.state.activePriority !== null && d.state.activePriority > NUDGE_PRIORITY;
}

/** One of the PARTING_NUDGES, while the better router it gave way to is still the one heard. */
function nudgeAgain(d: Draft): void {
  if (d.state.nudgesLeft <= 0 || !someoneToNudge(d)) return;
  d.state.nudgesLeft--;
  d.actions.push({ type: 'send-advert', priority: NUDGE_PRIORITY });
  if (d.state.nudgesLeft > 0) arm(d, 'nudge', d.now + intervalMs(d.params.advertIntervalCs));
}

function sendAdvertNow(d: Draft): void {
  d.actions.push({ type: 'send-advert', priority: d.state.priority });
  arm(d, 'adver', d.now + intervalMs(d.params.advertIntervalCs));
}

/** §6.4.3 "If an ADVERTISEMENT is received". */
function activeOnAdvert(d: Draft, event: Extract<FsmEvent, { type: 'advert' }>): void {
  const { priority, maxAdvertIntervalCs } = event.adv;
  if (priority === RELEASE_PRIORITY) {
    // "Send an ADVERTISEMENT; Reset the Adver_Timer to Advertisement_Interval." Only an Active
    // router sends priority 0, so there were two: the neighbours may still point at the one
    // that just left (a split brain ending with a shutdown or a fault over there).
    answer(d, 'release-seen');
    return;
  }
  const local = { priority: d.state.priority, address: d.params.primaryAddress };
  if (preferred(local, { priority, address: event.from }) === Preference.Remote) {
    // §6.4.3 goes Backup without a word. One last advertisement with our own priority closes
    // the race of a healing split brain: if this router heard the winner first, the winner has
    // heard nothing from it and would not re-announce, leaving the neighbours pointing here.
    // This advertisement is the lower priority that makes the winner advertise and announce
    // (below). A Backup that hears it treats it as any advertisement of that priority, and the
    // winner's answer follows at once (see fsm-split-brain.test.ts).
    const reason = priority > d.state.priority ? 'higher-priority-seen' : 'equal-priority-higher-address';
    leaveActive(d, 'backup', reason, d.state.priority);
    d.state.activeAddress = event.from;
    d.state.activePriority = priority;
    d.state.nudgesLeft = PARTING_NUDGES;
    arm(d, 'nudge', d.now + intervalMs(d.params.advertIntervalCs));
    // "Set Active_Adver_Interval to Max Advertise Interval contained in the ADVERTISEMENT;
    //  Recompute the Skew_Time and Active_Down_Interval; Set Active_Down_Timer."
    d.state.activeAdverIntervalCs = maxAdvertIntervalCs;
    armActiveDown(d, activeDownIntervalMs(d.state.priority, maxAdvertIntervalCs), 'silence');
    return;
  }
  reportSplitBrain(d, event);
  // RFC 9568 §6.4.3: discard it and send an ADVERTISEMENT at once, so that after a split brain
  // the network relearns who is Active; the fresh announcement refreshes stale ARP/ND caches.
  answer(d, 'lower-priority-seen');
}

/**
 * An advertisement this Active router wins against (§6.4.3 "lower priority, or equal priority
 * and lower primary address") means a second Active router: a split brain, reported for the
 * operator (every one: the runtime rate-limits). Not what only looks like one: a release
 * (priority 0, handled before) is the other router leaving; a priority-1 advertisement is
 * NUDGE_PRIORITY, a Backup asking for a re-announcement (so an Active router configured at
 * priority 1 goes unreported); and in this router's first Active_Down_Interval as Active, the
 * router it preempted (or, as the owner, displaced at start) still advertises once or twice as
 * it gives way (its parting advertisement, one already on the wire): a handover, not a split
 * brain. A second Active router that stays is reported from then on.
 */
function reportSplitBrain(d: Draft, event: Extract<FsmEvent, { type: 'advert' }>): void {
  if (event.adv.priority === NUDGE_PRIORITY) return;
  if (d.now - d.state.since < activeDownIntervalMs(d.state.priority, d.params.advertIntervalCs)) return;
  d.actions.push({ type: 'split-brain', peer: event.from, priority: event.adv.priority });
}

/**
 * The immediate advertisement and announcement an Active router answers another one with, at
 * most once per Advertisement_Interval: one answer tells the other router and the neighbours
 * what they need, and the Adver_Timer goes on from it. Without the bound, a spoofer sending
 * lower-priority or priority-0 advertisements made the master send as fast as it received.
 */
function answer(d: Draft, cause: 'release-seen' | 'lower-priority-seen'): void {
  if (d.now - d.state.answeredAt < intervalMs(d.params.advertIntervalCs)) return;
  d.state.answeredAt = d.now;
  sendAdvertNow(d);
  d.actions.push({ type: 'announce', cause });
}

function onActive(d: Draft, event: FsmEvent): void {
  switch (event.type) {
    case 'startup':
      return;
    case 'timer':
      // §6.4.3 "If the Adver_Timer fires": send and reset it.
      if (event.timer === 'adver') sendAdvertNow(d);
      return;
    case 'advert':
      activeOnAdvert(d, event);
      return;
    case 'shutdown':
      // §6.4.3 Shutdown: "Cancel the Adver_Timer; Send an ADVERTISEMENT with Priority = 0".
      leaveActive(d, 'initialize', 'shutdown', RELEASE_PRIORITY);
      d.state.started = false;
      return;
    case 'fault-raised':
      // A faulty router leaves as if shutting down, so that a Backup takes over in Skew_Time.
      addFault(d, event.source);
      leaveActive(d, 'fault', 'fault', RELEASE_PRIORITY);
      return;
    case 'fault-cleared':
      removeFault(d, event.source);
      return;
    case 'priority':
      // Tell the Backups at once, so that a higher one can preempt without waiting a full interval.
      d.state.priority = event.priority;
      sendAdvertNow(d);
      return;
    case 'step-down':
      // As a shutdown (§6.4.3: priority 0, so a Backup takes over after Skew_Time), but the
      // instance stays in the protocol as a Backup that follows the new Active router.
      setHold(d, true);
      leaveActive(d, 'backup', 'step-down', RELEASE_PRIORITY);
      d.state.activeAdverIntervalCs = d.params.advertIntervalCs;
      armActiveDown(d, activeDownIntervalMs(d.state.priority, d.params.advertIntervalCs), 'silence');
      return;
    case 'resume':
      setHold(d, false);
      return;
    case 'sync-go': // Active already.
      return;
    case 'sync-backup':
      // keepalived's vrrp_sync_backup: Backup with the member that went Backup, silently (no
      // release): the other side's member takes over as its Active_Down_Timer fires, and this
      // one does not take the role back while that member stays Backup (takeRole).
      leaveActive(d, 'backup', 'sync-group', null);
      d.state.activeAdverIntervalCs = d.params.advertIntervalCs;
      armActiveDown(d, activeDownIntervalMs(d.state.priority, d.params.advertIntervalCs), 'silence');
      return;
    case 'stray-removed': // An Active router holds its addresses: none of them is stray.
      return;
    case 'reconfigured':
      // Every advertisement carries the parameters' interval, so the next one tells the Backups
      // of a new one; the Adver_Timer armed with the old interval fires once more, which is safe
      // either way: a Backup times us by the interval it last heard.
      return;
    default:
      assertNever(event);
  }
}

function onFault(d: Draft, event: FsmEvent): void {
  switch (event.type) {
    case 'startup':
    case 'advert':
    case 'timer':
      // A faulty router takes no part: it holds no addresses and arms no timers.
      return;
    case 'shutdown':
      enter(d, 'initialize', 'shutdown');
      d.state.started = false;
      return;
    case 'fault-raised':
      addFault(d, event.source);
      return;
    case 'fault-cleared':
      removeFault(d, event.source);
      if (d.state.faults.length > 0) return;
      enter(d, 'backup', 'fault-cleared');
      d.state.activeAdverIntervalCs = d.params.advertIntervalCs;
      forgetActive(d);
      // As at start-up: nobody has been heard yet, so a takeover is "no-active-seen". Before the
      // group's first election the start-up preferences hold (armFirstElectionWait).
      if (d.state.firstElection) armFirstElectionWait(d);
      else armActiveDown(d, activeDownIntervalMs(d.state.priority, d.params.advertIntervalCs), 'startup');
      return;
    case 'priority':
      d.state.priority = event.priority;
      return;
    case 'step-down':
    case 'resume':
      setHold(d, event.type === 'step-down');
      return;
    case 'sync-go': // A faulty router takes no role.
    case 'sync-backup':
      return;
    case 'stray-removed':
      // Out of the protocol: it knows no Active router to ask (and one of priority 1 could lose
      // its role to the address tie-break). Its copy is gone; the Active router's own
      // announcements, and the follow-up after a split, set the neighbours right.
      return;
    case 'reconfigured': // Nothing runs in Fault; leaving it reads the parameters.
      return;
    default:
      assertNever(event);
  }
}

function assertNever(event: never): never {
  throw new Error(`unhandled event ${JSON.stringify(event)}`);
}

const HANDLERS: Readonly<Record<StateName, (d: Draft, event: FsmEvent) => void>> = {
  initialize: onInitialize,
  backup: onBackup,
  active: onActive,
  fault: onFault,
};

function isStaleTimer(state: InstanceState, event: FsmEvent): boolean {
  return event.type === 'timer' && state.timers[event.timer] === undefined;
}

export function step(params: InstanceParams, state: InstanceState, event: FsmEvent): StepResult {
  // A timer the state no longer holds was cancelled after the scheduler picked it: ignore it.
  if (isStaleTimer(state, event)) return { state, actions: [] };
  const d: Draft = { state: { ...state }, timers: { ...state.timers }, actions: [], params, now: event.now };
  // A fired timer is no longer armed; the handler re-arms it if it wants it again.
  if (event.type === 'timer') delete d.timers[event.timer];
  HANDLERS[state.name](d, event);
  d.state.timers = d.timers;
  return { state: d.state, actions: d.actions };
}
