/**
 * Every state handles every event: none throws, none leaves a timer armed that the state does
 * not use, and the state machine is deterministic (the same inputs give the same outputs).
 */

import t from 'tap';
import { initialState, step } from '../../src/protocol/fsm.js';
import type { FsmEvent, InstanceState, TimerName } from '../../src/protocol/fsm-types.js';
import { active, advert, backup, HIGHER_PEER, LOWER_PEER, params, run } from '../helpers/fsm.js';

const p = params({ preemptDelayMs: 1000 });
const states: Record<string, InstanceState> = {
  initialize: initialState(p, 0),
  backup: backup(p),
  active: active(p),
  fault: run(p, [{ type: 'fault-raised', source: 'link', now: 1 }], backup(p)).state,
};

const timers: TimerName[] = ['adver', 'activeDown', 'startup', 'preempt'];
const events: FsmEvent[] = [
  { type: 'startup', now: 9000 },
  { type: 'shutdown', now: 9000 },
  ...timers.map((timer): FsmEvent => ({ type: 'timer', timer, now: 9000 })),
  advert(0, HIGHER_PEER, 9000),
  advert(50, LOWER_PEER, 9000),
  advert(100, HIGHER_PEER, 9000),
  advert(100, LOWER_PEER, 9000),
  advert(200, LOWER_PEER, 9000),
  { type: 'fault-raised', source: 'link', now: 9000 },
  { type: 'fault-cleared', source: 'link', now: 9000 },
  { type: 'priority', priority: 120, now: 9000 },
  { type: 'step-down', now: 9000 },
  { type: 'resume', now: 9000 },
  { type: 'reconfigured', now: 9000 },
  { type: 'stray-removed', now: 9000 },
  { type: 'sync-go', now: 9000 },
  { type: 'sync-backup', now: 9000 },
];

/** Timers each state may hold. */
const allowed: Record<string, TimerName[]> = {
  initialize: ['startup'],
  backup: ['activeDown', 'preempt', 'nudge'],
  active: ['adver'],
  fault: [],
};

for (const [name, state] of Object.entries(states)) {
  t.test(`${name} handles every event`, async (t) => {
    t.equal(state.name, name);
    for (const event of events) {
      const label = `${event.type}${'timer' in event ? ':' + event.timer : ''}${'adv' in event ? ':' + event.adv.priority : ''}`;
      const first = step(p, state, event);
      const second = step(p, state, event);
      t.same(first, second, `${label}: deterministic`);
      const held = Object.keys(first.state.timers) as TimerName[];
      t.ok(held.every((timer) => allowed[first.state.name]!.includes(timer)), `${label}: ${first.state.name} holds ${held.join(',') || 'no timers'}`);
      if (first.state.name === 'active') t.ok(first.state.timers.adver !== undefined, `${label}: Active always has its Adver_Timer`);
      if (first.state.name === 'backup') t.ok(first.state.timers.activeDown !== undefined, `${label}: Backup always has its Active_Down_Timer`);
    }
  });
}

t.test('step never mutates the state it is given', async (t) => {
  for (const state of Object.values(states)) {
    const snapshot = JSON.stringify(state);
    for (const event of events) step(p, state, event);
    t.equal(JSON.stringify(state), snapshot);
  }
});
