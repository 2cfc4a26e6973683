/** Preempt on and off, unicast peers, two failover groups on one interface. */

import t from 'tap';
import { Cluster, START_WAIT_MS, webInstance } from './helpers/cluster.js';
import { requireRoot } from './helpers/root.js';
import { holders, waitFor } from './helpers/topology.js';

const VIP = '203.0.113.10';

const holdsAlone = (cluster: Cluster, vip: string, index: number) =>
  waitFor(`member ${index} alone holds ${vip}`, async () => ((await holders(cluster.members, vip)).join() === String(index) ? true : undefined), 4000);

if (requireRoot(t)) {
  t.test('preempt on: a higher priority that starts later takes the role', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-pe');
    t.teardown(() => cluster.destroy());
    const low = cluster.start(1, [webInstance({ priority: 100 })]);
    const lowMaster = await low.waitState('MASTER', START_WAIT_MS);
    const high = cluster.start(2, [webInstance({ priority: 200 })]);
    const took = await high.waitState('MASTER', START_WAIT_MS);
    t.equal(took.reason, 'preempt');
    t.equal((await low.waitState('BACKUP', 2000, { from: low.lines.indexOf(lowMaster) })).reason, 'higher-priority-seen');
    await holdsAlone(cluster, VIP, 2);
  });

  t.test('preempt off: a higher priority that starts later stays backup', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-np');
    t.teardown(() => cluster.destroy());
    const low = cluster.start(1, [webInstance({ priority: 100 })]);
    await low.waitState('MASTER', START_WAIT_MS);
    const high = cluster.start(2, [webInstance({ priority: 200, preempt: false })]);
    await high.waitState('BACKUP', START_WAIT_MS);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // many Active_Down_Intervals
    t.equal(high.state(), 'BACKUP');
    t.equal(low.state(), 'MASTER');
    await holdsAlone(cluster, VIP, 1);
  });

  t.test('unicast: peers only, failover works, a source outside the peer list is dropped', async (t) => {
    const cluster = await Cluster.create(3, 'ipfo-uc');
    t.teardown(() => cluster.destroy());
    const [m1, m2, m3] = [cluster.member(1), cluster.member(2), cluster.member(3)];
    const first = cluster.start(1, [webInstance({ priority: 150, unicastPeers: [m2.ipv4] })]);
    const second = cluster.start(2, [webInstance({ priority: 100, unicastPeers: [m1.ipv4] })]);
    // Member 3 is not in member 1's peer list, yet sends to it (hearing nobody, it is master of
    // its own address; the source check comes before the address-list check, RFC order aside).
    cluster.start(3, [webInstance({ priority: 50, unicastPeers: [m1.ipv4], virtualAddresses: ['203.0.113.99/32'] })]);
    await first.waitState('MASTER', START_WAIT_MS);
    await second.waitState('BACKUP', START_WAIT_MS);
    const dropped = await first.waitLine({ reason: 'unknown-peer' }, 4000);
    t.equal(dropped.peer, m3.ipv4, 'the stranger is named');
    await holdsAlone(cluster, VIP, 1);
    const mark = second.lines.length;
    first.kill('SIGKILL');
    await second.waitState('MASTER', 3000, { from: mark });
    t.pass('the unicast peer took over');
  });

  t.test('two failover groups on one interface, each with its own master', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-2g');
    t.teardown(() => cluster.destroy());
    const db = (priority: number) => webInstance({ name: 'db', vrid: 52, priority, virtualAddresses: ['203.0.113.20/32'] });
    const one = cluster.start(1, [webInstance({ priority: 150 }), db(100)]);
    const two = cluster.start(2, [webInstance({ priority: 100 }), db(150)]);
    await one.waitState('MASTER', START_WAIT_MS, { instance: 'web' });
    await two.waitState('MASTER', START_WAIT_MS, { instance: 'db' });
    await holdsAlone(cluster, VIP, 1);
    await holdsAlone(cluster, '203.0.113.20', 2);
    const mark = two.lines.length;
    one.kill('SIGKILL');
    await two.waitState('MASTER', 3000, { instance: 'web', from: mark });
    await holdsAlone(cluster, '203.0.113.20', 2);
    t.equal(two.state('db'), 'MASTER', 'the other group is untouched');
    await waitFor('member 2 holds web too', async () => ((await holders([cluster.member(2)], VIP)).length === 1 ? true : undefined), 2000);
  });
}
