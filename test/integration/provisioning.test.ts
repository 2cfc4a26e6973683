/**
 * Initial provisioning of an IP failover group (issue 9): whatever the start order, the
 * group's configured master is the first and only member to hold the IP. Three members as a
 * new user sets them up: 150 the configured master, 100 and 50 naming it in
 * groupMasterAddress (default groupMasterWaitMs), 500 ms interval.
 */

import t, { type Test } from 'tap';
import { Cluster, webInstance, type Daemon, type InstanceJson } from './helpers/cluster.js';
import { requireRoot } from './helpers/root.js';
import { holders } from './helpers/topology.js';

const VIP = '203.0.113.10';
const INTERVAL_MS = 500;
/** The members' default groupMasterWaitMs: the group is watched until well past its end. */
const WAIT_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Plan {
  /** How much earlier than the configured master the other two start. */
  readonly othersEarlierMs: number;
  readonly master?: InstanceJson;
  readonly others?: InstanceJson;
}

/**
 * Starts the group as planned and samples who holds the address until the members' wait has
 * passed by a few intervals (every 100 ms: `ip` runs three times a sample, and the machine is
 * shared with other tests). Returns the first non-empty holder set seen and every member that
 * logged a MASTER transition (the log is what proves "never": a sample can miss a moment).
 */
async function provision(t: Test, prefix: string, plan: Plan): Promise<{ firstHolders: number[]; masters: number[]; configured: Daemon }> {
  const cluster = await Cluster.create(3, prefix);
  t.teardown(() => cluster.destroy());
  const master = () => cluster.start(1, [webInstance({ priority: 150, groupMaster: true, advertIntervalMs: INTERVAL_MS, ...plan.master })]);
  const other = (index: number, priority: number) =>
    cluster.start(index, [webInstance({ priority, groupMasterAddress: cluster.member(1).ipv4, advertIntervalMs: INTERVAL_MS, ...plan.others })]);
  const begin = Date.now();
  if (plan.othersEarlierMs === 0) master();
  other(2, 100);
  other(3, 50);
  let configured: Daemon | undefined = plan.othersEarlierMs === 0 ? cluster.daemon(1) : undefined;
  let firstHolders: number[] = [];
  while (Date.now() - begin < WAIT_MS + 6 * INTERVAL_MS) {
    if (configured === undefined && Date.now() - begin >= plan.othersEarlierMs) configured = master();
    const held = await holders(cluster.members, VIP);
    if (firstHolders.length === 0) firstHolders = held;
    await sleep(100);
  }
  if (configured === undefined) throw new Error('the configured master never started');
  const masters = [...cluster.daemons.entries()].filter(([, d]) => d.transitions().some((l) => l.to === 'MASTER')).map(([i]) => i);
  t.same(await holders(cluster.members, VIP), [1], 'the configured master holds the address at the end');
  return { firstHolders, masters, configured };
}

if (requireRoot(t)) {
  t.test('(b) the other members start 3 s earlier: the configured master is the first and only holder', async (t) => {
    const { firstHolders, masters, configured } = await provision(t, 'ipfo-pb', { othersEarlierMs: 3000 });
    t.same(firstHolders, [1], 'nobody else held the address before it');
    t.same(masters, [1], 'no other member was ever master');
    t.equal((await configured.waitState('MASTER', 100)).reason, 'no-active-seen', 'it found nobody Active');
  });

  t.test('(a) all start together, the configured master with a weight-0 health check that starts unproven', async (t) => {
    // rise 2 (as the README's example): proven one interval after start.
    const check = { name: 'web-health', command: ['/bin/true'], intervalMs: INTERVAL_MS, timeoutMs: 400, rise: 2 };
    const { firstHolders, masters, configured } = await provision(t, 'ipfo-pa', { othersEarlierMs: 0, master: { track: { scripts: [check] } } });
    t.same(firstHolders, [1], 'nobody else held the address before it');
    t.same(masters, [1], 'no other member was ever master');
    const states = configured.transitions().map((l) => l.to);
    t.ok(states.includes('FAULT') && states.indexOf('FAULT') < states.indexOf('MASTER'), 'it was in Fault at start-up', { states });
    t.equal(states.at(-1), 'MASTER');
  });

  t.test('(c) nobody preempts and the others start 1 s earlier', async (t) => {
    const { firstHolders, masters } = await provision(t, 'ipfo-pc', { othersEarlierMs: 1000, master: { preempt: false }, others: { preempt: false } });
    t.same(firstHolders, [1], 'nobody else held the address before it');
    t.same(masters, [1], 'no other member was ever master');
  });
}
