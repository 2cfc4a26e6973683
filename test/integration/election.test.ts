/** Election among three real daemons: highest priority wins, ties by address, group master first. */

import t from 'tap';
import { Cluster, START_WAIT_MS, webInstance } from './helpers/cluster.js';
import { ctl } from './helpers/ctl.js';
import { requireRoot } from './helpers/root.js';
import { holders, waitFor } from './helpers/topology.js';

const VIP = '203.0.113.10';

/** Waits until `expected` alone is master and holds the address, then checks that it stays so. */
async function settlesOn(cluster: Cluster, expected: number): Promise<number[]> {
  const outcome = async (): Promise<number[]> => {
    const held = await holders(cluster.members, VIP);
    const masters = [...cluster.daemons.entries()].filter(([, d]) => d.state() === 'MASTER').map(([i]) => i);
    return held.length === 1 && masters.length === 1 && masters[0] === held[0] ? held : [...held, -1];
  };
  await waitFor(`member ${expected} alone master`, async () => ((await outcome())[0] === expected && (await outcome()).length === 1 ? true : undefined), START_WAIT_MS).catch(() => undefined);
  // Stable: a dozen advertisement intervals later it is still the same.
  await new Promise((resolve) => setTimeout(resolve, 1200));
  return outcome();
}

if (requireRoot(t)) {
  t.test('the highest priority becomes master, the others back up, one holds the address', async (t) => {
    const cluster = await Cluster.create(3, 'ipfo-el');
    t.teardown(() => cluster.destroy());
    cluster.start(1, [webInstance({ priority: 50 })]);
    cluster.start(2, [webInstance({ priority: 150 })]);
    cluster.start(3, [webInstance({ priority: 100 })]);
    t.same(await settlesOn(cluster, 2), [2]);
    t.equal(cluster.daemon(1).state(), 'BACKUP');
    t.equal(cluster.daemon(3).state(), 'BACKUP');
    const masterTransitions = [...cluster.daemons.values()].flatMap((d) => d.transitions()).filter((l) => l.to === 'MASTER');
    t.ok(masterTransitions.filter((l) => l.reason !== 'no-active-seen' && l.reason !== 'preempt').length === 0, 'no takeover after the election');
  });

  t.test('a split brain heals: equal priorities, the higher primary address stays master (§6.4.3)', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-eq');
    t.teardown(() => cluster.destroy());
    // Isolated bridge ports cannot reach each other: both members become master.
    await cluster.isolate([1, 2], true);
    const low = cluster.start(1, [webInstance({ priority: 100 })]);
    const high = cluster.start(2, [webInstance({ priority: 100 })]);
    await low.waitState('MASTER', START_WAIT_MS);
    await high.waitState('MASTER', START_WAIT_MS);
    t.same(await holders(cluster.members, VIP), [1, 2], 'split brain: both hold the address');
    // Both master for longer than an Active_Down_Interval (361 ms here): a split brain, not the
    // handover of a preemption (fsm.ts reportSplitBrain).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Marked before the heal: the yield can be logged while isolate() is still returning (CI saw
    // it, with a second line after it that a mark taken afterwards skipped).
    const beforeHeal = low.lines.length;
    await cluster.isolate([1, 2], false);
    const yielded = await low.waitState('BACKUP', 3000, { from: beforeHeal });
    t.equal(yielded.reason, 'equal-priority-higher-address', '192.0.2.1 yields to 192.0.2.2');
    t.same(await settlesOn(cluster, 2), [2]);
    const warning = await high.waitLine({ reason: 'split-brain' }, 1000);
    t.match(warning, { level: 'warn', self: cluster.member(2).ipv4, selfPriority: 100, peer: cluster.member(1).ipv4, peerPriority: 100 }, 'the winner names both');
    const status = await ctl(high.statusSocket, ['--json', 'status']);
    const counters = (JSON.parse(status.stdout) as { instances: Array<{ counters: { splitBrain: number } }> }).instances[0]?.counters;
    t.ok((counters?.splitBrain ?? 0) >= 1, 'and counts it');
    t.match((await ctl(high.statusSocket, ['status'])).stdout, /web: .*SPLIT BRAIN seen \d+ time/, 'status shows it');
    t.same(low.lines.filter((l) => l.reason === 'split-brain'), [], 'the loser does not: it yielded');
  });

  t.test('the group master is preferred at start, even with the lower address', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-gm');
    t.teardown(() => cluster.destroy());
    const first = cluster.start(1, [webInstance({ priority: 100, groupMaster: true })]);
    // As the README sets a group up: the other member names the configured master, so it waits
    // for it (groupMasterWaitMs) if it starts first. Without that, the configured master's lead is
    // one Advertisement_Interval, and two daemons started together on a busy machine can be
    // further apart than that (CI saw it: 2 took the role).
    const second = cluster.start(2, [webInstance({ priority: 100, groupMasterAddress: cluster.member(1).ipv4 })]);
    t.same(await settlesOn(cluster, 1), [1]);
    const line = await first.waitState('MASTER', 100);
    t.equal(line.reason, 'no-active-seen');
    t.equal(line.roleMatches, true, 'the configured master reports its role as expected');
    t.equal(second.transitions().some((l) => l.to === 'MASTER'), false, 'the other member never took the role');
    t.equal((await second.waitState('BACKUP', 100)).roleMatches, true);
  });

  t.test('a member that is master against the group plan says so, naming the displaced master', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-gx');
    t.teardown(() => cluster.destroy());
    const configured = cluster.start(1, [webInstance({ priority: 50, groupMaster: true, preempt: true })]);
    await configured.waitState('MASTER', START_WAIT_MS);
    const high = cluster.start(2, [webInstance({ priority: 200, groupMasterAddress: cluster.member(1).ipv4 })]);
    t.same(await settlesOn(cluster, 2), [2]);
    const line = await high.waitState('MASTER', 100);
    t.equal(line.roleMatches, false);
    t.equal(line.expectedRole, 'backup');
    const warning = await high.waitLine({ reason: 'displaced-group-master' }, 1000);
    t.equal(warning.level, 'warn');
    t.equal(warning.groupMasterAddress, cluster.member(1).ipv4);
    t.equal(warning.self, cluster.member(2).ipv4);
    t.match(String(warning.msg), /192\.0\.2\.2 became master at first start while the group's configured master 192\.0\.2\.1 is alive/);
  });
}
