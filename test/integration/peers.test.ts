/**
 * Nobody outside the group moves the IP: VRRPv3 has no authentication (RFC 9568 §9), so in
 * multicast mode the `peers` list is the guard. A host on the LAN that is not a member (the
 * topology's client namespace, 192.0.2.200 / fe80::c8) sends well-formed advertisements for the
 * group's VRID through a raw socket: priority 254 (take the role) and priority 0 (the master
 * gives up, §6.4.2: a Backup takes over after Skew_Time). With the list they change nothing and
 * are counted; after a reload without the list, the same advertisements take the role.
 */

import t from 'tap';
import { Cluster, webInstance, type Daemon } from './helpers/cluster.js';
import { ctl, statusSocketReady } from './helpers/ctl.js';
import { sendRawAdverts, type RawAdvert } from './helpers/raw-sender.js';
import { requireRoot } from './helpers/root.js';
import { holders, waitFor, type Member } from './helpers/topology.js';

/** 100 ms advertisements; Active_Down_Interval at priority 100 is 0.36 s. */
const INTERVAL_MS = 100;
/** Each stream lasts 2 s: several Active_Down_Intervals, long enough to take the role many times over. */
const COUNT = 20;

interface Family {
  readonly family: 4 | 6;
  readonly vip: string;
  readonly prefix: number;
  /** The address a member's advertisements come from: IPv6 sends from the link-local (§5.1.2.1). */
  readonly sourceOf: (member: Member) => string;
}

const FAMILIES: readonly Family[] = [
  { family: 4, vip: '203.0.113.10', prefix: 32, sourceOf: (m) => m.ipv4 },
  { family: 6, vip: '2001:db8::10', prefix: 128, sourceOf: (m) => m.linkLocal },
];

async function rejectedCount(daemon: Daemon, reason: string): Promise<number> {
  const reply = JSON.parse((await ctl(daemon.statusSocket, ['--json', 'status'])).stdout) as { instances: Array<{ name: string; counters: { rejected: Record<string, number> } }> };
  return reply.instances.find((i) => i.name === 'web')?.counters.rejected[reason] ?? 0;
}

/** Sends `COUNT` advertisements from the stranger and waits until it has sent them all. */
async function stream(cluster: Cluster, advert: RawAdvert): Promise<void> {
  const sender = sendRawAdverts(cluster.topology.client.ns, advert, 255, COUNT, INTERVAL_MS);
  const status = await sender.exited;
  if (status !== 0) throw new Error(`raw sender exited with ${String(status)}: ${sender.raw.join('\n')}`);
}

async function reload(cluster: Cluster, index: number, instances: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  const daemon = cluster.daemon(index);
  const mark = daemon.lines.length;
  cluster.writeConfig(index, instances);
  daemon.kill('SIGHUP');
  await daemon.waitLine({ msg: 'configuration reloaded' }, 3000, mark);
}

if (requireRoot(t)) {
  for (const { family, vip, prefix, sourceOf } of FAMILIES) {
    t.test(`IPv${family}: with peers, a stranger's priority 254 and priority 0 change nothing; without, 254 takes the role`, async (t) => {
      const cluster = await Cluster.create(2, `ipfo-pr${family}`);
      t.teardown(() => cluster.destroy());
      const [m1, m2] = [cluster.member(1), cluster.member(2)];
      const stranger = cluster.topology.client;
      const web = (priority: number, peers?: string[]) =>
        webInstance({ priority, advertIntervalMs: INTERVAL_MS, virtualAddresses: [`${vip}/${prefix}`], ...(peers === undefined ? {} : { peers }) });
      const master = cluster.start(1, [web(150, [sourceOf(m2)])]);
      const backup = cluster.start(2, [web(100, [sourceOf(m1)])]);
      await master.waitState('MASTER', 8000);
      await backup.waitState('BACKUP', 8000);
      await statusSocketReady(master.statusSocket);
      await statusSocketReady(backup.statusSocket);
      await waitFor(`member 1 alone holds ${vip}`, async () => ((await holders(cluster.members, vip)).join() === '1' ? true : undefined), 3000);

      const advert = { family, src: sourceOf(stranger), vrid: 51, intervalCs: INTERVAL_MS / 10, addresses: [vip] };
      const marks = { master: master.transitions().length, backup: backup.transitions().length };
      await stream(cluster, { ...advert, priority: 254 });
      await stream(cluster, { ...advert, priority: 0 });
      for (const daemon of [master, backup]) {
        await waitFor(`member ${daemon.member.index} counts every stranger's advertisement`, async () => ((await rejectedCount(daemon, 'source-not-a-peer')) === 2 * COUNT ? true : undefined), 3000);
        const logged = daemon.lines.filter((l) => l.reason === 'source-not-a-peer');
        t.equal(logged.length, 1, `member ${daemon.member.index}: one log line for ${2 * COUNT} drops (rate-limited)`);
        t.equal(logged[0]?.peer, sourceOf(stranger), 'naming the stranger');
      }
      t.equal(master.transitions().length, marks.master, 'the master never left MASTER');
      t.equal(backup.transitions().length, marks.backup, 'the backup never left BACKUP');
      t.equal(master.state(), 'MASTER');
      t.equal(backup.state(), 'BACKUP');
      t.same(await holders(cluster.members, vip), [1], 'member 1 still holds the IP');

      // The same advertisement once the lists are gone (a reload): the stranger takes the role.
      await reload(cluster, 1, [web(150)]);
      await reload(cluster, 2, [web(100)]);
      const mark = master.lines.length;
      const sender = sendRawAdverts(stranger.ns, { ...advert, priority: 254 }, 255, COUNT, INTERVAL_MS);
      t.teardown(() => sender.kill('SIGKILL'));
      const gave = await master.waitState('BACKUP', 2000, { from: mark });
      t.equal(gave.reason, 'higher-priority-seen', 'without peers, the stranger displaces the master');
      await waitFor(`nobody holds ${vip}`, async () => ((await holders(cluster.members, vip)).length === 0 ? true : undefined), 2000);
      t.equal(await sender.exited, 0);
    });
  }
}
