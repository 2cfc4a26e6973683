/** The Fault state (an extension, as in keepalived): link down or failed tracking. */

import t from 'tap';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';
import { active, advert, backup, HIGHER_PEER, params, run } from '../helpers/fsm.js';

t.test('link down while Active: Fault, priority 0 sent, addresses removed', async (t) => {
  const p = params();
  const { state, actions } = run(p, [{ type: 'fault-raised', source: 'link', now: 9000 }], active(p));
  t.equal(state.name, 'fault');
  t.same(actions, [
    { type: 'transition', from: 'active', to: 'fault', reason: 'fault' },
    { type: 'cancel', timer: 'adver' },
    { type: 'send-advert', priority: 0 },
    { type: 'del-vips' },
  ]);
  t.same(state.faults, ['link']);
  t.same(state.timers, {}, 'holds no timers');
});

t.test('a failed tracker while Backup: Fault, timers cancelled, nothing sent', async (t) => {
  const p = params();
  const { state, actions } = run(p, [{ type: 'fault-raised', source: 'track:web', now: 10 }], backup(p));
  t.equal(state.name, 'fault');
  t.same(actions, [
    { type: 'transition', from: 'backup', to: 'fault', reason: 'fault' },
    { type: 'cancel', timer: 'activeDown' },
  ]);
});

t.test('Fault ignores advertisements, timers and startup', async (t) => {
  const p = params();
  const f = run(p, [{ type: 'fault-raised', source: 'link', now: 10 }], backup(p)).state;
  for (const event of [
    advert(200, HIGHER_PEER, 20),
    { type: 'timer' as const, timer: 'activeDown' as const, now: 20 },
    { type: 'startup' as const, now: 20 },
  ]) {
    const { state, actions } = run(p, [event], f);
    t.equal(state.name, 'fault', event.type);
    t.same(actions, []);
  }
});

t.test('Fault waits until every fault is cleared, then Backup with a full Active_Down_Interval', async (t) => {
  const p = params();
  const two = run(p, [
    { type: 'fault-raised', source: 'link', now: 10 },
    { type: 'fault-raised', source: 'track:web', now: 11 },
    { type: 'fault-raised', source: 'link', now: 12 },
  ], backup(p)).state;
  t.same(two.faults, ['link', 'track:web'], 'a source counts once');
  const one = run(p, [{ type: 'fault-cleared', source: 'link', now: 20 }], two);
  t.equal(one.state.name, 'fault');
  t.same(one.actions, []);
  const none = run(p, [{ type: 'fault-cleared', source: 'track:web', now: 30 }], one.state);
  t.equal(none.state.name, 'backup');
  t.same(none.actions, [
    { type: 'transition', from: 'fault', to: 'backup', reason: 'fault-cleared' },
    { type: 'arm', timer: 'activeDown', at: 30 + activeDownIntervalMs(100, 100) },
  ]);
  const took = run(p, [{ type: 'timer', timer: 'activeDown', now: 30 + activeDownIntervalMs(100, 100) }], none.state);
  t.equal(took.state.reason, 'no-active-seen', 'nobody heard since the fault');
});

t.test('Shutdown from Fault: Initialize, nothing to release', async (t) => {
  const p = params();
  const f = run(p, [{ type: 'fault-raised', source: 'link', now: 10 }], backup(p)).state;
  const { state, actions } = run(p, [{ type: 'shutdown', now: 20 }], f);
  t.equal(state.name, 'initialize');
  t.same(actions, [{ type: 'transition', from: 'fault', to: 'initialize', reason: 'shutdown' }]);
});

t.test('a fault cleared that was never raised changes nothing in Backup or Active', async (t) => {
  const p = params();
  for (const s of [backup(p), active(p)]) {
    const { state, actions } = run(p, [{ type: 'fault-cleared', source: 'link', now: 10 }], s);
    t.equal(state.name, s.name);
    t.same(actions, []);
  }
});
