/** Failover after SIGKILL and after a graceful stop; a crashed master's leftovers cleaned at restart. */

import t from 'tap';
import { activeDownIntervalMs, skewTimeMs } from '../../src/protocol/timers.js';
import { Capture, sourceMac } from './helpers/capture.js';
import { Cluster, webInstance } from './helpers/cluster.js';
import { requireRoot } from './helpers/root.js';
import { holders, waitFor } from './helpers/topology.js';

const VIP = '203.0.113.10';
/** Scheduling noise on a loaded 2-core CI machine, on top of the protocol's own time. */
const MARGIN_MS = 400;

if (requireRoot(t)) {
  t.test('SIGKILL of the master: a backup holds the address within Active_Down_Interval, announced from its own MAC', async (t) => {
    const cluster = await Cluster.create(3, 'ipfo-fo');
    t.teardown(() => cluster.destroy());
    const master = cluster.start(1, [webInstance({ priority: 150 })]);
    const backup = cluster.start(2, [webInstance({ priority: 100 })]);
    cluster.start(3, [webInstance({ priority: 50 })]);
    await master.waitState('MASTER', 4000);
    await waitFor('the master holds the address', async () => ((await holders(cluster.members, VIP)).join() === '1' ? true : undefined), 2000);
    await backup.waitState('BACKUP', 1000);

    const arp = new Capture(cluster.topology.client.ns, 'arp');
    await arp.ready();
    await new Promise((resolve) => setTimeout(resolve, 200)); // the old master's own burst is over
    const mark = backup.lines.length;
    const arpMark = arp.raw.length;
    const killedAt = Date.now();
    master.kill('SIGKILL');
    const line = await backup.waitState('MASTER', 5000, { from: mark });
    const elapsed = Date.parse(line.time as string) - killedAt;
    const limit = activeDownIntervalMs(100, 10);
    t.equal(line.reason, 'active-down');
    t.ok(elapsed <= limit + MARGIN_MS, `took over ${elapsed} ms after the kill; Active_Down_Interval is ${limit} ms`);
    t.ok(elapsed >= limit - 100 - 10, 'not before the master could have been declared dead (one interval after its last advert)');
    await waitFor('member 2 holds the address', async () => ((await holders([cluster.member(2)], VIP)).length === 1 ? true : undefined), 2000);
    t.equal(cluster.daemon(3).state(), 'BACKUP', 'the lower priority stays backup');

    const announced = await arp.waitFor((l) => l.includes(`who-has ${VIP} tell ${VIP}`), 2000, arpMark);
    t.equal(sourceMac(announced), cluster.member(2).mac, "the first gratuitous ARP after the kill comes from the new master's own MAC (no virtual MAC)");
    const burst = await waitFor(
      'the whole burst',
      async () => {
        const frames = arp.raw.slice(arpMark).filter((l) => l.includes(`tell ${VIP}`));
        return frames.length >= 3 ? frames : undefined;
      },
      2000,
    );
    t.same(new Set(burst.map(sourceMac)), new Set([cluster.member(2).mac]), 'every announcement after the kill is from member 2');
    arp.kill();
  });

  t.test('graceful stop: priority 0, takeover in about Skew_Time, exit 0 within a second', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-gs');
    t.teardown(() => cluster.destroy());
    const master = cluster.start(1, [webInstance({ priority: 150 })]);
    const backup = cluster.start(2, [webInstance({ priority: 100, advertIntervalMs: 1000 })]);
    await master.waitState('MASTER', 4000);
    await backup.waitState('BACKUP', 2000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the backup has learned the 100 ms interval
    const mark = backup.lines.length;
    const stoppedAt = Date.now();
    const status = master.stop();
    const line = await backup.waitState('MASTER', 3000, { from: mark });
    const elapsed = Date.parse(line.time as string) - stoppedAt;
    t.equal(line.reason, 'active-released', 'released with priority 0');
    t.ok(elapsed < activeDownIntervalMs(100, 10) / 2, `took over ${elapsed} ms after SIGTERM; Skew_Time is ${skewTimeMs(100, 10)} ms, Active_Down_Interval ${activeDownIntervalMs(100, 10)} ms`);
    t.equal(await status, 0, 'the stopped daemon exits 0');
    const exitLine = master.lines.find((l) => l.reason === 'shutdown');
    t.ok(exitLine, 'the master logged its shutdown transition');
    t.ok(Date.now() - stoppedAt < 3000);
    await waitFor('only member 2 holds the address', async () => ((await holders(cluster.members, VIP)).join() === '2' ? true : undefined), 2000);
  });

  t.test('a restart after SIGKILL removes the stale address, then preempts with the higher priority', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-rs');
    t.teardown(() => cluster.destroy());
    const first = cluster.start(1, [webInstance({ priority: 150 })]);
    const second = cluster.start(2, [webInstance({ priority: 100 })]);
    await first.waitState('MASTER', 4000);
    await waitFor('member 1 holds the address', async () => ((await holders(cluster.members, VIP)).join() === '1' ? true : undefined), 2000);
    const secondMark = second.lines.length;
    first.kill('SIGKILL');
    await first.exited;
    await second.waitState('MASTER', 3000, { from: secondMark });
    const both = await waitFor('member 2 adds it too', async () => {
      const held = await holders(cluster.members, VIP);
      return held.length === 2 ? held : undefined;
    }, 2000);
    t.same(both, [1, 2], 'SIGKILL left the address behind on member 1');
    const restarted = cluster.start(1, [webInstance({ priority: 150 })]);
    const cleaned = await restarted.waitLine({ reason: 'present-at-startup' }, 3000);
    t.equal(cleaned.address, VIP);
    const back = await restarted.waitState('MASTER', 4000);
    t.equal(back.reason, 'preempt');
    await waitFor('member 1 alone holds it', async () => ((await holders(cluster.members, VIP)).join() === '1' ? true : undefined), 3000);
    t.equal(second.state(), 'BACKUP');
  });
}
