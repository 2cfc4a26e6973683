/** The address follows the role, whoever touches it; link down sends the master to Fault. */

import t from 'tap';
import { Cluster, webInstance } from './helpers/cluster.js';
import { requireRoot } from './helpers/root.js';
import { holders, inNs, waitFor } from './helpers/topology.js';

const VIP = '203.0.113.10';

if (requireRoot(t)) {
  t.test('deleted by hand on the master (a DHCP renewal does this): put back and logged', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-ad');
    t.teardown(() => cluster.destroy());
    const master = cluster.start(1, [webInstance({ priority: 150 })]);
    cluster.start(2, [webInstance({ priority: 100 })]);
    await master.waitState('MASTER', 4000);
    await waitFor('held', async () => ((await holders(cluster.members, VIP)).join() === '1' ? true : undefined), 2000);
    await inNs(cluster.member(1).ns, 'ip', 'addr', 'del', `${VIP}/32`, 'dev', 'eth0');
    const line = await master.waitLine({ reason: 'removed-externally' }, 2000);
    t.equal(line.address, VIP);
    await waitFor('back on the master', async () => ((await holders(cluster.members, VIP)).join() === '1' ? true : undefined), 2000);
    t.equal(master.state(), 'MASTER', 'no transition for this');
  });

  t.test('added by hand on a backup (the provider DHCP hands it out): removed and logged', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-aa');
    // Present before the daemon starts, as the provider's DHCP leaves it: removed at start-up.
    await inNs(cluster.member(2).ns, 'ip', 'addr', 'add', `${VIP}/24`, 'dev', 'eth0');
    t.teardown(() => cluster.destroy());
    const master = cluster.start(1, [webInstance({ priority: 150 })]);
    const backup = cluster.start(2, [webInstance({ priority: 100 })]);
    await master.waitState('MASTER', 4000);
    await backup.waitState('BACKUP', 2000);
    t.equal((await backup.waitLine({ reason: 'present-at-startup' }, 2000)).prefixLength, 24);
    await waitFor('removed at start-up', async () => ((await holders(cluster.members, VIP)).join() === '1' ? true : undefined), 2000);
    // As a DHCP client would: with the subnet's prefix length, not the configured /32.
    await inNs(cluster.member(2).ns, 'ip', 'addr', 'add', `${VIP}/24`, 'dev', 'eth0');
    const line = await backup.waitLine({ reason: 'added-externally' }, 2000);
    t.equal(line.address, VIP);
    t.equal(line.prefixLength, 24);
    await waitFor('gone from the backup', async () => ((await holders(cluster.members, VIP)).join() === '1' ? true : undefined), 2000);
  });

  t.test('link down on the master: Fault, address released, the backup takes over; link up: Backup', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-ld');
    t.teardown(() => cluster.destroy());
    const master = cluster.start(1, [webInstance({ priority: 150 })]);
    const backup = cluster.start(2, [webInstance({ priority: 100 })]);
    await master.waitState('MASTER', 4000);
    await backup.waitState('BACKUP', 2000);
    const mark = master.lines.length;
    const backupMark = backup.lines.length;
    await inNs(cluster.member(1).ns, 'ip', 'link', 'set', 'eth0', 'down');
    t.equal((await master.waitState('FAULT', 3000, { from: mark })).reason, 'fault');
    await backup.waitState('MASTER', 3000, { from: backupMark });
    t.same(await holders([cluster.member(1)], VIP), [], 'the faulty member holds no address');
    await inNs(cluster.member(1).ns, 'ip', 'link', 'set', 'eth0', 'up');
    const back = await master.waitState('BACKUP', 5000, { from: mark });
    t.equal(back.reason, 'fault-cleared');
    // Preempt is on and it has the higher priority: it takes the role back.
    await master.waitState('MASTER', 5000, { from: master.lines.indexOf(back) });
    await waitFor('member 1 holds it again', async () => ((await holders(cluster.members, VIP)).join() === '1' ? true : undefined), 3000);
  });
}
