/** RFC 9568 §6.4.3 Active. */

import t from 'tap';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';
import { step } from '../../src/protocol/fsm.js';
import { active, advert, HIGHER_PEER, LOCAL, LOWER_PEER, params, run } from '../helpers/fsm.js';

t.test('Adver_Timer fires: send an advertisement and reset the timer', async (t) => {
  const p = params();
  const a = active(p);
  const { state, actions } = run(p, [{ type: 'timer', timer: 'adver', now: a.timers.adver as number }], a);
  t.equal(state.name, 'active');
  t.same(actions, [
    { type: 'send-advert', priority: 100 },
    { type: 'arm', timer: 'adver', at: (a.timers.adver as number) + 1000 },
  ]);
});

t.test('a higher priority: Backup, a last advertisement (not priority 0), addresses removed, Active_Down_Timer from its interval', async (t) => {
  const p = params();
  const { state, actions } = run(p, [advert(200, LOWER_PEER, 9000, 50)], active(p));
  t.equal(state.name, 'backup');
  t.same(actions, [
    { type: 'transition', from: 'active', to: 'backup', reason: 'higher-priority-seen' },
    { type: 'cancel', timer: 'adver' },
    { type: 'send-advert', priority: 100 },
    { type: 'del-vips' },
    { type: 'arm', timer: 'nudge', at: 9000 + 1000 },
    { type: 'arm', timer: 'activeDown', at: 9000 + activeDownIntervalMs(100, 50) },
  ]);
  t.equal(state.activeAdverIntervalCs, 50);
});

t.test('equal priority from a higher primary address: Backup', async (t) => {
  const p = params();
  const { state } = run(p, [advert(100, HIGHER_PEER, 9000)], active(p));
  t.equal(state.name, 'backup');
  t.equal(state.reason, 'equal-priority-higher-address');
});

t.test('equal priority from a lower address: a split brain reported; stay, send at once, announce again (§6.4.3)', async (t) => {
  const p = params();
  const { state, actions } = run(p, [advert(100, LOWER_PEER, 9000)], active(p));
  t.equal(state.name, 'active');
  t.same(actions, [
    { type: 'split-brain', peer: LOWER_PEER, priority: 100 },
    { type: 'send-advert', priority: 100 },
    { type: 'arm', timer: 'adver', at: 10000 },
    { type: 'announce', cause: 'lower-priority-seen' },
  ]);
});

t.test('a lower priority: a split brain reported; discard it, send an advertisement at once and re-announce', async (t) => {
  const p = params();
  const { state, actions } = run(p, [advert(50, HIGHER_PEER, 9000)], active(p));
  t.equal(state.name, 'active');
  t.same(actions, [
    { type: 'split-brain', peer: HIGHER_PEER, priority: 50 },
    { type: 'send-advert', priority: 100 },
    { type: 'arm', timer: 'adver', at: 10000 },
    { type: 'announce', cause: 'lower-priority-seen' },
  ]);
});

t.test('priority 0 from another router: send an advertisement, reset Adver_Timer, re-announce', async (t) => {
  const p = params();
  const { state, actions } = run(p, [advert(0, HIGHER_PEER, 9000)], active(p));
  t.equal(state.name, 'active');
  t.same(actions, [
    { type: 'send-advert', priority: 100 },
    { type: 'arm', timer: 'adver', at: 10000 },
    { type: 'announce', cause: 'release-seen' },
  ]);
});

t.test('Shutdown: priority 0 first, then the addresses go; Initialize', async (t) => {
  const p = params();
  const { state, actions } = run(p, [{ type: 'shutdown', now: 9000 }], active(p));
  t.equal(state.name, 'initialize');
  t.same(actions, [
    { type: 'transition', from: 'active', to: 'initialize', reason: 'shutdown' },
    { type: 'cancel', timer: 'adver' },
    { type: 'send-advert', priority: 0 },
    { type: 'del-vips' },
  ]);
  t.equal(state.started, false);
});

t.test('the owner keeps Active against any other priority (it cannot be outbid)', async (t) => {
  const p = params({ priority: 255 });
  const owner = run(p, [{ type: 'startup', now: 0 }]).state;
  const { state } = run(p, [advert(254, HIGHER_PEER, 10)], owner);
  t.equal(state.name, 'active');
});

t.test('a priority change while Active is advertised at once', async (t) => {
  const p = params();
  const { state, actions } = run(p, [{ type: 'priority', priority: 60, now: 9000 }], active(p));
  t.equal(state.priority, 60);
  t.same(actions, [
    { type: 'send-advert', priority: 60 },
    { type: 'arm', timer: 'adver', at: 10000 },
  ]);
});

t.test('stale timers and a repeated startup in Active do nothing', async (t) => {
  const p = params();
  const a = active(p);
  for (const timer of ['activeDown', 'startup', 'preempt'] as const) {
    t.same(run(p, [{ type: 'timer', timer, now: 10 }], a).actions, [], timer);
  }
  t.same(run(p, [{ type: 'startup', now: 10 }], a).actions, []);
  t.same(a.activeAddress, LOCAL);
});

t.test('the owner keeps its addresses when it stops or faults: they are its own (§5.2.4)', async (t) => {
  const p = params({ priority: 255 });
  const owner = run(p, [{ type: 'startup', now: 0 }]).state;
  for (const event of [{ type: 'shutdown' as const, now: 10 }, { type: 'fault-raised' as const, source: 'link', now: 10 }, { type: 'step-down' as const, now: 10 }]) {
    const { actions } = run(p, [event], owner);
    t.same(actions.filter((a) => a.type === 'send-advert'), [{ type: 'send-advert', priority: 0 }], `${event.type}: released`);
    t.equal(actions.some((a) => a.type === 'del-vips'), false, `${event.type}: addresses kept`);
  }
});

t.test('answers at most once per Advertisement_Interval: a flood of spoofed adverts gets one answer, not one each', async (t) => {
  const p = params();
  let state = active(p);
  const sent: number[] = [];
  const announced: number[] = [];
  // 10 lower-priority and priority-0 advertisements every 50 ms for 2 s (interval 1 s).
  for (let now = 9000; now < 11000; now += 50) {
    for (const priority of [50, 0]) {
      const result = step(p, state, advert(priority, HIGHER_PEER, now));
      state = result.state;
      if (result.actions.some((a) => a.type === 'send-advert')) sent.push(now);
      if (result.actions.some((a) => a.type === 'announce')) announced.push(now);
    }
  }
  t.same(sent, [9000, 10000], 'one advertisement per interval: at the first, and once the interval has passed');
  t.same(announced, [9000, 10000]);
  t.equal(state.name, 'active');
});
