/** Reload (SIGHUP and ipfailoverctl reload): keep what did not change, apply what did. */

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { Capture } from './helpers/capture.js';
import { Cluster, webInstance } from './helpers/cluster.js';
import { ctl, statusSocketReady } from './helpers/ctl.js';
import { requireRoot } from './helpers/root.js';
import { holders, inNs, waitFor } from './helpers/topology.js';

const VIP = '203.0.113.10';
const db = (overrides: Record<string, unknown> = {}) => webInstance({ name: 'db', vrid: 52, virtualAddresses: ['203.0.113.20/32'], ...overrides });

if (requireRoot(t)) {
  t.test('an unchanged reload touches nothing: no transition, no announcement', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-r0');
    t.teardown(() => cluster.destroy());
    const one = cluster.start(1, [webInstance({ priority: 150 })]);
    cluster.start(2, [webInstance({ priority: 100 })]);
    await one.waitState('MASTER', 4000);
    await waitFor('held', async () => ((await holders(cluster.members, VIP)).join() === '1' ? true : undefined), 2000);
    const arp = new Capture(cluster.topology.client.ns, 'arp');
    await arp.ready();
    // Past the start-up's announcements (a preemption at start ends with one more burst when
    // quiet, an Active_Down_Interval later): only what the reload would send counts.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const arpMark = arp.raw.length;
    const mark = one.lines.length;
    one.kill('SIGHUP');
    const done = await one.waitLine({ msg: 'configuration reloaded' }, 3000, mark);
    t.same(done.unchanged, ['web']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    t.equal(one.lines.slice(mark).filter((l) => typeof l.to === 'string').length, 0, 'no transition');
    t.equal(arp.raw.slice(arpMark).filter((l) => l.includes(`tell ${VIP}`)).length, 0, 'no gratuitous ARP');
    t.same(await holders(cluster.members, VIP), [1]);
    arp.kill();
  });

  t.test('changes: priority in place (the backup preempts), an instance added and one removed', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-r1');
    t.teardown(() => cluster.destroy());
    const one = cluster.start(1, [webInstance({ priority: 150 }), db({ priority: 150 })]);
    const two = cluster.start(2, [webInstance({ priority: 100 })]);
    await one.waitState('MASTER', 4000);
    await one.waitState('MASTER', 4000, { instance: 'db' });
    await waitFor('db held', async () => ((await holders(cluster.members, '203.0.113.20')).join() === '1' ? true : undefined), 2000);
    await statusSocketReady(one.statusSocket);
    // web drops below member 2; db goes away; mail arrives.
    cluster.writeConfig(1, [webInstance({ priority: 50 }), webInstance({ name: 'mail', vrid: 53, virtualAddresses: ['203.0.113.30/32'] })]);
    const mark = one.lines.length;
    const twoMark = two.lines.length;
    const reloaded = await ctl(one.statusSocket, ['reload']);
    t.equal(reloaded.status, 0);
    t.match(reloaded.stdout, /update: web; restart: -; remove: db; add: mail/);
    const yielded = await one.waitState('BACKUP', 3000, { from: mark });
    t.equal(yielded.reason, 'higher-priority-seen', 'the new priority was advertised at once and member 2 preempted');
    t.equal((await two.waitState('MASTER', 3000, { from: twoMark })).reason, 'preempt');
    t.equal(one.lines.slice(mark).filter((l) => l.instance === 'web' && l.reason === 'startup').length, 0, 'web was not restarted');
    await waitFor('db released', async () => ((await holders(cluster.members, '203.0.113.20')).length === 0 ? true : undefined), 2000);
    await one.waitState('MASTER', 4000, { instance: 'mail', from: mark });
    await waitFor('mail held', async () => ((await holders(cluster.members, '203.0.113.30')).join() === '1' ? true : undefined), 2000);
  });

  t.test('an invalid file changes nothing and says why', async (t) => {
    const cluster = await Cluster.create(1, 'ipfo-r2');
    t.teardown(() => cluster.destroy());
    const one = cluster.start(1, [webInstance()]);
    await one.waitState('MASTER', 4000);
    await statusSocketReady(one.statusSocket);
    writeFileSync(one.configFile, JSON.stringify({ instances: [{ name: 'web', interface: 'eth0', vrid: 999, virtualAddresses: ['203.0.113.10/32'] }] }));
    const mark = one.lines.length;
    const reloaded = await ctl(one.statusSocket, ['reload']);
    t.equal(reloaded.status, 70);
    t.match(reloaded.stderr, /\/instances\/0\/vrid/);
    t.match(reloaded.stderr, /running configuration is kept/);
    const logged = await one.waitLine({ path: '/instances/0/vrid' }, 2000, mark);
    t.equal(logged.level, 'error');
    one.kill('SIGHUP');
    await one.waitLine({ msg: 'reload failed' }, 2000, mark);
    t.equal(one.state(), 'MASTER');
    t.same(await holders(cluster.members, VIP), [1]);
    const status = JSON.parse((await ctl(one.statusSocket, ['--json', 'status'])).stdout) as { instances: Array<{ vrid: number }> };
    t.equal(status.instances[0]?.vrid, 51, 'still the old configuration');
  });
}

if (requireRoot(t)) {
  t.test('a priority change keeps the health checks running: the master does not fall to FAULT', async (t) => {
    const cluster = await Cluster.create(1, 'ipfo-r3');
    t.teardown(() => cluster.destroy());
    const track = { scripts: [{ name: 'ok', command: ['/bin/true'], intervalMs: 200, timeoutMs: 100 }] };
    const one = cluster.start(1, [webInstance({ priority: 150, track })]);
    await one.waitState('MASTER', 5000);
    await statusSocketReady(one.statusSocket);
    cluster.writeConfig(1, [webInstance({ priority: 140, track })]);
    const mark = one.lines.length;
    t.equal((await ctl(one.statusSocket, ['reload'])).status, 0);
    await new Promise((resolve) => setTimeout(resolve, 800));
    t.equal(one.lines.slice(mark).filter((l) => typeof l.to === 'string').length, 0, 'no transition at all');
    const status = JSON.parse((await ctl(one.statusSocket, ['--json', 'status'])).stdout) as { instances: Array<{ priority: { effective: number } }> };
    t.equal(status.instances[0]?.priority.effective, 140);
  });

  t.test('an instance added for an interface that does not exist yet waits in FAULT and starts when it appears', async (t) => {
    const cluster = await Cluster.create(1, 'ipfo-r4');
    t.teardown(() => cluster.destroy());
    const one = cluster.start(1, [webInstance()]);
    await one.waitState('MASTER', 4000);
    await statusSocketReady(one.statusSocket);
    cluster.writeConfig(1, [webInstance(), db({ interface: 'late0' })]);
    const first = await ctl(one.statusSocket, ['reload']);
    t.match(first.stdout, /add: db/);
    t.notMatch(first.stdout, /not started/, 'added, waiting for its interface');
    const status = JSON.parse((await ctl(one.statusSocket, ['--json', 'status'])).stdout) as { instances: Array<{ name: string; state: string; faults: string[] }> };
    const waiting = status.instances.find((i) => i.name === 'db');
    t.equal(waiting?.state, 'FAULT');
    t.same(waiting?.faults, ['interface-missing'], 'with the reason named');
    // The interface appears (a NIC attached late): db starts by itself, no reload needed.
    await inNs(cluster.member(1).ns, 'ip', 'link', 'add', 'late0', 'type', 'veth', 'peer', 'name', 'late1');
    await inNs(cluster.member(1).ns, 'ip', 'addr', 'add', '198.51.100.1/24', 'dev', 'late0');
    await inNs(cluster.member(1).ns, 'ip', 'link', 'set', 'late0', 'up');
    await inNs(cluster.member(1).ns, 'ip', 'link', 'set', 'late1', 'up');
    await one.waitState('MASTER', 4000, { instance: 'db' });
  });
}
