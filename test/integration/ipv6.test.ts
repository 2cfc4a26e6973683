/** IPv6 instances, and the RFC 9568 §7.1 TTL / hop-limit check on the real wire. */

import t from 'tap';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';
import { Capture, sourceMac } from './helpers/capture.js';
import { Cluster, webInstance } from './helpers/cluster.js';
import { sendRawAdverts } from './helpers/raw-sender.js';
import { requireRoot } from './helpers/root.js';
import { holders, waitFor } from './helpers/topology.js';

const VIP6 = '2001:db8::10';
const v6Instance = (priority: number) => webInstance({ priority, virtualAddresses: [`${VIP6}/128`] });

if (requireRoot(t)) {
  t.test('IPv6: election, SIGKILL takeover, unsolicited NA from the new master’s own MAC', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-v6');
    t.teardown(() => cluster.destroy());
    const master = cluster.start(1, [v6Instance(150)]);
    const backup = cluster.start(2, [v6Instance(100)]);
    await master.waitState('MASTER', 4000);
    await backup.waitState('BACKUP', 2000);
    await waitFor('held by member 1', async () => ((await holders(cluster.members, VIP6)).join() === '1' ? true : undefined), 2000);
    const na = new Capture(cluster.topology.client.ns, 'icmp6 and ip6[40] == 136');
    await na.ready();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const mark = na.raw.length;
    const backupMark = backup.lines.length;
    master.kill('SIGKILL');
    const line = await backup.waitState('MASTER', 3000, { from: backupMark });
    t.equal(line.reason, 'active-down');
    await waitFor('held by member 2', async () => ((await holders([cluster.member(2)], VIP6)).length === 1 ? true : undefined), 2000);
    const advert = await na.waitFor((l) => l.includes(`tgt is ${VIP6}`), 2000, mark);
    t.equal(sourceMac(advert), cluster.member(2).mac, 'neighbor advertisement from the NIC’s own MAC');
    t.match(advert, /> 33:33:00:00:00:01/, 'to all nodes');
  });

  for (const family of [4, 6] as const) {
    t.test(`IPv${family}: advertisements with ${family === 4 ? 'TTL' : 'hop limit'} 254 are dropped and counted; 255 is obeyed`, async (t) => {
      const cluster = await Cluster.create(1, `ipfo-h${family}`);
      t.teardown(() => cluster.destroy());
      const client = cluster.topology.client;
      const vip = family === 4 ? '203.0.113.10' : VIP6;
      const advert = {
        family,
        src: family === 4 ? client.ipv4 : client.linkLocal,
        vrid: 51,
        priority: 200,
        intervalCs: 10,
        addresses: [vip],
      };
      // A well-formed higher-priority master every 100 ms keeps our daemon in Backup...
      const good = sendRawAdverts(client.ns, advert, 255, 1000, 100);
      await good.waitLine({ text: 'ready' }, 3000);
      const daemon = cluster.start(1, [webInstance({ priority: 100, virtualAddresses: [family === 4 ? `${vip}/32` : `${vip}/128`] })]);
      await daemon.waitState('BACKUP', 3000);
      await new Promise((resolve) => setTimeout(resolve, 4 * activeDownIntervalMs(100, 10)));
      t.equal(daemon.state(), 'BACKUP', 'obeys the advertisements with 255');
      t.equal(daemon.lines.some((l) => l.reason === 'bad-ttl'), false);
      good.kill('SIGKILL');
      // ...and the very same advertisements with 254 are not heard: it takes over.
      const mark = daemon.lines.length;
      const bad = sendRawAdverts(client.ns, advert, 254, 1000, 100);
      const dropped = await daemon.waitLine({ reason: 'bad-ttl' }, 3000, mark);
      t.equal(dropped.msg, 'advertisement dropped');
      t.equal(dropped.peer, advert.src);
      t.match(String(dropped.detail), /254/);
      t.equal(dropped.count, 1, 'counted (the count rides on the rate-limited log line)');
      const took = await daemon.waitState('MASTER', 3000, { from: mark });
      t.equal(took.reason, 'active-down');
      bad.kill('SIGKILL');
    });
  }
}
