/**
 * The state machine's part in sync groups (keepalived's vrrp_sync_group), given state and event:
 * a member's Backup that would take the role only wants it until `sync-go`; `sync-backup` takes
 * an Active member to Backup without a release.
 */

import t from 'tap';
import { step } from '../../src/protocol/fsm.js';
import type { FsmEvent } from '../../src/protocol/fsm-types.js';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';
import { active, advert, backup, HIGHER_PEER, LOWER_PEER, params, run, types } from '../helpers/fsm.js';

const member = params({ syncGroup: true });
const DOWN = activeDownIntervalMs(100, 100);

/** A member's Backup whose Active_Down_Timer fired with nobody heard. */
function wanting() {
  const first = backup(member);
  return run(member, [{ type: 'timer', timer: 'activeDown', now: first.timers.activeDown as number }], first);
}

t.test('Backup: the timer that would take the role makes a member want it, and keeps its timer', async (t) => {
  const { state, actions } = wanting();
  t.equal(state.name, 'backup');
  t.equal(state.wantsActive, 'no-active-seen');
  t.same(types(actions), ['want-active', 'arm'], 'no transition, no advertisement, no addresses');
  t.ok(state.timers.activeDown !== undefined, 'a Backup always has its Active_Down_Timer');
  const alone = run(params(), [{ type: 'timer', timer: 'activeDown', now: backup(params()).timers.activeDown as number }], backup(params()));
  t.equal(alone.state.name, 'active', 'outside a sync group it takes the role at once');
});

t.test('sync-go: a wanting member takes the role with the reason it wanted it for; others ignore it', async (t) => {
  const { state } = wanting();
  const go = step(member, state, { type: 'sync-go', now: 5000 });
  t.equal(go.state.name, 'active');
  t.equal(go.state.reason, 'no-active-seen');
  t.same(types(go.actions), ['transition', 'cancel', 'send-advert', 'add-vips', 'announce', 'arm'], 'as any takeover');
  const idle = step(member, backup(member), { type: 'sync-go', now: 100 });
  t.equal(idle.state.name, 'backup', 'a Backup that does not want the role stays Backup');
  t.same(idle.actions, []);
});

t.test('a wanting member that hears an Active router it follows wants the role no more', async (t) => {
  const { state } = wanting();
  const heard = step(member, state, advert(200, HIGHER_PEER, 5000));
  t.equal(heard.state.wantsActive, null);
  t.equal(step(member, heard.state, { type: 'sync-go', now: 5001 }).state.name, 'backup');
  const lower = step(member, state, advert(50, LOWER_PEER, 5000));
  t.equal(lower.state.wantsActive, 'no-active-seen', 'one it would preempt leaves the want in place');
  const held = step(member, state, { type: 'step-down', now: 5000 });
  t.equal(held.state.wantsActive, null, 'nor does a held Backup');
});

t.test('sync-backup: an Active member goes Backup silently and listens; other states ignore it', async (t) => {
  // Active as any router gets there (the helper's takeover is not gated); a member from now on.
  const master = active(params());
  const { state, actions } = step(member, master, { type: 'sync-backup', now: 5000 });
  t.equal(state.name, 'backup');
  t.equal(state.reason, 'sync-group');
  t.same(types(actions), ['transition', 'cancel', 'del-vips', 'arm'], 'no advertisement: no priority 0, as keepalived');
  t.equal(state.timers.activeDown, 5000 + DOWN);
  for (const from of [backup(member), run(member, [{ type: 'fault-raised', source: 'sync-group:svc', now: 1 }], backup(member)).state]) {
    t.same(step(member, from, { type: 'sync-backup', now: 5000 }).actions, [], `${from.name}: nothing to do`);
  }
});

t.test('taken out of its group by a reload, a wanting member takes the role', async (t) => {
  const { state } = wanting();
  const freed = step(params(), state, { type: 'reconfigured', now: 5000 });
  t.equal(freed.state.name, 'active');
  t.equal(freed.state.reason, 'no-active-seen');
});

t.test('a wanting member handles every event, and leaving Backup forgets the want', async (t) => {
  const { state } = wanting();
  const events: FsmEvent[] = [
    { type: 'shutdown', now: 9000 },
    { type: 'fault-raised', source: 'link', now: 9000 },
    { type: 'priority', priority: 120, now: 9000 },
    { type: 'stray-removed', now: 9000 },
    { type: 'sync-backup', now: 9000 },
  ];
  for (const event of events) {
    const next = step(member, state, event).state;
    if (next.name !== 'backup') t.equal(next.wantsActive, null, `${event.type}: ${next.name} wants nothing`);
    else t.ok(next.timers.activeDown !== undefined, `${event.type}: still has its Active_Down_Timer`);
  }
});
