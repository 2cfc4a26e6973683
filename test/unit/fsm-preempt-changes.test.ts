/**
 * Preemption while this Backup's priority or configuration changes (RFC 9568 §6.4.2: a Backup
 * preempts only an Active router whose priority is lower than its own, with Preempt_Mode on).
 * A change that does not change that outcome leaves a preemption under way alone; one that does
 * starts or stops it at once.
 */

import t from 'tap';
import type { FsmEvent } from '../../src/protocol/fsm-types.js';
import { activeDownIntervalMs, skewTimeMs } from '../../src/protocol/timers.js';
import { active, advert, backup, LOWER_PEER, params, run } from '../helpers/fsm.js';

const priority = (value: number, now: number): FsmEvent => ({ type: 'priority', priority: value, now });

t.test('a priority change that still beats the Active router keeps the preempt delay running', async (t) => {
  const p = params({ priority: 150, preemptDelayMs: 30000 });
  const waiting = run(p, [advert(100, LOWER_PEER, 1000)], backup(p)).state;
  const raised = run(p, [priority(160, 2000)], waiting);
  t.same(raised.actions, [], 'nothing cancelled, nothing re-armed');
  t.equal(raised.state.timers.preempt, 31000, 'still counted from the first sighting');
  const lowered = run(p, [priority(101, 3000)], raised.state);
  t.equal(lowered.state.timers.preempt, 31000, '101 still beats 100');
});

t.test('a tracked value moving every second does not postpone a 5 s preempt delay', async (t) => {
  // The Active router (100) advertises every second; this Backup's effective priority moves
  // between 150 and 152 every second, as a track file rewritten every second would make it.
  const p = params({ priority: 150, preemptDelayMs: 5000 });
  const events: FsmEvent[] = [];
  for (let k = 0; k < 5; k++) events.push(advert(100, LOWER_PEER, 1000 + k * 1000), priority(150 + ((k + 1) % 3), 1500 + k * 1000));
  const waiting = run(p, events, backup(p)).state;
  t.equal(waiting.timers.preempt, 6000, 'the delay started with the first advertisement seen');
  const fired = run(p, [{ type: 'timer', timer: 'preempt', now: 6000 }], waiting);
  t.equal(fired.state.name, 'active', 'preempted at the 5 s mark');
  t.equal(fired.state.reason, 'preempt');
});

t.test('a priority change that no longer beats the Active router cancels the preempt delay', async (t) => {
  const p = params({ priority: 150, preemptDelayMs: 30000 });
  const waiting = run(p, [advert(100, LOWER_PEER, 1000)], backup(p)).state;
  for (const value of [100, 90]) {
    const lowered = run(p, [priority(value, 2000)], waiting);
    t.same(lowered.actions, [{ type: 'cancel', timer: 'preempt' }], `${value}: equal or lower does not preempt`);
    const next = run(p, [advert(100, LOWER_PEER, 2100)], lowered.state);
    t.equal(next.state.timers.preempt, undefined, `${value}: the next advertisement does not start it again`);
  }
});

t.test('a priority change that now beats a lower Active router starts the preempt delay at once', async (t) => {
  const p = params({ priority: 100, preemptDelayMs: 5000 });
  const following = run(p, [advert(120, LOWER_PEER, 1000)], backup(p)).state;
  t.equal(following.timers.preempt, undefined, '120 beats 100: followed');
  const raised = run(p, [priority(130, 1500)], following);
  t.same(raised.actions, [{ type: 'arm', timer: 'preempt', at: 6500 }]);
  const later = run(p, [advert(120, LOWER_PEER, 2000)], raised.state);
  t.equal(later.state.timers.preempt, 6500, 'the next advertisement does not restart it');
});

t.test('without a delay, a priority change that now beats the Active router preempts when the timer fires', async (t) => {
  const p = params({ priority: 100 });
  const following = run(p, [advert(120, LOWER_PEER, 1000)], backup(p)).state;
  const deadline = following.timers.activeDown as number;
  const raised = run(p, [priority(130, 1500)], following);
  t.same(raised.actions, [], '§6.4.2: the timer keeps running; the advertisements are discarded from now on');
  t.equal(raised.state.downCause, 'preempt');
  const discarded = run(p, [advert(120, LOWER_PEER, 2000)], raised.state);
  t.same(discarded.actions, [], 'discarded');
  const fired = run(p, [{ type: 'timer', timer: 'activeDown', now: deadline }], discarded.state);
  t.equal(fired.state.name, 'active');
  t.equal(fired.state.reason, 'preempt');
});

t.test('without a delay, a priority change that no longer beats the Active router follows it again', async (t) => {
  const p = params({ priority: 150 });
  const preempting = run(p, [advert(100, LOWER_PEER, 1000)], backup(p)).state;
  t.equal(preempting.downCause, 'preempt');
  const lowered = run(p, [priority(90, 2000)], preempting);
  t.same(lowered.actions, [{ type: 'arm', timer: 'activeDown', at: 2000 + activeDownIntervalMs(90, 100) }], 'no preemption at the old deadline');
  t.equal(lowered.state.downCause, 'silence', 'a takeover now means the Active router fell silent');
  const followed = run(p, [advert(100, LOWER_PEER, 2500)], lowered.state);
  t.same(followed.actions, [{ type: 'arm', timer: 'activeDown', at: 2500 + activeDownIntervalMs(90, 100) }], 'its advertisements reset the timer again');
});

t.test('a priority change with no Active router known changes nothing but the priority', async (t) => {
  const p = params({ priority: 150, preemptDelayMs: 5000 });
  const released = run(p, [advert(100, LOWER_PEER, 1000), advert(0, LOWER_PEER, 1500)], backup(p));
  t.same(released.actions, [
    { type: 'cancel', timer: 'preempt' },
    { type: 'arm', timer: 'activeDown', at: 1500 + skewTimeMs(150, 100) },
  ], 'the Active router released: nobody to preempt, a takeover after Skew_Time');
  const raised = run(p, [priority(200, 1600)], released.state);
  t.same(raised.actions, []);
  t.equal(raised.state.downCause, 'release', 'the release takeover is kept');
  const fresh = run(p, [priority(200, 10)], backup(p));
  t.same(fresh.actions, []);
});

t.test('a held Backup does not start a preemption on a priority change', async (t) => {
  const p = params({ priority: 100, preemptDelayMs: 5000 });
  const held = run(p, [{ type: 'step-down', now: 1 }, advert(120, LOWER_PEER, 1000)], backup(p)).state;
  const raised = run(p, [priority(130, 1500)], held);
  t.same(raised.actions, []);
});

const reconfigured = (now: number): FsmEvent => ({ type: 'reconfigured', now });

t.test('a reload that turns preemption off cancels a pending preempt delay', async (t) => {
  const before = params({ priority: 150, preemptDelayMs: 30000 });
  const waiting = run(before, [advert(100, LOWER_PEER, 1000)], backup(before)).state;
  const after = params({ priority: 150, preemptDelayMs: 30000, preempt: false });
  const { state, actions } = run(after, [reconfigured(2000)], waiting);
  t.same(actions, [{ type: 'cancel', timer: 'preempt' }]);
  t.equal(state.timers.preempt, undefined);
  t.equal(state.name, 'backup');
});

t.test('a reload that turns preemption off (no delay) follows the Active router again from now', async (t) => {
  const before = params({ priority: 150 });
  const preempting = run(before, [advert(100, LOWER_PEER, 1000)], backup(before)).state;
  t.equal(preempting.downCause, 'preempt');
  const after = params({ priority: 150, preempt: false });
  const { state, actions } = run(after, [reconfigured(2000)], preempting);
  t.same(actions, [{ type: 'arm', timer: 'activeDown', at: 2000 + activeDownIntervalMs(150, 100) }]);
  t.equal(state.downCause, 'silence');
  const fired = run(after, [{ type: 'timer', timer: 'activeDown', now: state.timers.activeDown as number }], state);
  t.equal(fired.state.reason, 'active-down', 'a takeover now only if the Active router falls silent');
});

t.test('a reload that turns preemption on starts preempting a lower Active router', async (t) => {
  const before = params({ priority: 150, preempt: false, preemptDelayMs: 5000 });
  const following = run(before, [advert(100, LOWER_PEER, 1000)], backup(before)).state;
  t.equal(following.timers.preempt, undefined);
  const after = params({ priority: 150, preemptDelayMs: 5000 });
  t.same(run(after, [reconfigured(2000)], following).actions, [{ type: 'arm', timer: 'preempt', at: 7000 }]);
});

t.test('a reload that changes the preempt delay: a delay under way runs on, none becomes one', async (t) => {
  const delayed = params({ priority: 150, preemptDelayMs: 5000 });
  const waiting = run(delayed, [advert(100, LOWER_PEER, 1000)], backup(delayed)).state;
  const longer = run(params({ priority: 150, preemptDelayMs: 60000 }), [reconfigured(2000)], waiting);
  t.same(longer.actions, [], 'the delay keeps the deadline it started with');
  const none = run(params({ priority: 150 }), [reconfigured(2000)], waiting);
  t.same(none.actions, [{ type: 'cancel', timer: 'preempt' }], 'no delay: the Active_Down_Timer runs towards the preemption');
  t.equal(none.state.downCause, 'preempt');
  const immediate = run(params({ priority: 150 }), [advert(100, LOWER_PEER, 1000)], backup(params({ priority: 150 }))).state;
  const nowDelayed = run(delayed, [reconfigured(2000)], immediate);
  t.same(nowDelayed.actions, [
    { type: 'arm', timer: 'preempt', at: 7000 },
    { type: 'arm', timer: 'activeDown', at: 2000 + activeDownIntervalMs(150, 100) },
  ], 'a new delay: the preempt timer decides, the Active_Down_Timer watches for silence again');
  t.equal(nowDelayed.state.downCause, 'silence');
});

t.test('a reload in Initialize, Active or Fault changes nothing at once', async (t) => {
  const before = params();
  const after = params({ preempt: false, advertIntervalCs: 50, preemptDelayMs: 1000 });
  const fault = run(before, [{ type: 'fault-raised', source: 'link', now: 1 }], backup(before)).state;
  for (const state of [run(before, []).state, active(before), fault]) {
    const result = run(after, [reconfigured(9000)], state);
    t.same(result.actions, [], state.name);
    t.equal(result.state.name, state.name);
  }
});

t.test('a reload that changes nothing relevant to a Backup changes nothing', async (t) => {
  const p = params({ priority: 150, preemptDelayMs: 5000 });
  const waiting = run(p, [advert(100, LOWER_PEER, 1000)], backup(p)).state;
  t.same(run(params({ priority: 150, preemptDelayMs: 5000, advertIntervalCs: 50 }), [reconfigured(2000)], waiting).actions, []);
  t.same(run(p, [reconfigured(2000)], backup(p)).actions, []);
});

t.test('after a fault, the Active router heard before is forgotten: a priority change preempts nobody', async (t) => {
  const p = params({ priority: 100, preemptDelayMs: 5000 });
  const following = run(p, [advert(120, LOWER_PEER, 1000)], backup(p)).state;
  const back = run(p, [{ type: 'fault-raised', source: 'link', now: 2000 }, { type: 'fault-cleared', source: 'link', now: 3000 }], following).state;
  t.equal(back.name, 'backup');
  t.equal(back.activePriority, null);
  t.equal(back.activeAddress, null);
  t.same(run(p, [priority(130, 3500)], back).actions, [], 'no preempt delay against a router not heard since');
});
