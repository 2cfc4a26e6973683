/**
 * Interop with FRR's vrrpd 8.4 (the Debian package): the real daemon in member 1 of a Topology
 * (two members, a bridge and a client), FRR (zebra + vrrpd) in member 2, both speaking VRRPv3
 * multicast. FRR runs its virtual router on a macvlan with the virtual MAC (see the helper); ours
 * keeps its NIC's MAC. Each case runs for IPv4 and for IPv6:
 *
 *  1  FRR Master, ours Backup: ours accepts FRR's adverts; FRR crashes (SIGKILL vrrpd), ours
 *     takes over within Active_Down_Interval.
 *  2  ours Master (checksum rfc5798), FRR Backup: FRR accepts ours; ours crashes, FRR takes over.
 *  3  Graceful both ways: FRR releases (`no vrrp VRID`: priority 0), ours takes over after about
 *     Skew_Time; FRR comes back lower, ours releases (SIGTERM: priority 0), FRR takes over.
 *  4  (IPv4) ours with checksum "rfc9568": FRR 8.4 always puts the IPv4 pseudo-header in the
 *     checksum (RFC 5798), so it drops every advert of ours and becomes Master too.
 *
 * "Who holds the VIP" on FRR's side means: on its macvlan, and the macvlan not protodown (vrrpd
 * keeps it protodown unless Master). Timing assertions are protocol bounds (RFC 9568 §6.1 plus a
 * margin), never a race. Needs root and FRR; fails (does not skip) without them.
 */

import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, webInstance } from '../integration/helpers/cluster.js';
import { holders, waitFor } from '../integration/helpers/topology.js';
import { activeDownMs, clientMac, drops, lineTime, MARGIN_MS, path, skewMs } from './helpers/bounds.js';
import { FrrRouter, virtualMac, vrrpCommands, type Family, type FrrVrrp } from './helpers/frr.js';

const PREFIX = 'ipfo-frr';
const VIP: Record<Family, string> = { ipv4: '203.0.113.20', ipv6: '2001:db8::20' };
const PREFIX_LENGTH: Record<Family, number> = { ipv4: 32, ipv6: 64 };
/** What vrrpd (vrrp_packet.c, VRRP_PKT_VCHECK) logs for a datagram whose checksum it does not accept. */
const BAD_CHECKSUM = /Bad VRRP checksum/;

interface Bench {
  readonly cluster: Cluster;
  frr(vrrp: FrrVrrp): Promise<FrrRouter>;
  /** Who can use the VIP now: 'ours' (on m1's eth0) and/or 'frr' (m2's Master macvlan). */
  vipHolders(family: Family): Promise<string[]>;
}

/** A fresh two-member topology; FRR's processes, its directories and the namespaces go at teardown. */
async function bench(t: Test): Promise<Bench> {
  const routers: FrrRouter[] = [];
  let cluster: Cluster | undefined;
  t.teardown(async () => {
    if (!t.passing()) {
      for (const router of routers) process.stderr.write(`--- FRR on m${router.member.index}:\n${router.tail(40)}\n`);
      for (const [index, daemon] of cluster?.daemons ?? []) process.stderr.write(`--- ipfailoverd on m${index}:\n${daemon.raw.slice(-40).join('\n')}\n`);
    }
    await Promise.all(routers.map((router) => router.kill()));
    await cluster?.destroy();
  });
  cluster = await Cluster.create(2, PREFIX);
  const created = cluster;
  return {
    cluster: created,
    async frr(vrrp) {
      const router = await FrrRouter.start(created.member(2), vrrp);
      routers.push(router);
      return router;
    },
    async vipHolders(family) {
      const found = (await holders([created.member(1)], VIP[family])).length === 1 ? ['ours'] : [];
      for (const router of routers) if (router.vrrp.family === family && (await router.holds())) found.push('frr');
      return found;
    },
  };
}

function frrVrrp(family: Family, vrid: number, priority: number, advertIntervalMs: number): FrrVrrp {
  return { family, vrid, priority, advertIntervalMs, virtualAddress: `${VIP[family]}/${PREFIX_LENGTH[family]}` };
}

function ours(family: Family, vrid: number, priority: number, advertIntervalMs: number, checksum: 'rfc5798' | 'rfc9568' = 'rfc5798') {
  return webInstance({ vrid, priority, advertIntervalMs, checksum, virtualAddresses: [`${VIP[family]}/${PREFIX_LENGTH[family]}`] });
}

/** Root and FRR are preconditions: without them the file fails, it never skips. */
function frrVersion(): string {
  if (process.getuid?.() !== 0) throw new Error('needs root: builds network namespaces (run the suite as root, as CI does)');
  const output = spawnSync('/usr/lib/frr/vrrpd', ['--version'], { encoding: 'utf8' });
  if (output.error !== undefined) throw new Error(`FRR is not installed: ${output.error.message}`);
  return `${output.stdout}${output.stderr}`.split('\n')[0] ?? '';
}

t.comment(`peer: ${frrVersion()}`);

for (const family of ['ipv4', 'ipv6'] as const) {
  const base = family === 'ipv4' ? 10 : 20;

  t.test(`${family}: FRR Master, ours Backup; FRR crashes, ours takes over`, async (t) => {
    const { cluster, frr, vipHolders } = await bench(t);
    const interval = 100;
    const router = await frr(frrVrrp(family, base + 1, 150, interval));
    await router.waitState('Master', 5000);
    // Ours at 200 ms, FRR at 100 ms: the interval-mismatch note, logged only for an ACCEPTED
    // advert, shows that ours takes FRR's checksum.
    const daemon = cluster.start(1, [ours(family, base + 1, 100, 2 * interval)]);
    await daemon.waitState('BACKUP', 5000);
    const note = await daemon.waitLine({ instance: 'web', reason: 'interval-mismatch' }, 3000);
    t.pass(`ours accepted an advert from FRR (${String(note.peer)}) and noted its interval: ${String(note.detail)}`);

    // Several of the learnt Active_Down_Intervals (361 ms): a Backup that dropped FRR's adverts
    // would have become MASTER in that time.
    await sleep(1500);
    t.strictSame(path(daemon), ['INIT>BACKUP(startup)'], 'ours stays BACKUP while FRR advertises');
    t.strictSame(drops(daemon), [], "ours dropped none of FRR's adverts");
    t.strictSame(router.states(), ['Backup', 'Master'], 'FRR: Backup, then Master, and stays Master');
    t.strictSame(await vipHolders(family), ['frr'], "exactly one side holds the VIP: FRR's");
    if (family === 'ipv4') {
      const vmac = virtualMac(family, base + 1);
      t.equal(await waitFor('client ARP entry', async () => ((await clientMac(cluster, VIP[family])) === vmac ? vmac : undefined), 3000), vmac, "the client reaches the VIP at FRR's virtual MAC");
    }

    const from = daemon.lines.length;
    const killedAt = Date.now();
    await router.crash();
    const up = await daemon.waitState('MASTER', 5000, { from });
    t.equal(up.reason, 'active-down', 'ours takes over because FRR fell silent');
    const took = lineTime(up) - killedAt;
    const bound = activeDownMs(100, interval) + MARGIN_MS;
    t.ok(took <= bound, `takeover ${took} ms after the crash ≤ Active_Down_Interval with FRR's interval (${activeDownMs(100, interval)} ms) + ${MARGIN_MS} ms`);
    await waitFor('ours to hold the VIP', async () => ((await holders([cluster.member(1)], VIP[family])).length === 1 ? true : undefined), 3000);
    // A crash removes nothing: zebra leaves the crashed vrrpd's macvlan up, with the VIP on it.
    t.strictSame(await vipHolders(family), ['ours', 'frr'], "ours holds the VIP (m2 keeps the crashed vrrpd's stale macvlan)");
    if (family === 'ipv4') {
      const own = cluster.member(1).mac;
      t.equal(await waitFor('client ARP entry to move to ours', async () => ((await clientMac(cluster, VIP[family])) === own ? own : undefined), 3000), own, "ours' gratuitous ARP moved the client to its own MAC");
    }
  });

  t.test(`${family}: ours Master (checksum rfc5798), FRR Backup; ours crashes, FRR takes over`, async (t) => {
    const { cluster, frr, vipHolders } = await bench(t);
    const interval = 100;
    const daemon = cluster.start(1, [ours(family, base + 2, 200, interval)]);
    await daemon.waitState('MASTER', 5000);
    const router = await frr(frrVrrp(family, base + 2, 100, interval));
    await router.waitState('Backup', 5000);

    await sleep(1500); // > 4 × FRR's Master_Down_Interval (361 ms)
    t.strictSame(router.states(), ['Backup'], 'FRR stays Backup: it accepts our adverts');
    const status = await router.status();
    t.equal(status.status, 'Backup', 'vrrpd shows Backup');
    t.ok(status.stats.adverRx > 0, `vrrpd counted our adverts (${status.stats.adverRx})`);
    t.strictSame(router.vrrpd.matching(BAD_CHECKSUM), [], 'vrrpd logs no checksum complaint');
    t.strictSame(path(daemon), ['INIT>BACKUP(startup)', 'BACKUP>MASTER(no-active-seen)'], 'ours stays MASTER');
    t.strictSame(drops(daemon), [], 'ours dropped nothing');
    t.strictSame(await vipHolders(family), ['ours'], 'exactly one side holds the VIP: ours (FRR keeps its macvlan protodown)');

    const from = router.vrrpd.lines.length;
    const killedAt = Date.now();
    daemon.kill('SIGKILL');
    await daemon.exited;
    const up = await router.waitState('Master', 5000, from);
    const took = up.at - killedAt;
    const bound = activeDownMs(100, interval) + MARGIN_MS;
    t.ok(took <= bound, `FRR takes over ${took} ms after ours crashed ≤ Active_Down_Interval (${activeDownMs(100, interval)} ms) + ${MARGIN_MS} ms`);
    await waitFor('FRR to hold the VIP', async () => ((await router.holds()) ? true : undefined), 3000);
    // A crash removes nothing: ours' copy stays on m1's eth0.
    t.strictSame(await vipHolders(family), ['ours', 'frr'], "FRR holds the VIP, its macvlan up (m1 keeps the crashed daemon's stale copy)");
    if (family === 'ipv4') {
      const vmac = virtualMac(family, base + 2);
      t.equal(await waitFor('client ARP entry to move to FRR', async () => ((await clientMac(cluster, VIP[family])) === vmac ? vmac : undefined), 3000), vmac, "FRR's gratuitous ARP moved the client to the virtual MAC");
    }
  });

  t.test(`${family}: graceful both ways: FRR releases (no vrrp), ours takes over; ours releases (SIGTERM), FRR takes over`, async (t) => {
    const { cluster, frr, vipHolders } = await bench(t);
    // 500 ms: Skew_Time and Active_Down_Interval are far apart, so "about Skew_Time, clearly not
    // Active_Down_Interval" is a wide, robust bound.
    const interval = 500;
    const vrid = base + 3;
    const router = await frr(frrVrrp(family, vrid, 150, interval));
    await router.waitState('Master', 5000);
    const daemon = cluster.start(1, [ours(family, vrid, 100, interval)]);
    await daemon.waitState('BACKUP', 5000);
    await sleep(2 * interval + 100); // ours has heard FRR at least twice
    t.strictSame(path(daemon), ['INIT>BACKUP(startup)'], 'ours is BACKUP under FRR');
    t.strictSame(await vipHolders(family), ['frr'], "exactly one side holds the VIP: FRR's");

    // FRR releases: §6.4.3, a Master that is shut down sends priority 0.
    let from = daemon.lines.length;
    const releasedAt = Date.now();
    await router.release();
    const up = await daemon.waitState('MASTER', 5000, { from });
    t.equal(up.reason, 'active-released', 'ours takes over because FRR released with priority 0');
    const took = lineTime(up) - releasedAt;
    t.ok(
      took < (skewMs(100, interval) + activeDownMs(100, interval)) / 2,
      `ours MASTER ${took} ms after FRR's release: nearer Skew_Time (${skewMs(100, interval)} ms) than Active_Down_Interval (${activeDownMs(100, interval)} ms)`,
    );
    await waitFor('the VIP on ours only', async () => {
      const now = await vipHolders(family);
      return now.length === 1 && now[0] === 'ours' ? now : undefined;
    }, 3000);
    t.pass('exactly one side holds the VIP: ours (FRR gave its macvlan up)');

    // FRR back, lower than ours: Backup under ours. Then ours releases with priority 0.
    const lower = frrVrrp(family, vrid, 50, interval);
    const frrFrom = router.vrrpd.lines.length;
    await router.vtysh('configure terminal', 'interface eth0', ...vrrpCommands(lower), 'end');
    await router.waitState('Backup', 5000, frrFrom);
    await sleep(2 * interval + 100);
    t.strictSame(router.vrrpd.matching(/-> Master$/, frrFrom), [], 'FRR (priority 50) stays Backup under ours');
    t.strictSame(await vipHolders(family), ['ours'], 'exactly one side holds the VIP: ours');

    from = router.vrrpd.lines.length;
    const stoppedAt = Date.now();
    t.equal(await daemon.stop(), 0, 'ours exits 0 on SIGTERM');
    const frrUp = await router.waitState('Master', 5000, from);
    const frrTook = frrUp.at - stoppedAt;
    t.ok(
      frrTook < (skewMs(50, interval) + activeDownMs(50, interval)) / 2,
      `FRR Master ${frrTook} ms after our SIGTERM: nearer Skew_Time (${skewMs(50, interval)} ms) than Active_Down_Interval (${activeDownMs(50, interval)} ms)`,
    );
    t.strictSame(path(daemon).at(-1), 'MASTER>INIT(shutdown)', 'ours left MASTER by shutdown');
    await waitFor('the VIP on FRR only', async () => {
      const now = await vipHolders(family);
      return now.length === 1 && now[0] === 'frr' ? now : undefined;
    }, 3000);
    t.pass('exactly one side holds the VIP: FRR (ours removed its copy)');
  });
}

t.test('ours with checksum rfc9568: FRR 8.4 rejects it and becomes Master too (use rfc5798 with FRR)', async (t) => {
  const { cluster, frr, vipHolders } = await bench(t);
  const interval = 100;
  const daemon = cluster.start(1, [ours('ipv4', 30, 200, 2 * interval, 'rfc9568')]);
  await daemon.waitState('MASTER', 5000);
  const router = await frr(frrVrrp('ipv4', 30, 100, interval));
  await router.vrrpd.waitLine(BAD_CHECKSUM, 5000);
  t.pass('vrrpd logs a checksum error for our RFC 9568 IPv4 checksum');
  await router.waitState('Master', 5000);
  t.pass('FRR, hearing no valid advert, becomes Master despite our higher priority');
  await sleep(500);
  t.strictSame(router.states(), ['Backup', 'Master'], 'FRR stays Master');
  const status = await router.status();
  t.equal(status.status, 'Master', 'vrrpd shows Master');
  t.equal(status.stats.adverRx, 0, 'vrrpd counted none of our adverts as received');
  t.comment(`vrrpd: ${router.vrrpd.matching(BAD_CHECKSUM)[0]?.text.replace(/^.*\] /, '') ?? ''}`);
  t.strictSame(path(daemon), ['INIT>BACKUP(startup)', 'BACKUP>MASTER(no-active-seen)'], 'ours stays MASTER (it hears a lower priority)');
  t.strictSame(drops(daemon), [], "ours drops none of FRR's RFC 5798 adverts");
  t.ok(daemon.lines.some((line) => line.reason === 'interval-mismatch' && line.peer === cluster.member(2).ipv4), "ours accepted FRR's adverts (its interval-mismatch note names FRR)");
  t.strictSame(await vipHolders('ipv4'), ['ours', 'frr'], 'split brain: both sides hold the VIP');
});
