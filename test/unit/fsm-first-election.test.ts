/**
 * The group's first election after start-up (an extension for IP failover groups): the
 * configured master keeps its start-up preference when it comes out of a start-up Fault, and a
 * member that knows the configured master waits for it (groupMasterWaitMs) while it hears nobody.
 * Once anybody has been heard, or this router has been Active, RFC 9568's timing applies.
 */

import t from 'tap';
import { GROUP_MASTER_START_INTERVALS } from '../../src/protocol/fsm.js';
import { activeDownIntervalMs, intervalMs, skewTimeMs } from '../../src/protocol/timers.js';
import { active, advert, HIGHER_PEER, LOWER_PEER, params, run } from '../helpers/fsm.js';

const INTERVAL_CS = 100;
const WAIT_MS = 10_000;
const groupMasterListenMs = (priority: number) => GROUP_MASTER_START_INTERVALS * intervalMs(INTERVAL_CS) + skewTimeMs(priority, INTERVAL_CS);
/** A member that knows the configured master (the runtime passes its wait only then). */
const member = (priority = 100) => params({ priority, groupMasterWaitMs: WAIT_MS });
const waitDeadline = (priority: number, startedAt = 0) => startedAt + WAIT_MS + skewTimeMs(priority, INTERVAL_CS);

const timer = (now: number) => ({ type: 'timer' as const, timer: 'activeDown' as const, now });
const raised = (now: number, source = 'track-script:web') => ({ type: 'fault-raised' as const, source, now });
const cleared = (now: number, source = 'track-script:web') => ({ type: 'fault-cleared' as const, source, now });

t.test('the configured master leaving a start-up Fault listens as at start-up, not Active_Down_Interval', async (t) => {
  const p = params({ priority: 150, groupMaster: true });
  const { state, actions } = run(p, [raised(0), { type: 'startup', now: 0 }, cleared(700)]);
  t.equal(state.name, 'backup');
  t.same(actions, [
    { type: 'transition', from: 'fault', to: 'backup', reason: 'fault-cleared' },
    { type: 'arm', timer: 'activeDown', at: 700 + groupMasterListenMs(150) },
  ], 'its health check was still proving itself: it is starting, so it keeps its preference');
  const took = run(p, [timer(700 + groupMasterListenMs(150))], state);
  t.equal(took.state.name, 'active');
  t.equal(took.state.reason, 'no-active-seen');
});

t.test('the configured master faulted while still listening at start keeps its preference too', async (t) => {
  const p = params({ priority: 150, groupMaster: true });
  const { state } = run(p, [{ type: 'startup', now: 0 }, raised(300, 'link'), cleared(1200, 'link')]);
  t.equal(state.timers.activeDown, 1200 + groupMasterListenMs(150), 'a link late to come up');
});

t.test('after the first election, leaving Fault waits the full Active_Down_Interval again', async (t) => {
  const p = params({ priority: 150, groupMaster: true });
  const wasActive = run(p, [raised(9000), cleared(9500)], active(p)).state;
  t.equal(wasActive.timers.activeDown, 9500 + activeDownIntervalMs(150, INTERVAL_CS), 'it has been Active');
  const heard = run(p, [{ type: 'startup', now: 0 }, advert(200, HIGHER_PEER, 100), raised(200), cleared(900)]).state;
  t.equal(heard.timers.activeDown, 900 + activeDownIntervalMs(150, INTERVAL_CS), 'it heard an Active router');
  t.equal(heard.firstElection, false);
});

t.test('a member that knows the configured master and hears nobody waits groupMasterWaitMs, plus its Skew_Time', async (t) => {
  const p = member(100);
  const started = run(p, [{ type: 'startup', now: 0 }]);
  t.same(started.actions, [
    { type: 'transition', from: 'initialize', to: 'backup', reason: 'startup' },
    { type: 'arm', timer: 'activeDown', at: waitDeadline(100) },
  ]);
  t.ok(waitDeadline(100) > activeDownIntervalMs(100, INTERVAL_CS), 'later than §6.4.1 alone');
  const took = run(p, [timer(waitDeadline(100))], started.state);
  t.equal(took.state.name, 'active', 'the wait is bounded: with nobody heard it takes the role');
  t.equal(took.state.reason, 'no-active-seen');
  // Two waiting members keep the RFC's order: the higher priority first.
  t.ok(waitDeadline(100) < waitDeadline(50));
});

t.test('the wait never shortens §6.4.1: with a small groupMasterWaitMs the member listens Active_Down_Interval', async (t) => {
  const p = params({ priority: 100, groupMasterWaitMs: 10 });
  t.equal(run(p, [{ type: 'startup', now: 0 }]).state.timers.activeDown, activeDownIntervalMs(100, INTERVAL_CS));
});

t.test('hearing the configured master ends the wait: RFC 9568 from then on, failover timing unchanged', async (t) => {
  const p = member(100);
  const following = run(p, [{ type: 'startup', now: 0 }, advert(150, HIGHER_PEER, 3000)]).state;
  t.equal(following.timers.activeDown, 3000 + activeDownIntervalMs(100, INTERVAL_CS));
  t.equal(following.downCause, 'silence');
  const failover = run(p, [timer(3000 + activeDownIntervalMs(100, INTERVAL_CS))], following).state;
  t.equal(failover.name, 'active', 'the configured master fell silent: takeover after Active_Down_Interval');
  t.equal(failover.reason, 'active-down');
  const released = run(p, [advert(0, HIGHER_PEER, 5000)], following).state;
  t.equal(released.timers.activeDown, 5000 + skewTimeMs(100, INTERVAL_CS), 'a release: Skew_Time (§6.4.2)');
  // And a second start-up Fault after the group elected does not bring the wait back.
  const afterFault = run(p, [raised(5000), cleared(5100)], following).state;
  t.equal(afterFault.timers.activeDown, 5100 + activeDownIntervalMs(100, INTERVAL_CS));
});

t.test('hearing a release while waiting: somebody was Active, so Skew_Time as §6.4.2 says', async (t) => {
  const p = member(100);
  const { state } = run(p, [{ type: 'startup', now: 0 }, advert(0, LOWER_PEER, 4000)]);
  t.equal(state.timers.activeDown, 4000 + skewTimeMs(100, INTERVAL_CS));
  t.equal(run(p, [timer(4000 + skewTimeMs(100, INTERVAL_CS))], state).state.reason, 'active-released');
});

t.test('a lower-priority Active router heard while waiting is preempted on the RFC start-up deadline', async (t) => {
  const p = member(100);
  const early = run(p, [{ type: 'startup', now: 0 }, advert(50, LOWER_PEER, 500)]);
  t.same(early.actions, [{ type: 'arm', timer: 'activeDown', at: activeDownIntervalMs(100, INTERVAL_CS) }],
    '§6.4.2 discards it and the start-up timer runs on, as without the wait');
  t.equal(run(p, [timer(activeDownIntervalMs(100, INTERVAL_CS))], early.state).state.reason, 'preempt');
  // Heard after that deadline (the wait had put it off): preempt now.
  const late = run(p, [{ type: 'startup', now: 0 }, advert(50, LOWER_PEER, 6000)]);
  t.same(late.actions, [{ type: 'arm', timer: 'activeDown', at: 6000 }]);
  // Without Preempt_Mode it follows the lower-priority router, as §6.4.2 says.
  const noPreempt = run({ ...p, preempt: false }, [{ type: 'startup', now: 0 }, advert(50, LOWER_PEER, 6000)]).state;
  t.equal(noPreempt.timers.activeDown, 6000 + activeDownIntervalMs(100, INTERVAL_CS));
});

t.test('a member in a start-up Fault still waits from its start-up, not from leaving Fault', async (t) => {
  const p = member(100);
  const soon = run(p, [raised(0), { type: 'startup', now: 0 }, cleared(2000)]).state;
  t.equal(soon.timers.activeDown, waitDeadline(100), 'the configured master may still be booting');
  const late = run(p, [raised(0), { type: 'startup', now: 0 }, cleared(20_000)]).state;
  t.equal(late.timers.activeDown, 20_000 + activeDownIntervalMs(100, INTERVAL_CS), 'the wait has passed: §6.4.1 alone');
});

t.test('the wait counts from §6.4.1 start-up, after the start-up delay', async (t) => {
  const p = { ...member(100), startupDelayMs: 3000 };
  const { state } = run(p, [{ type: 'startup', now: 0 }, { type: 'timer', timer: 'startup', now: 3000 }]);
  t.equal(state.timers.activeDown, waitDeadline(100, 3000));
});

t.test('a reload during the wait moves its deadline, still counted from start-up', async (t) => {
  const { state } = run(member(), [{ type: 'startup', now: 0 }]);
  t.equal(state.timers.activeDown, waitDeadline(100));
  const shorter = run(params({ priority: 100, groupMasterWaitMs: 4000 }), [{ type: 'reconfigured', now: 2000 }], state);
  t.equal(shorter.state.timers.activeDown, waitDeadline(100) - WAIT_MS + 4000, 'groupMasterWaitMs 10 s → 4 s');
  const off = run(params({ priority: 100, groupMasterWaitMs: 0 }), [{ type: 'reconfigured', now: 2000 }], state);
  t.equal(off.state.timers.activeDown, activeDownIntervalMs(100, INTERVAL_CS), 'turned off: §6.4.1 from start-up');
  const heard = run(member(), [advert(200, HIGHER_PEER, 2100)], state);
  const later = run(params({ priority: 100, groupMasterWaitMs: 4000 }), [{ type: 'reconfigured', now: 2200 }], heard.state);
  t.equal(later.state.timers.activeDown, heard.state.timers.activeDown, 'after the first election a reload leaves the timer alone');
});
