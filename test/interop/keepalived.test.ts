/**
 * Interop with keepalived 2.2.7 (the Debian package): the real daemon in member 1 of a Topology
 * (two members, a bridge and a client), keepalived in member 2, both speaking VRRPv3 multicast.
 *
 *  1+2  keepalived MASTER, ours BACKUP: ours accepts its RFC 5798-checksummed adverts, adopts its
 *       interval, and takes over within Active_Down_Interval after keepalived crashes.
 *  3    ours MASTER (checksum rfc5798, the default), keepalived BACKUP: keepalived accepts ours;
 *       after ours crashes it takes over.
 *  4    ours releases (SIGTERM → priority 0): keepalived takes over after about Skew_Time.
 *  5    ours with checksum "rfc9568": keepalived 2.2.7 rejects every advert ("Invalid VRRPv3
 *       checksum") and becomes MASTER as well: a split brain. This is why "rfc5798" is the default.
 *  6    IPv6 (one checksum form, RFC 8200 pseudo-header; adverts from link-local): both ways.
 *
 * Timing assertions are protocol bounds (RFC 9568 §6.1 formulas plus a margin), never a race.
 * Crash = SIGKILL: ours is one process; for keepalived it is its VRRP child (see the helper: its
 * parent's death would make the child release gracefully). A crashed node leaves its addresses
 * on its NIC (nobody removes them); the assertions say who holds them, and why.
 *
 * Needs root and keepalived; fails (does not skip) without them.
 */

import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, webInstance } from '../integration/helpers/cluster.js';
import { holders, waitFor } from '../integration/helpers/topology.js';
import { activeDownMs, clientMac, drops, lineTime, MARGIN_MS, path, skewMs } from './helpers/bounds.js';
import { KeepalivedProcess, type KeepalivedInstance } from './helpers/keepalived.js';

const PREFIX = 'ipfo-ka';
const VIP4 = '203.0.113.10';
const VIP6 = '2001:db8::10';
const INVALID_CHECKSUM = /Invalid VRRPv3 checksum/;

interface Bench {
  readonly cluster: Cluster;
  keepalived(index: number, instance: KeepalivedInstance): KeepalivedProcess;
}

/** A fresh two-member topology and a private directory; everything is removed at teardown. */
async function bench(t: Test): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), 'ipfo-ka-'));
  const started: KeepalivedProcess[] = [];
  let cluster: Cluster | undefined;
  t.teardown(async () => {
    // A failed test shows what the peers said: keepalived's console and our JSON log.
    if (!t.passing()) {
      for (const process_ of started) process.stderr.write(`--- keepalived on m${process_.member.index} (${process_.instance.name}):\n${process_.tail(40)}\n`);
      for (const [index, daemon] of cluster?.daemons ?? []) process.stderr.write(`--- ipfailoverd on m${index}:\n${daemon.raw.slice(-40).join('\n')}\n`);
    }
    await Promise.all(started.map((process_) => process_.kill()));
    await cluster?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  cluster = await Cluster.create(2, PREFIX);
  const created = cluster;
  return {
    cluster: created,
    keepalived(index, instance) {
      const process_ = new KeepalivedProcess(created.member(index), dir, instance);
      started.push(process_);
      return process_;
    },
  };
}

/** Root and keepalived are preconditions: without them the file fails, it never skips. */
function keepalivedVersion(): string {
  if (process.getuid?.() !== 0) throw new Error('needs root: builds network namespaces (run the suite as root, as CI does)');
  // keepalived 2.2.7 prints its version on stderr.
  const output = spawnSync('keepalived', ['--version'], { encoding: 'utf8' });
  if (output.error !== undefined) throw new Error(`keepalived is not installed: ${output.error.message}`);
  return `${output.stdout}${output.stderr}`.split('\n')[0] ?? '';
}

t.comment(`peer: ${keepalivedVersion()}`);

t.test('keepalived MASTER, ours BACKUP; keepalived crashes, ours takes over (IPv4)', async (t) => {
  const { cluster, keepalived } = await bench(t);
  const kaInterval = 100;
  const ka = keepalived(2, { name: 'web', vrid: 51, priority: 150, advertInt: kaInterval / 1000, virtualAddresses: [`${VIP4}/32`] });
  await ka.waitState('MASTER', 5000);

  // Ours is configured with a 1 s interval on purpose: a Backup adopts the Active router's
  // interval (§6.4.2), and the interval-mismatch note is logged only for an ACCEPTED advert.
  const ours = cluster.start(1, [webInstance({ vrid: 51, priority: 100, advertIntervalMs: 1000, virtualAddresses: [`${VIP4}/32`] })]);
  await ours.waitState('BACKUP', 5000);
  const note = await ours.waitLine({ instance: 'web', reason: 'interval-mismatch', peer: cluster.member(2).ipv4 }, 3000);
  t.pass(`ours accepted an advert from keepalived (${cluster.member(2).ipv4}) and noted its interval: ${String(note.detail)}`);

  // Several of the learnt Active_Down_Intervals (361 ms): a Backup that dropped keepalived's
  // adverts would have become MASTER in that time.
  await sleep(1500);
  t.strictSame(path(ours), ['INIT>BACKUP(startup)'], 'ours stays BACKUP while keepalived advertises');
  t.strictSame(drops(ours), [], 'ours dropped none of keepalived\'s adverts (no bad-checksum or other reject reason)');
  t.strictSame(ka.states(), ['BACKUP', 'MASTER'], 'keepalived: BACKUP (init), then MASTER, and stays MASTER');
  t.strictSame(await holders(cluster.members, VIP4), [2], 'exactly one member holds the VIP: keepalived\'s');
  t.equal(await waitFor('client ARP entry', () => clientMac(cluster, VIP4), 3000), cluster.member(2).mac, 'the client reaches the VIP at keepalived\'s MAC');

  // Crash keepalived: no priority 0; ours must notice the silence.
  const from = ours.lines.length;
  const killedAt = Date.now();
  await ka.crash();
  const up = await ours.waitState('MASTER', 5000, { from });
  t.equal(up.reason, 'active-down', 'ours takes over because the Active router fell silent (so it had accepted its adverts)');
  const took = lineTime(up) - killedAt;
  const bound = activeDownMs(100, kaInterval) + MARGIN_MS;
  t.ok(took <= bound, `takeover ${took} ms after the crash ≤ Active_Down_Interval with keepalived's interval (${activeDownMs(100, kaInterval)} ms) + ${MARGIN_MS} ms`);
  t.comment(`keepalived crash → ours MASTER: ${took} ms (Active_Down_Interval ${activeDownMs(100, kaInterval)} ms; with ours' own 1 s interval it would be ${activeDownMs(100, 1000)} ms)`);
  await waitFor('ours to hold the VIP', async () => ((await holders([cluster.member(1)], VIP4)).length === 1 ? true : undefined), 3000);
  // The crashed keepalived left its copy on m2 (a crash removes nothing); the network follows ours.
  t.strictSame(await holders(cluster.members, VIP4), [1, 2], "ours holds the VIP (m2 keeps the crashed keepalived's stale copy)");
  t.equal(
    await waitFor('client ARP entry to move to ours', async () => ((await clientMac(cluster, VIP4)) === cluster.member(1).mac ? cluster.member(1).mac : undefined), 3000),
    cluster.member(1).mac,
    "ours' gratuitous ARP moved the client to its MAC",
  );
});

t.test('ours MASTER (checksum rfc5798), keepalived BACKUP; ours crashes, keepalived takes over (IPv4)', async (t) => {
  const { cluster, keepalived } = await bench(t);
  const interval = 100;
  const ours = cluster.start(1, [webInstance({ vrid: 52, priority: 200, advertIntervalMs: interval, checksum: 'rfc5798' })]);
  await ours.waitState('MASTER', 5000);
  const ka = keepalived(2, { name: 'web', vrid: 52, priority: 100, advertInt: interval / 1000, virtualAddresses: [`${VIP4}/32`] });
  await ka.waitState('BACKUP', 5000);

  await sleep(1500); // > 4 × keepalived's Active_Down_Interval (361 ms)
  t.strictSame(ka.states(), ['BACKUP'], 'keepalived stays BACKUP: it accepts our adverts');
  t.strictSame(ka.matching(INVALID_CHECKSUM), [], 'keepalived logs no "Invalid VRRPv3 checksum"');
  t.strictSame(path(ours), ['INIT>BACKUP(startup)', 'BACKUP>MASTER(no-active-seen)'], 'ours stays MASTER');
  t.strictSame(drops(ours), [], 'ours dropped nothing');
  t.strictSame(await holders(cluster.members, VIP4), [1], 'exactly one member holds the VIP: ours');

  const from = ka.lines.length;
  const killedAt = Date.now();
  ours.kill('SIGKILL');
  await ours.exited;
  const up = await ka.waitState('MASTER', 5000, from);
  const took = up.at - killedAt;
  const bound = activeDownMs(100, interval) + MARGIN_MS;
  t.ok(took <= bound, `keepalived takes over ${took} ms after ours crashed ≤ Active_Down_Interval (${activeDownMs(100, interval)} ms) + ${MARGIN_MS} ms`);
  t.comment(`ours crash → keepalived MASTER: ≤ ${took} ms (Active_Down_Interval ${activeDownMs(100, interval)} ms)`);
  await waitFor('keepalived to hold the VIP', async () => ((await holders([cluster.member(2)], VIP4)).length === 1 ? true : undefined), 3000);
  t.pass('keepalived holds the VIP');
  t.strictSame(ka.matching(INVALID_CHECKSUM), [], 'still no checksum complaint from keepalived');
});

t.test('ours releases with priority 0 (SIGTERM): keepalived takes over after about Skew_Time (IPv4)', async (t) => {
  const { cluster, keepalived } = await bench(t);
  // 500 ms: Skew_Time (305 ms) and Active_Down_Interval (1805 ms) are far apart, so "about
  // Skew_Time, clearly not Active_Down_Interval" is a wide, robust bound.
  const interval = 500;
  const ours = cluster.start(1, [webInstance({ vrid: 53, priority: 200, advertIntervalMs: interval })]);
  await ours.waitState('MASTER', 5000);
  const ka = keepalived(2, { name: 'web', vrid: 53, priority: 100, advertInt: interval / 1000, virtualAddresses: [`${VIP4}/32`] });
  await ka.waitState('BACKUP', 5000);
  await sleep(2 * interval + 100); // keepalived has heard ours at least twice

  t.strictSame(ka.states(), ['BACKUP'], 'keepalived is BACKUP under ours');
  const from = ka.lines.length;
  const stoppedAt = Date.now();
  t.equal(await ours.stop(), 0, 'ours exits 0 on SIGTERM');
  const released = await ka.waitLine(/\(web\) Backup received priority 0 advertisement/, 3000, from);
  t.pass('keepalived received our priority-0 advertisement');
  const up = await ka.waitState('MASTER', 5000, from);
  const took = up.at - stoppedAt;
  const skew = skewMs(100, interval);
  const down = activeDownMs(100, interval);
  t.ok(took < (skew + down) / 2, `keepalived MASTER ${took} ms after SIGTERM: nearer Skew_Time (${skew} ms) than Active_Down_Interval (${down} ms)`);
  t.comment(
    `ours SIGTERM → keepalived logs priority 0: ≤ ${released.at - stoppedAt} ms → MASTER: ≤ ${took} ms (Skew_Time ${skew} ms, Active_Down_Interval ${down} ms)`,
  );
  t.strictSame(path(ours).at(-1), 'MASTER>INIT(shutdown)', 'ours left MASTER by shutdown');
  await waitFor('the VIP to be on keepalived only', async () => {
    const now = await holders(cluster.members, VIP4);
    return now.length === 1 && now[0] === 2 ? now : undefined;
  }, 3000);
  t.pass('ours removed the VIP; keepalived holds it');
  t.strictSame(ka.matching(INVALID_CHECKSUM), [], 'keepalived logs no "Invalid VRRPv3 checksum"');
});

t.test('ours with checksum rfc9568: keepalived 2.2.7 rejects it and goes MASTER too (why rfc5798 is the default)', async (t) => {
  const { cluster, keepalived } = await bench(t);
  const interval = 100;
  // Ours advertises every 200 ms, keepalived every 100 ms: the interval-mismatch note (logged
  // only for an accepted advert) shows that ours decodes keepalived's RFC 5798 checksum.
  const ours = cluster.start(1, [webInstance({ vrid: 54, priority: 200, advertIntervalMs: 2 * interval, checksum: 'rfc9568' })]);
  await ours.waitState('MASTER', 5000);
  const ka = keepalived(2, { name: 'web', vrid: 54, priority: 100, advertInt: interval / 1000, virtualAddresses: [`${VIP4}/32`] });
  await ka.waitLine(INVALID_CHECKSUM, 5000);
  t.pass('keepalived logs "Invalid VRRPv3 checksum" for our RFC 9568 IPv4 checksum');
  await ka.waitState('MASTER', 5000);
  t.pass('keepalived, hearing no valid advert, becomes MASTER despite our higher priority');
  await sleep(500);
  t.strictSame(ka.states(), ['BACKUP', 'MASTER'], 'keepalived stays MASTER');
  t.strictSame(path(ours), ['INIT>BACKUP(startup)', 'BACKUP>MASTER(no-active-seen)'], 'ours stays MASTER (it hears a lower priority)');
  t.strictSame(drops(ours), [], 'ours drops none of keepalived\'s RFC 5798 adverts (no bad-checksum)');
  const note = ours.lines.find((line) => line.reason === 'interval-mismatch' && line.peer === cluster.member(2).ipv4);
  t.ok(note, "ours accepted keepalived's adverts (its interval-mismatch note names keepalived)");
  t.strictSame(await holders(cluster.members, VIP4), [1, 2], 'split brain: both members hold the VIP');
});

t.test('IPv6: keepalived MASTER, ours BACKUP; keepalived crashes, ours takes over; then keepalived BACKUP under ours', async (t) => {
  const { cluster, keepalived } = await bench(t);
  const interval = 100;
  const ka = keepalived(2, { name: 'web6', vrid: 61, priority: 150, advertInt: interval / 1000, virtualAddresses: [`${VIP6}/64`] });
  await ka.waitState('MASTER', 5000);
  // Ours at 200 ms, keepalived at 100 ms: as in the IPv4 case, the interval-mismatch note proves
  // acceptance, and names the sender: keepalived's link-local address.
  const ours = cluster.start(1, [webInstance({ name: 'web6', vrid: 61, priority: 100, advertIntervalMs: 2 * interval, virtualAddresses: [`${VIP6}/64`] })]);
  await ours.waitState('BACKUP', 5000, { instance: 'web6' });
  const note = await ours.waitLine({ instance: 'web6', reason: 'interval-mismatch', peer: 'fe80::2' }, 3000);
  t.pass(`ours accepted an IPv6 advert from keepalived's link-local fe80::2 and noted its interval: ${String(note.detail)}`);

  await sleep(1500);
  t.strictSame(path(ours, 'web6'), ['INIT>BACKUP(startup)'], "ours stays BACKUP: it keeps accepting keepalived's IPv6 adverts");
  t.strictSame(drops(ours), [], 'ours dropped nothing');
  t.strictSame(await holders(cluster.members, VIP6), [2], 'exactly one member holds the VIP: keepalived\'s');

  let from = ours.lines.length;
  const killedAt = Date.now();
  await ka.crash();
  const up = await ours.waitState('MASTER', 5000, { instance: 'web6', from });
  t.equal(up.reason, 'active-down', 'ours takes over because keepalived fell silent');
  const took = lineTime(up) - killedAt;
  t.ok(took <= activeDownMs(100, interval) + MARGIN_MS, `takeover ${took} ms ≤ Active_Down_Interval (${activeDownMs(100, interval)} ms) + ${MARGIN_MS} ms`);
  t.comment(`IPv6 keepalived crash → ours MASTER: ${took} ms`);
  await waitFor('ours to hold the IPv6 VIP', async () => ((await holders([cluster.member(1)], VIP6)).length === 1 ? true : undefined), 3000);
  t.pass('ours holds the IPv6 VIP');

  // The other direction: a keepalived with a lower priority must stay BACKUP under ours. At start
  // it removes the stale VIP the crashed one left on m2.
  const ka2 = keepalived(2, { name: 'web6b', vrid: 61, priority: 50, advertInt: (2 * interval) / 1000, virtualAddresses: [`${VIP6}/64`] });
  await ka2.waitState('BACKUP', 5000);
  from = ours.lines.length;
  await sleep(1500);
  t.strictSame(ka2.states(), ['BACKUP'], 'keepalived stays BACKUP: it accepts our IPv6 adverts');
  t.strictSame(ka2.matching(/[Ii]nvalid|checksum/), [], 'keepalived complains about nothing in our IPv6 adverts');
  t.strictSame(ours.lines.slice(from).filter((line) => typeof line.to === 'string'), [], 'ours stays MASTER');
  t.strictSame(await holders(cluster.members, VIP6), [1], 'exactly one member holds the VIP: ours');
});
