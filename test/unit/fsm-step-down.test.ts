/** Operator step-down (planned maintenance) and resume: an extension of RFC 9568 §6. */

import t from 'tap';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';
import { active, advert, backup, LOWER_PEER, params, run } from '../helpers/fsm.js';

t.test('step-down while Active: priority 0, addresses removed, Backup held', async (t) => {
  const p = params();
  const { state, actions } = run(p, [{ type: 'step-down', now: 9000 }], active(p));
  t.equal(state.name, 'backup');
  t.equal(state.held, true);
  t.equal(state.activeAddress, null, 'no longer the Active router');
  t.same(actions, [
    { type: 'transition', from: 'active', to: 'backup', reason: 'step-down' },
    { type: 'cancel', timer: 'adver' },
    { type: 'send-advert', priority: 0 },
    { type: 'del-vips' },
    { type: 'arm', timer: 'activeDown', at: 9000 + activeDownIntervalMs(100, 100) },
  ]);
});

t.test('held: the Active_Down_Timer firing does not take the role, even with nobody Active', async (t) => {
  const p = params();
  const held = run(p, [{ type: 'step-down', now: 9000 }], active(p)).state;
  const fired = run(p, [{ type: 'timer', timer: 'activeDown', now: held.timers.activeDown as number }], held);
  t.equal(fired.state.name, 'backup');
  t.same(fired.actions.map((a) => a.type), ['arm'], 'keeps listening');
});

t.test('held: a lower-priority Active router is not preempted', async (t) => {
  const p = params({ priority: 200 });
  const held = run(p, [{ type: 'step-down', now: 1 }], backup(p)).state;
  const seen = run(p, [advert(100, LOWER_PEER, 10)], held).state;
  const fired = run(p, [{ type: 'timer', timer: 'activeDown', now: seen.timers.activeDown as number }], seen);
  t.equal(fired.state.name, 'backup');
});

t.test('resume: the hold is lifted and the normal rules apply again', async (t) => {
  const p = params();
  const held = run(p, [{ type: 'step-down', now: 9000 }], active(p)).state;
  const resumed = run(p, [{ type: 'resume', now: 9100 }], held);
  t.equal(resumed.state.held, false);
  t.same(resumed.actions, [], 'no transition of its own');
  const fired = run(p, [{ type: 'timer', timer: 'activeDown', now: resumed.state.timers.activeDown as number }], resumed.state);
  t.equal(fired.state.name, 'active', 'nobody else Active: it takes the role back');
});

t.test('a hold set in Initialize or Fault applies once the instance is Backup', async (t) => {
  const p = params();
  const early = run(p, [{ type: 'step-down', now: 0 }, { type: 'startup', now: 1 }]).state;
  t.equal(early.held, true);
  const fired = run(p, [{ type: 'timer', timer: 'activeDown', now: early.timers.activeDown as number }], early);
  t.equal(fired.state.name, 'backup');
  const faulty = run(p, [{ type: 'fault-raised', source: 'link', now: 2 }, { type: 'step-down', now: 3 }, { type: 'fault-cleared', source: 'link', now: 4 }], backup(p));
  t.equal(faulty.state.name, 'backup');
  t.equal(faulty.state.held, true);
});
