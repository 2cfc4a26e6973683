/** RFC 9568 §6.4.2 Backup. */

import t from 'tap';
import { activeDownIntervalMs, skewTimeMs } from '../../src/protocol/timers.js';
import { advert, backup, HIGHER_PEER, LOWER_PEER, params, run } from '../helpers/fsm.js';

t.test('Active_Down_Timer fires: Active; advertisement, addresses, announcement, Adver_Timer — in that order', async (t) => {
  const p = params({ acceptMode: false });
  const { state, actions } = run(p, [advert(150, HIGHER_PEER, 100), { type: 'timer', timer: 'activeDown', now: 5000 }], backup(p));
  t.equal(state.name, 'active');
  t.same(actions, [
    { type: 'transition', from: 'backup', to: 'active', reason: 'active-down' },
    { type: 'send-advert', priority: 100 },
    { type: 'add-vips', accept: false },
    { type: 'announce', cause: 'became-active' },
    { type: 'arm', timer: 'adver', at: 6000 },
  ]);
  t.same(state.activeAddress, p.primaryAddress);
});

t.test('Accept_Mode true is passed to the data plane', async (t) => {
  const p = params({ acceptMode: true });
  const { actions } = run(p, [{ type: 'timer', timer: 'activeDown', now: 3609.375 }], backup(p));
  t.same(actions.find((a) => a.type === 'add-vips'), { type: 'add-vips', accept: true });
});

t.test('advertisement with priority ≥ local: learn the interval, reset Active_Down_Timer', async (t) => {
  const p = params();
  for (const priority of [100, 200]) {
    const { state, actions } = run(p, [advert(priority, HIGHER_PEER, 700, 10)], backup(p));
    t.equal(state.name, 'backup');
    t.equal(state.activeAdverIntervalCs, 10, 'Active_Adver_Interval from the advertisement');
    t.same(actions, [{ type: 'arm', timer: 'activeDown', at: 700 + activeDownIntervalMs(100, 10) }]);
    t.same(state.activeAddress, HIGHER_PEER);
  }
});

t.test('advertisement with priority 0: Active_Down_Timer = Skew_Time, then reason active-released', async (t) => {
  const p = params();
  const following = run(p, [advert(200, HIGHER_PEER, 100, 10)], backup(p)).state;
  const released = run(p, [advert(0, HIGHER_PEER, 200, 10)], following);
  t.same(released.actions, [{ type: 'arm', timer: 'activeDown', at: 200 + skewTimeMs(100, 10) }], 'Skew_Time of the learned interval');
  const took = run(p, [{ type: 'timer', timer: 'activeDown', now: 200 + skewTimeMs(100, 10) }], released.state);
  t.equal(took.state.name, 'active');
  t.equal(took.state.reason, 'active-released');
});

t.test('preempt on: a lower priority is discarded and this router preempts when the timer fires', async (t) => {
  const p = params({ priority: 150 });
  const start = backup(p);
  const armed = start.timers.activeDown;
  const { state, actions } = run(p, [advert(100, LOWER_PEER, 1000)], start);
  t.same(actions, [], 'discarded: the timer is not reset');
  t.equal(state.timers.activeDown, armed);
  t.same(state.activeAddress, LOWER_PEER, 'still, it is the Active router for now');
  const took = run(p, [{ type: 'timer', timer: 'activeDown', now: armed as number }], state);
  t.equal(took.state.name, 'active');
  t.equal(took.state.reason, 'preempt');
});

t.test('preempt off: a lower priority is followed like any Active router', async (t) => {
  const p = params({ priority: 150, preempt: false });
  const { state, actions } = run(p, [advert(100, LOWER_PEER, 1000)], backup(p));
  t.equal(state.name, 'backup');
  t.same(actions, [{ type: 'arm', timer: 'activeDown', at: 1000 + activeDownIntervalMs(150, 100) }]);
});

t.test('preempt delay: follow the lower-priority Active router until the delay ends, then preempt', async (t) => {
  const p = params({ priority: 150, preemptDelayMs: 30000 });
  const first = run(p, [advert(100, LOWER_PEER, 1000)], backup(p));
  t.same(first.actions, [
    { type: 'arm', timer: 'preempt', at: 31000 },
    { type: 'arm', timer: 'activeDown', at: 1000 + activeDownIntervalMs(150, 100) },
  ]);
  const later = run(p, [advert(100, LOWER_PEER, 2000)], first.state);
  t.equal(later.state.timers.preempt, 31000, 'the delay counts from the first sighting');
  const fired = run(p, [{ type: 'timer', timer: 'preempt', now: 31000 }], later.state);
  t.equal(fired.state.name, 'active');
  t.equal(fired.state.reason, 'preempt');
  t.same(fired.actions.slice(0, 2), [
    { type: 'transition', from: 'backup', to: 'active', reason: 'preempt' },
    { type: 'cancel', timer: 'activeDown' },
  ]);
});

t.test('preempt delay is cancelled when an equal or higher Active router takes over', async (t) => {
  const p = params({ priority: 150, preemptDelayMs: 30000 });
  const waiting = run(p, [advert(100, LOWER_PEER, 1000)], backup(p)).state;
  const { state, actions } = run(p, [advert(200, HIGHER_PEER, 1500)], waiting);
  t.same(actions[0], { type: 'cancel', timer: 'preempt' });
  t.equal(state.timers.preempt, undefined);
});

t.test('Shutdown: cancel Active_Down_Timer, Initialize', async (t) => {
  const p = params();
  const { state, actions } = run(p, [{ type: 'shutdown', now: 10 }], backup(p));
  t.equal(state.name, 'initialize');
  t.same(actions, [
    { type: 'transition', from: 'backup', to: 'initialize', reason: 'shutdown' },
    { type: 'cancel', timer: 'activeDown' },
  ]);
});

t.test('a stale Adver_Timer or start-up timer in Backup does nothing', async (t) => {
  const p = params();
  const b = backup(p);
  for (const timer of ['adver', 'startup', 'preempt'] as const) {
    const { state, actions } = run(p, [{ type: 'timer', timer, now: 10 }], b);
    t.equal(state, b, timer);
    t.same(actions, []);
  }
});

t.test('a priority change in Backup changes the Skew_Time of the next reset', async (t) => {
  const p = params();
  const raised = run(p, [{ type: 'priority', priority: 200, now: 1 }], backup(p));
  t.same(raised.actions, []);
  const { actions } = run(p, [advert(250, HIGHER_PEER, 100)], raised.state);
  t.same(actions, [{ type: 'arm', timer: 'activeDown', at: 100 + activeDownIntervalMs(200, 100) }]);
});
