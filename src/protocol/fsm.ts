/**
 * The RFC 9568 §6 state machine as a pure function: step(params, state, event) → state, actions.
 *
 * One handler per state, and each handles every event explicitly (a `never` check keeps it so).
 * Action order is a contract the runtime follows and the tests pin down:
 *   - every change of state starts with its `transition` action (the runtime writes its log line
 *     once the step's wire actions are done, in the same tick);
 *   - becoming Active adds the addresses, sends an advertisement, then announces (§6.4.2);
 *   - leaving Active sends priority 0 (where §6.4.3 says so), then removes the addresses.
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
    held: false,
    activeAddress: null,
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
}

function armActiveDown(d: Draft, afterMs: number, cause: DownCause): void {
  arm(d, 'activeDown', d.now + afterMs);
  d.state.downCause = cause;
}

/** Backup → Active, or Initialize → Active for the owner (§6.4.1, §6.4.2 "Active_Down_Timer fires"). */
function becomeActive(d: Draft, reason: TransitionReason): void {
  enter(d, 'active', reason);
  cancelAll(d);
  d.state.activeAddress = d.params.primaryAddress;
  d.state.activeAdverIntervalCs = d.params.advertIntervalCs;
  // §6.1 Accept_Mode; the owner always accepts packets to its own addresses (§6.4.3).
  d.actions.push({ type: 'add-vips', accept: d.params.acceptMode || d.params.priority === OWNER_PRIORITY });
  d.actions.push({ type: 'send-advert', priority: d.state.priority });
  d.actions.push({ type: 'announce', cause: 'became-active' });
  arm(d, 'adver', d.now + intervalMs(d.params.advertIntervalCs));
}

/** Leaves Active: §6.4.3 Shutdown sends priority 0 first; then the addresses go. */
function leaveActive(d: Draft, to: StateName, reason: TransitionReason, release: boolean): void {
  enter(d, to, reason);
  d.state.activeAddress = null;
  cancelAll(d);
  if (release) d.actions.push({ type: 'send-advert', priority: RELEASE_PRIORITY });
  // The owner's addresses are its own interface addresses (§5.2.4): they stay where they are.
  if (d.params.priority !== OWNER_PRIORITY) d.actions.push({ type: 'del-vips' });
}

/** §6.4.1 start-up, after the optional start-up delay. */
function start(d: Draft): void {
  cancel(d, 'startup');
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
  d.state.activeAddress = null;
  // The group's configured master is preferred at start: it listens for two
  // Advertisement_Intervals (plus its Skew_Time) instead of three. An Active router advertises
  // within that time even if one advertisement is lost, so it still defers to one that is there;
  // if nobody is, it takes the role a full interval sooner than any other member, which is what
  // makes it the master at initial provisioning.
  const waitMs = d.params.groupMaster
    ? GROUP_MASTER_START_INTERVALS * intervalMs(d.params.advertIntervalCs) + skewTimeMs(d.state.priority, d.params.advertIntervalCs)
    : activeDownIntervalMs(d.state.priority, d.params.advertIntervalCs);
  armActiveDown(d, waitMs, 'startup');
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

/** §6.4.2 "If the Priority in the ADVERTISEMENT is zero" / "greater than or equal" / else. */
function backupOnAdvert(d: Draft, event: Extract<FsmEvent, { type: 'advert' }>): void {
  const { priority, maxAdvertIntervalCs } = event.adv;
  if (priority === RELEASE_PRIORITY) {
    // "Set the Active_Down_Timer to Skew_Time."
    armActiveDown(d, skewTimeMs(d.state.priority, d.state.activeAdverIntervalCs), 'release');
    return;
  }
  // Whoever advertises is the Active router now, even one this router is about to preempt.
  d.state.activeAddress = event.from;
  const lower = priority < d.state.priority;
  if (lower && d.params.preempt && d.params.preemptDelayMs === 0) {
    // "Discard the ADVERTISEMENT": the timer keeps running and this router preempts when it fires.
    d.state.downCause = 'preempt';
    return;
  }
  if (lower && d.params.preempt) {
    // Preempt delay (extension): keep following this Active router until the delay, counted from
    // the first lower-priority advertisement seen, has passed.
    if (d.timers.preempt === undefined) arm(d, 'preempt', d.now + d.params.preemptDelayMs);
  } else {
    cancel(d, 'preempt');
  }
  // "Set Active_Adver_Interval to Max Advertise Interval contained in the ADVERTISEMENT;
  //  Recompute the Skew_Time; Recompute the Active_Down_Interval; Reset the Active_Down_Timer."
  d.state.activeAdverIntervalCs = maxAdvertIntervalCs;
  armActiveDown(d, activeDownIntervalMs(d.state.priority, maxAdvertIntervalCs), 'silence');
}

function onBackup(d: Draft, event: FsmEvent): void {
  switch (event.type) {
    case 'startup':
      return;
    case 'timer':
      if (d.state.held) {
        // Stepped down: keep listening, never take the role.
        if (event.timer === 'activeDown') armActiveDown(d, activeDownIntervalMs(d.state.priority, d.state.activeAdverIntervalCs), 'silence');
        return;
      }
      if (event.timer === 'activeDown') becomeActive(d, DOWN_REASON[d.state.downCause]);
      else if (event.timer === 'preempt') becomeActive(d, 'preempt');
      return;
    case 'advert':
      backupOnAdvert(d, event);
      return;
    case 'step-down':
      setHold(d, true);
      cancel(d, 'preempt');
      return;
    case 'resume':
      setHold(d, false);
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
      // Skew_Time follows the new priority from the next advertisement on. A pending preempt
      // delay was decided with the old priority: the next lower advertisement decides again.
      d.state.priority = event.priority;
      cancel(d, 'preempt');
      return;
    default:
      assertNever(event);
  }
}

function sendAdvertNow(d: Draft): void {
  d.actions.push({ type: 'send-advert', priority: d.state.priority });
  arm(d, 'adver', d.now + intervalMs(d.params.advertIntervalCs));
}

/** §6.4.3 "If an ADVERTISEMENT is received". */
function activeOnAdvert(d: Draft, event: Extract<FsmEvent, { type: 'advert' }>): void {
  const { priority, maxAdvertIntervalCs } = event.adv;
  if (priority === RELEASE_PRIORITY) {
    // "Send an ADVERTISEMENT; Reset the Adver_Timer to Advertisement_Interval."
    sendAdvertNow(d);
    return;
  }
  const local = { priority: d.state.priority, address: d.params.primaryAddress };
  if (preferred(local, { priority, address: event.from }) === Preference.Remote) {
    leaveActive(d, 'backup', priority > d.state.priority ? 'higher-priority-seen' : 'equal-priority-higher-address', false);
    d.state.activeAddress = event.from;
    // "Set Active_Adver_Interval to Max Advertise Interval contained in the ADVERTISEMENT;
    //  Recompute the Skew_Time and Active_Down_Interval; Set Active_Down_Timer."
    d.state.activeAdverIntervalCs = maxAdvertIntervalCs;
    armActiveDown(d, activeDownIntervalMs(d.state.priority, maxAdvertIntervalCs), 'silence');
    return;
  }
  // RFC 9568 §6.4.3: discard it and send an ADVERTISEMENT at once, so that after a split brain
  // the network relearns who is Active; the fresh announcement refreshes stale ARP/ND caches.
  sendAdvertNow(d);
  d.actions.push({ type: 'announce', cause: 'lower-priority-seen' });
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
      leaveActive(d, 'initialize', 'shutdown', true);
      d.state.started = false;
      return;
    case 'fault-raised':
      // A faulty router leaves as if shutting down, so that a Backup takes over in Skew_Time.
      addFault(d, event.source);
      leaveActive(d, 'fault', 'fault', true);
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
      leaveActive(d, 'backup', 'step-down', true);
      d.state.activeAdverIntervalCs = d.params.advertIntervalCs;
      armActiveDown(d, activeDownIntervalMs(d.state.priority, d.params.advertIntervalCs), 'silence');
      return;
    case 'resume':
      setHold(d, false);
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
      // As at start-up: nobody has been heard yet, so a takeover is "no-active-seen".
      armActiveDown(d, activeDownIntervalMs(d.state.priority, d.params.advertIntervalCs), 'startup');
      return;
    case 'priority':
      d.state.priority = event.priority;
      return;
    case 'step-down':
    case 'resume':
      setHold(d, event.type === 'step-down');
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
