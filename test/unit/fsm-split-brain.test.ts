/**
 * After a split brain: two Active routers hear each other again, in either order, and the
 * winner re-announces the addresses (RFC 9568 §6.4.3 "send an ADVERTISEMENT" on a lower
 * priority, and the announcement that keeps neighbours' caches right).
 *
 * The routers here: WINNER (priority 200), LOSER (priority 100) and, for a third member, a
 * Backup in between (150). Their actions are fed to each other as a wire would.
 */

import t from 'tap';
import type { FsmAction, InstanceParams, InstanceState } from '../../src/protocol/fsm-types.js';
import { NUDGE_PRIORITY, PARTING_NUDGES, step } from '../../src/protocol/fsm.js';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';
import { ip } from '../helpers/addresses.js';
import { active, advert, backup, params, run } from '../helpers/fsm.js';

const WINNER = ip('192.0.2.10');
const LOSER = ip('192.0.2.20');
const MIDDLE = ip('192.0.2.30');
const winnerParams = params({ priority: 200, primaryAddress: WINNER });
const loserParams = params({ priority: 100, primaryAddress: LOSER });

/** The priorities of the advertisements among the actions, in order. */
function sent(actions: readonly FsmAction[]): number[] {
  return actions.flatMap((a) => (a.type === 'send-advert' ? [a.priority] : []));
}

function announces(actions: readonly FsmAction[]): FsmAction[] {
  return actions.filter((a) => a.type === 'announce');
}

/** Delivers every advertisement `actions` sent, from `from`, to a router; returns its last step. */
function deliver(p: InstanceParams, to: InstanceState, actions: readonly FsmAction[], from: Uint8Array, now: number) {
  let state = to;
  let last: readonly FsmAction[] = [];
  for (const priority of sent(actions)) ({ state, actions: last } = step(p, state, advert(priority, from, now)));
  return { state, actions: last };
}

t.test('the loser leaves with one last advertisement of its own priority, before removing the addresses', async (t) => {
  const { state, actions } = run(loserParams, [advert(200, WINNER, 9000, 100)], active(loserParams));
  t.equal(state.name, 'backup');
  t.same(actions, [
    { type: 'transition', from: 'active', to: 'backup', reason: 'higher-priority-seen' },
    { type: 'cancel', timer: 'adver' },
    { type: 'send-advert', priority: 100 },
    { type: 'del-vips' },
    { type: 'arm', timer: 'nudge', at: 9000 + 1000 },
    { type: 'arm', timer: 'activeDown', at: 9000 + activeDownIntervalMs(100, 100) },
  ]);
});

t.test('the loser then asks the winner to re-announce, PARTING_NUDGES times one interval apart, in case its advertisements were lost', async (t) => {
  let state = run(loserParams, [advert(200, WINNER, 9000, 100)], active(loserParams)).state;
  const nudges: number[] = [];
  for (let i = 0; i < PARTING_NUDGES + 2; i++) {
    const at = state.timers.nudge;
    if (at === undefined) break;
    // The winner goes on advertising: the loser stays Backup and keeps hearing it.
    state = step(loserParams, state, advert(200, WINNER, at - 1, 100)).state;
    const result = step(loserParams, state, { type: 'timer', timer: 'nudge', now: at });
    state = result.state;
    if (result.actions.some((a) => a.type === 'send-advert' && a.priority === NUDGE_PRIORITY)) nudges.push(at);
  }
  t.same(nudges, [10000, 11000, 12000], 'one priority-1 request per interval, three in all');
  t.equal(state.timers.nudge, undefined, 'then no more');
  t.equal(state.name, 'backup');
});

t.test('equal priority from a higher address: the loser leaves with a parting advertisement too', async (t) => {
  const p = params({ priority: 100, primaryAddress: ip('192.0.2.2') });
  const { state, actions } = run(p, [advert(100, ip('192.0.2.3'), 9000)], active(p));
  t.equal(state.reason, 'equal-priority-higher-address');
  t.same(sent(actions), [100]);
  t.ok(actions.findIndex((a) => a.type === 'send-advert') < actions.findIndex((a) => a.type === 'del-vips'), 'advertisement first');
});

t.test('the loser hears the winner first: the winner still re-announces', async (t) => {
  const winner = active(winnerParams);
  const loser = active(loserParams);
  // The winner's next advertisement reaches the loser before any of the loser's reaches the winner.
  const winnerTick = step(winnerParams, winner, { type: 'timer', timer: 'adver', now: winner.timers.adver as number });
  const loserSteps = deliver(loserParams, loser, winnerTick.actions, WINNER, 5001);
  t.equal(loserSteps.state.name, 'backup');
  const winnerHears = deliver(winnerParams, winnerTick.state, loserSteps.actions, LOSER, 5002);
  t.equal(winnerHears.state.name, 'active');
  t.same(announces(winnerHears.actions), [{ type: 'announce', cause: 'lower-priority-seen' }], 'the network learns the winner');
  t.same(sent(winnerHears.actions), [200], 'and the winner advertises at once (§6.4.3)');
  const loserHears = deliver(loserParams, loserSteps.state, winnerHears.actions, WINNER, 5003);
  t.equal(loserHears.state.name, 'backup');
  t.same(sent(loserHears.actions), [], 'no echo: a Backup answers nothing');
});

t.test('the winner hears the loser first: it re-announces once; the parting advertisement within the interval gets no second answer', async (t) => {
  const winner = active(winnerParams);
  const loser = active(loserParams);
  const loserTick = step(loserParams, loser, { type: 'timer', timer: 'adver', now: loser.timers.adver as number });
  const winnerHears = deliver(winnerParams, winner, loserTick.actions, LOSER, 5001);
  t.same(announces(winnerHears.actions), [{ type: 'announce', cause: 'lower-priority-seen' }]);
  const loserHears = deliver(loserParams, loserTick.state, winnerHears.actions, WINNER, 5002);
  t.equal(loserHears.state.name, 'backup');
  const parting = deliver(winnerParams, winnerHears.state, loserHears.actions, LOSER, 5003);
  // One answer per Advertisement_Interval (a spoofed flood gets no more); the driver's
  // follow-up burst an Active_Down_Interval later has the last word (instance-driver.ts).
  t.same(announces(parting.actions), [], 'answered already, 2 ms ago');
  t.same(sent(parting.actions), []);
  t.equal(parting.state.name, 'active');
});

t.test('priority 0 from another router while Active: advertise at once and re-announce', async (t) => {
  // Only an Active router sends priority 0: a second one was there, and the neighbours may
  // still point at it.
  const { state, actions } = run(winnerParams, [advert(0, LOSER, 9000)], active(winnerParams));
  t.equal(state.name, 'active');
  t.same(actions, [
    { type: 'send-advert', priority: 200 },
    { type: 'arm', timer: 'adver', at: 10000 },
    { type: 'announce', cause: 'release-seen' },
  ]);
});

t.test('a third member between the two is not moved by the parting advertisement', async (t) => {
  for (const preemptDelayMs of [0, 5000]) {
    const p = params({ priority: 150, primaryAddress: MIDDLE, preemptDelayMs });
    const following = run(p, [advert(200, WINNER, 4000)], backup(p)).state;
    // The parting advertisement (100) reaches it, then the winner's answer to it.
    const parted = run(p, [advert(100, LOSER, 4500)], following).state;
    const settled = run(p, [advert(200, WINNER, 4501)], parted);
    t.equal(settled.state.name, 'backup', `delay ${preemptDelayMs}`);
    t.same(settled.state.activeAddress, WINNER, 'follows the winner');
    t.equal(settled.state.downCause, 'silence');
    t.equal(settled.state.timers.preempt, undefined, 'no preemption pending');
    t.equal(settled.state.timers.activeDown, 4501 + activeDownIntervalMs(150, 100), 'timer reset by the winner');
  }
});

t.test('a third member that hears the parting advertisement after the winner follows the winner again', async (t) => {
  const p = params({ priority: 150, primaryAddress: MIDDLE });
  const { state } = run(p, [advert(200, WINNER, 4000), advert(100, LOSER, 4001), advert(200, WINNER, 4002)], backup(p));
  t.equal(state.name, 'backup');
  t.same(state.activeAddress, WINNER);
  t.equal(state.downCause, 'silence');
});

t.test('a third member preempts only if the winner then falls silent', async (t) => {
  // The parting advertisement is a real advertisement of priority 100: if the winner is gone,
  // preempting the 100 it heard last is what §6.4.2 asks, and it happens no sooner than the
  // Active_Down_Timer armed by the winner's last advertisement.
  const p = params({ priority: 150, primaryAddress: MIDDLE });
  const parted = run(p, [advert(200, WINNER, 4000), advert(100, LOSER, 4500)], backup(p)).state;
  t.equal(parted.timers.activeDown, 4000 + activeDownIntervalMs(150, 100));
  const fired = run(p, [{ type: 'timer', timer: 'activeDown', now: parted.timers.activeDown as number }], parted);
  t.equal(fired.state.name, 'active');
});

t.test('a Backup that hears two Active routers answers neither', async (t) => {
  const p = params({ priority: 150, primaryAddress: MIDDLE, preempt: false });
  const { actions } = run(p, [advert(200, WINNER, 4000), advert(100, LOSER, 4001)], backup(p));
  t.same(sent(actions), []);
  t.same(announces(actions), []);
});

t.test('a stray copy removed on a Backup asks the Active router it follows to re-announce, at the lowest priority', async (t) => {
  const now = 5000;
  const middleParams = params({ priority: 150, primaryAddress: MIDDLE });
  t.same(sent(step(middleParams, backup(middleParams), { type: 'stray-removed', now }).actions), [], 'nobody heard yet: nobody to ask');
  const following = step(middleParams, backup(middleParams), advert(200, WINNER, now - 10)).state;
  const asked = step(middleParams, following, { type: 'stray-removed', now });
  t.same(sent(asked.actions), [NUDGE_PRIORITY], 'one advertisement at priority 1');
  t.equal(asked.state.name, 'backup', 'and nothing else changes');
  const faulty = run(middleParams, [{ type: 'fault-raised', source: 'link-down', now: 1 }], backup(middleParams)).state;
  t.same(sent(step(middleParams, faulty, { type: 'stray-removed', now }).actions), [], 'not from Fault: out of the protocol');
  // The Active router takes it as a lower-priority Active router: §6.4.3 advertise and announce.
  const answer = deliver(winnerParams, active(winnerParams), asked.actions, MIDDLE, now + 1);
  t.equal(answer.state.name, 'active');
  t.same(sent(answer.actions), [200], 'answered at once');
  t.equal(announces(answer.actions).length, 1, 'and re-announced');
  // A third member (the LOSER here, priority 100) hears the nudge: it outranks nobody.
  const other = deliver(loserParams, backup(loserParams), asked.actions, MIDDLE, now + 1);
  const thenWinner = step(loserParams, other.state, advert(200, WINNER, now + 2));
  t.equal(thenWinner.state.name, 'backup');
  t.equal(thenWinner.state.timers.activeDown, now + 2 + activeDownIntervalMs(100, 100), 'the winner’s answer resets its timer');
  t.same(sent(step(winnerParams, active(winnerParams), { type: 'stray-removed', now }).actions), [], 'an Active router has no stray copy');
});

t.test('no nudge towards an Active router of priority 1: at equal priority the address would decide', async (t) => {
  const middleParams = params({ priority: 150, primaryAddress: MIDDLE, preempt: false });
  const following = step(middleParams, backup(middleParams), advert(1, WINNER, 100)).state;
  t.equal(following.activePriority, 1);
  t.same(sent(step(middleParams, following, { type: 'stray-removed', now: 200 }).actions), [], 'nothing sent');
});

/** The split-brain reports among the actions (fsm.ts reportSplitBrain). */
function reports(actions: readonly FsmAction[]): FsmAction[] {
  return actions.filter((a) => a.type === 'split-brain');
}

t.test('split brain reported: an Active router that wins against another Active router says so, in either order of hearing', async (t) => {
  const winner = active(winnerParams);
  const loser = active(loserParams);
  // Both Active for longer than an Active_Down_Interval (a partition), then they hear each other.
  const late = (winner.since as number) + activeDownIntervalMs(200, 100) + 1000;
  const heardFirst = run(winnerParams, [advert(100, LOSER, late)], winner);
  t.same(reports(heardFirst.actions), [{ type: 'split-brain', peer: LOSER, priority: 100 }], 'the loser advertising as Active');
  t.ok(heardFirst.actions.findIndex((a) => a.type === 'split-brain') < heardFirst.actions.findIndex((a) => a.type === 'send-advert'), 'reported, then answered');
  // The other order: the loser heard the winner first and leaves with its parting advertisement.
  const loserLeaves = run(loserParams, [advert(200, WINNER, late)], loser);
  const parting = deliver(winnerParams, winner, loserLeaves.actions, LOSER, late + 1);
  t.same(reports(parting.actions), [{ type: 'split-brain', peer: LOSER, priority: 100 }], 'its parting advertisement: it was Active too');
  const equal = params({ priority: 100, primaryAddress: ip('192.0.2.2') });
  const tie = run(equal, [advert(100, ip('192.0.2.1'), late)], active(equal));
  t.same(reports(tie.actions), [{ type: 'split-brain', peer: ip('192.0.2.1'), priority: 100 }], 'equal priority from a lower address (§6.4.3)');
});

t.test('no split brain: a release, a priority-1 request, a better router, the handover of a preemption', async (t) => {
  const winner = active(winnerParams);
  const late = (winner.since as number) + activeDownIntervalMs(200, 100) + 1000;
  t.same(reports(run(winnerParams, [advert(0, LOSER, late)], winner).actions), [], 'priority 0 is a router leaving (§6.4.3)');
  t.same(reports(run(winnerParams, [advert(NUDGE_PRIORITY, LOSER, late)], winner).actions), [], 'priority 1 is a Backup asking for a re-announcement');
  t.same(reports(run(winnerParams, [advert(250, LOSER, late)], winner).actions), [], 'a better router: this one yields');
  // A Backup that preempts a lower Active router hears it advertise once more as it gives way.
  const follower = run(winnerParams, [advert(100, LOSER, 100)], backup(winnerParams)).state;
  const preempted = run(winnerParams, [{ type: 'timer', timer: 'activeDown', now: follower.timers.activeDown as number }], follower).state;
  t.equal(preempted.reason, 'preempt');
  const handover = run(winnerParams, [advert(100, LOSER, preempted.since + 5)], preempted);
  t.same(reports(handover.actions), [], 'the preempted router parting: a handover');
  t.same(announces(handover.actions), [{ type: 'announce', cause: 'lower-priority-seen' }], 'still answered as §6.4.3 says');
  const stays = run(winnerParams, [advert(100, LOSER, preempted.since + activeDownIntervalMs(200, 100))], handover.state);
  t.same(reports(stays.actions), [{ type: 'split-brain', peer: LOSER, priority: 100 }], 'one that stays Active past an Active_Down_Interval is a split brain');
});
