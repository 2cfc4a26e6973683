/**
 * Faults that can be made for real, on the wire: an interface deleted and created again under
 * the same name, an instance started before its interface exists, a reload that changes the
 * address list of a master, an address put back after removed-externally (announced again).
 */

import { spawn } from 'node:child_process';
import t from 'tap';
import { Cluster, webInstance } from './helpers/cluster.js';
import { requireRoot } from './helpers/root.js';
import { holders, inNs, plugMember, waitFor } from './helpers/topology.js';

const VIP = '203.0.113.10';
const only = (cluster: Cluster, address: string, who: string) =>
  waitFor(`${address} held by ${who} alone`, async () => ((await holders(cluster.members, address)).join() === who ? true : undefined), 4000);

if (requireRoot(t)) {
  t.test('an interface deleted and created again (new ifindex) is bound again without a restart', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-rc');
    t.teardown(() => cluster.destroy());
    const one = cluster.start(1, [webInstance({ priority: 150 })]);
    const two = cluster.start(2, [webInstance({ priority: 100 })]);
    await one.waitState('MASTER', 4000);
    await two.waitState('BACKUP', 3000);
    await only(cluster, VIP, '1');
    const mark = one.lines.length;
    // Deleting the bridge end deletes the pair: member 1's eth0 vanishes (a hot-unplugged NIC).
    await inNs(cluster.topology.hub, 'ip', 'link', 'del', 'p1');
    // Carrier goes first (link-down), then the interface itself (interface-missing).
    await one.waitState('FAULT', 3000, { from: mark });
    t.equal((await one.waitLine({ reason: 'interface-missing' }, 3000, mark)).interface, 'eth0', 'the reason is named');
    await two.waitState('MASTER', 3000);
    await plugMember(cluster.topology.hub, cluster.member(1));
    const back = await one.waitState('BACKUP', 5000, { from: mark });
    t.equal(back.reason, 'fault-cleared');
    // Preemption on and the higher priority: it must hear member 2 and take the role back,
    // which needs a fresh socket on the new ifindex with the multicast group joined again.
    await one.waitState('MASTER', 5000, { from: one.lines.indexOf(back) });
    await only(cluster, VIP, '1');
    t.equal(one.child.exitCode, null, 'the same daemon process all along');
  });

  t.test('an instance whose interface does not exist yet waits in FAULT and starts when it appears; the others run', async (t) => {
    const cluster = await Cluster.create(1, 'ipfo-late');
    t.teardown(() => cluster.destroy());
    const ns = cluster.member(1).ns;
    const daemon = cluster.start(1, [
      webInstance({ priority: 150 }),
      webInstance({ name: 'late', interface: 'veth-late', vrid: 52, virtualAddresses: ['203.0.113.20/32'] }),
    ]);
    await daemon.waitState('MASTER', 4000);
    const waiting = await daemon.waitLine({ instance: 'late', reason: 'interface-missing' }, 3000);
    t.equal(waiting.interface, 'veth-late');
    t.same(await holders(cluster.members, '203.0.113.20'), []);
    await inNs(ns, 'ip', 'link', 'add', 'veth-late', 'type', 'veth', 'peer', 'name', 'veth-peer');
    await inNs(ns, 'ip', 'link', 'set', 'veth-peer', 'up');
    await inNs(ns, 'ip', 'link', 'set', 'veth-late', 'up');
    // Up, but no address yet (DHCP still running): no-source-address.
    await daemon.waitLine({ instance: 'late', reason: 'no-source-address' }, 3000);
    await inNs(ns, 'ip', 'addr', 'add', '198.51.100.1/24', 'dev', 'veth-late');
    await daemon.waitState('MASTER', 5000, { instance: 'late' });
    await waitFor('203.0.113.20 on veth-late', async () => ((await inNs(ns, 'ip', '-o', 'addr', 'show', 'dev', 'veth-late')).includes('203.0.113.20') ? true : undefined), 3000);
    t.equal(daemon.state('web'), 'MASTER', 'the other instance was never touched');
  });

  t.test('a reload that changes the address list of a master adds and removes in place, announces the new one, no transition', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-rl');
    t.teardown(() => cluster.destroy());
    const one = cluster.start(1, [webInstance({ priority: 150 })]);
    const two = cluster.start(2, [webInstance({ priority: 100 })]);
    await one.waitState('MASTER', 4000);
    await two.waitState('BACKUP', 3000);
    const capture = cluster.topology.client;
    const arp = spawnCapture(capture.ns);
    t.teardown(() => arp.kill('SIGKILL'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const marks = [one.lines.length, two.lines.length];
    cluster.writeConfig(1, [webInstance({ priority: 150, virtualAddresses: ['203.0.113.11/32'] })]);
    cluster.writeConfig(2, [webInstance({ priority: 100, virtualAddresses: ['203.0.113.11/32'] })]);
    one.kill('SIGHUP');
    two.kill('SIGHUP');
    await one.waitLine({ msg: 'configuration reloaded' }, 4000, marks[0]);
    await two.waitLine({ msg: 'configuration reloaded' }, 4000, marks[1]);
    await only(cluster, '203.0.113.11', '1');
    t.same(await holders(cluster.members, VIP), [], 'the old address is gone everywhere');
    t.equal(one.transitions().filter((l) => one.lines.indexOf(l) >= (marks[0] ?? 0)).length, 0, 'zero transitions on the master');
    t.equal(two.transitions().filter((l) => two.lines.indexOf(l) >= (marks[1] ?? 0)).length, 0, 'zero transitions on the backup');
    await waitFor('gratuitous ARP for the new address', async () => (arp.output().includes('Request who-has 203.0.113.11 tell 203.0.113.11') ? true : undefined), 3000);
  });

  t.test('an address put back after removed-externally is announced again', async (t) => {
    const cluster = await Cluster.create(1, 'ipfo-ra');
    t.teardown(() => cluster.destroy());
    const one = cluster.start(1, [webInstance({ priority: 150, announce: { count: 1, intervalMs: 50, refreshIntervalMs: 0 } })]);
    await one.waitState('MASTER', 4000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const arp = spawnCapture(cluster.topology.client.ns);
    t.teardown(() => arp.kill('SIGKILL'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.notOk(arp.output().includes(`tell ${VIP}`), 'quiet before');
    await inNs(cluster.member(1).ns, 'ip', 'addr', 'del', `${VIP}/32`, 'dev', 'eth0');
    await one.waitLine({ reason: 'removed-externally' }, 2000);
    await waitFor('a gratuitous ARP after the re-add', async () => (arp.output().includes(`Request who-has ${VIP} tell ${VIP}`) ? true : undefined), 3000);
  });
}

/** tcpdump of ARP in a namespace, its text output collected. */
function spawnCapture(ns: string): { output(): string; kill(signal: NodeJS.Signals): void } {
  const child = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-l', '-n', '-i', 'eth0', 'arp'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { output: () => text, kill: (signal) => child.kill(signal) };
}
