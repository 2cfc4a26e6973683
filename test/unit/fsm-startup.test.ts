/** RFC 9568 §6.4.1 Initialize, with the start-up delay and the group master's preference. */

import t from 'tap';
import { initialState } from '../../src/protocol/fsm.js';
import { activeDownIntervalMs, skewTimeMs } from '../../src/protocol/timers.js';
import { advert, HIGHER_PEER, params, run, types } from '../helpers/fsm.js';

t.test('Initialize, Startup, priority < 255: Backup with Active_Down_Timer = Active_Down_Interval', async (t) => {
  const p = params();
  const { state, actions } = run(p, [{ type: 'startup', now: 1000 }]);
  t.equal(state.name, 'backup');
  t.same(actions, [
    { type: 'transition', from: 'initialize', to: 'backup', reason: 'startup' },
    { type: 'arm', timer: 'activeDown', at: 1000 + activeDownIntervalMs(100, 100) },
  ]);
  t.equal(state.activeAdverIntervalCs, 100, 'Active_Adver_Interval = Advertisement_Interval');
  t.equal(state.since, 1000);
});

t.test('Initialize, Startup, priority 255 (owner): Active at once, advert, addresses, announce', async (t) => {
  const p = params({ priority: 255 });
  const { state, actions } = run(p, [{ type: 'startup', now: 5 }]);
  t.equal(state.name, 'active');
  t.same(actions, [
    { type: 'transition', from: 'initialize', to: 'active', reason: 'owner-startup' },
    { type: 'send-advert', priority: 255 },
    { type: 'add-vips', accept: true },
    { type: 'announce', cause: 'became-active' },
    { type: 'arm', timer: 'adver', at: 5 + 1000 },
  ]);
});

t.test('Initialize ignores advertisements and a second startup', async (t) => {
  const p = params();
  const before = initialState(p, 0);
  const ignored = run(p, [advert(200, HIGHER_PEER, 1)], before);
  t.equal(ignored.state.name, 'initialize');
  t.same(ignored.actions, []);
  const twice = run(p, [
    { type: 'startup', now: 0 },
    { type: 'shutdown', now: 1 },
  ]);
  t.equal(twice.state.name, 'initialize');
  const restarted = run(p, [{ type: 'startup', now: 2 }], twice.state);
  t.equal(restarted.state.name, 'backup', 'a stopped instance can start again');
});

t.test('start-up delay: Initialize waits, then starts; shutdown during the wait cancels it', async (t) => {
  const p = params({ startupDelayMs: 2000 });
  const waiting = run(p, [{ type: 'startup', now: 0 }]);
  t.equal(waiting.state.name, 'initialize');
  t.same(waiting.actions, [{ type: 'arm', timer: 'startup', at: 2000 }]);
  const again = run(p, [{ type: 'startup', now: 10 }], waiting.state);
  t.same(again.actions, [], 'a repeated startup does not re-arm');
  const started = run(p, [{ type: 'timer', timer: 'startup', now: 2000 }], waiting.state);
  t.equal(started.state.name, 'backup');
  t.same(types(started.actions), ['transition', 'arm']);
  const stopped = run(p, [{ type: 'shutdown', now: 500 }], waiting.state);
  t.same(stopped.actions, [{ type: 'cancel', timer: 'startup' }]);
  const stale = run(p, [{ type: 'timer', timer: 'startup', now: 2000 }], stopped.state);
  t.equal(stale.state.name, 'initialize', 'the cancelled timer firing late is ignored');
  t.same(stale.actions, []);
});

t.test('a fault present at start-up sends the instance to Fault instead', async (t) => {
  const p = params({ priority: 255 });
  const { state, actions } = run(p, [
    { type: 'fault-raised', source: 'link', now: 0 },
    { type: 'startup', now: 1 },
  ]);
  t.equal(state.name, 'fault');
  t.same(actions, [{ type: 'transition', from: 'initialize', to: 'fault', reason: 'fault' }]);
});

t.test('the group master listens two intervals plus Skew_Time, not Active_Down_Interval', async (t) => {
  const member = run(params({ priority: 100 }), [{ type: 'startup', now: 0 }]).state;
  const master = run(params({ priority: 100, groupMaster: true }), [{ type: 'startup', now: 0 }]).state;
  t.equal(master.timers.activeDown, 2000 + skewTimeMs(100, 100), 'one lost advertisement is not taken for silence');
  t.equal(member.timers.activeDown, activeDownIntervalMs(100, 100));
  t.ok((master.timers.activeDown as number) < (member.timers.activeDown as number));
  // Even a lower-priority group master beats higher-priority members when all boot together.
  const highMember = run(params({ priority: 200 }), [{ type: 'startup', now: 0 }]).state;
  t.ok((master.timers.activeDown as number) < (highMember.timers.activeDown as number));
});

t.test('the group master still defers to an Active router it hears during its wait', async (t) => {
  const p = params({ groupMaster: true, priority: 100 });
  const { state } = run(p, [{ type: 'startup', now: 0 }, advert(150, HIGHER_PEER, 500)]);
  t.equal(state.name, 'backup');
  t.equal(state.timers.activeDown, 500 + activeDownIntervalMs(100, 100), 'now follows the Active router');
});

t.test('the group master with nobody Active takes over, reason no-active-seen', async (t) => {
  const p = params({ groupMaster: true });
  const started = run(p, [{ type: 'startup', now: 0 }]).state;
  const { state, actions } = run(p, [{ type: 'timer', timer: 'activeDown', now: started.timers.activeDown as number }], started);
  t.equal(state.name, 'active');
  t.same(actions[0], { type: 'transition', from: 'backup', to: 'active', reason: 'no-active-seen' });
});
