/**
 * An instance's view of its group (group-view.ts), through the driver on fake ports: the peers
 * it hears, split brains, the Active router and whether it is the configured master, and the
 * displaced-group-master warning.
 */

import t from 'tap';
import { activeDownIntervalMs, skewTimeMs } from '../../src/protocol/timers.js';
import type { InstanceDriver } from '../../src/runtime/instance-driver.js';
import type { FakeTime } from '../helpers/fake-time.js';
import { ip } from '../helpers/addresses.js';
import { advert, driver, SELF } from '../helpers/driver.js';

const MASTER = '192.0.2.9';
const OTHER = '192.0.2.8';
/** The driver's Active_Down_Interval: priority 100, 100 ms. */
const ADI = activeDownIntervalMs(100, 10);

/** `from` advertises at `priority` every 100 ms from `start` to `end` (both included). */
function advertise(instance: InstanceDriver, time: FakeTime, from: string, priority: number, start: number, end: number): void {
  for (let at = start; at <= end; at += 100) {
    time.advanceTo(at);
    instance.onAdvertisement(advert(priority), ip(from), []);
  }
}

/** Starts the instance and lets it take the role (hearing nobody), its address added. */
async function master(instance: InstanceDriver, time: FakeTime): Promise<void> {
  instance.start();
  time.advanceTo(ADI + 1);
  await new Promise(setImmediate); // the netlink add is answered
}

const displaced = (lines: ReadonlyArray<Record<string, unknown>>) => lines.filter((l) => l.reason === 'displaced-group-master');

t.test('the peer table: one row per source with priority, interval, checksum form, first and last heard, count', async (t) => {
  const { instance, time } = driver();
  instance.start();
  advertise(instance, time, MASTER, 150, 10, 310);
  time.advanceTo(320);
  instance.onAdvertisement({ ...advert(90, 20), checksumVariant: 'rfc9568' }, ip(OTHER), []);
  t.same(instance.snapshot().peers, [
    { address: OTHER, priority: 90, maxAdvertIntervalMs: 200, checksum: 'rfc9568', firstHeardMonotonicMs: 320, lastHeardMonotonicMs: 320, count: 1 },
    { address: MASTER, priority: 150, maxAdvertIntervalMs: 100, checksum: 'rfc5798', firstHeardMonotonicMs: 10, lastHeardMonotonicMs: 310, count: 4 },
  ]);
  // Spoofed sources by the thousand: the table stays bounded.
  for (let n = 0; n < 2000; n++) instance.onAdvertisement(advert(1), ip(`198.51.100.${n % 250}`), []);
  t.ok(instance.snapshot().peers.length <= 16, 'bounded');
});

t.test('a backup says which router is master and whether it is the configured master, in status and once per change in the log', async (t) => {
  const { instance, time, lines } = driver({ groupMasterAddress: MASTER });
  instance.start();
  t.equal(instance.snapshot().activeRouter, null, 'none known yet');
  advertise(instance, time, MASTER, 150, 10, 510);
  t.same(instance.snapshot().activeRouter, { address: MASTER, priority: 150, isGroupMaster: true });
  const following = () => lines.filter((l) => l.reason === 'new-active-router');
  t.same(following().map((l) => [l.activeRouter, l.activePriority, l.isGroupMaster]), [[MASTER, 150, true]], 'one line, not one per advertisement');
  t.match(String(following()[0]?.msg), /following master 192\.0\.2\.9 \(priority 150, the configured master\)/);
  advertise(instance, time, OTHER, 200, 600, 900);
  t.same(instance.snapshot().activeRouter, { address: OTHER, priority: 200, isGroupMaster: false });
  t.same(following().map((l) => l.isGroupMaster), [true, false], 'a new master: a new line');
  t.match(String(following()[1]?.msg), /following master 192\.0\.2\.8 \(priority 200, not the configured master \(192\.0\.2\.9\)\)/);
  time.advanceTo(950);
  instance.onAdvertisement(advert(0), ip(OTHER), []);
  t.equal(instance.snapshot().activeRouter, null, 'released (priority 0): no master until one advertises');
  t.equal(instance.snapshot().groupMasterAddress, MASTER);
});

t.test('who is master: the instance itself while master; unknown to a member that does not know the configured master', async (t) => {
  const unknowing = driver();
  unknowing.instance.start();
  advertise(unknowing.instance, unknowing.time, MASTER, 150, 10, 110);
  t.same(unknowing.instance.snapshot().activeRouter, { address: MASTER, priority: 150, isGroupMaster: null });
  const configured = driver({ groupMaster: true });
  await master(configured.instance, configured.time);
  t.equal(configured.instance.current.name, 'active');
  t.same(configured.instance.snapshot().activeRouter, { address: SELF, priority: 100, isGroupMaster: true });
  const member = driver({ groupMasterAddress: MASTER, groupMasterWaitMs: 0 });
  await master(member.instance, member.time);
  t.same(member.instance.snapshot().activeRouter, { address: SELF, priority: 100, isGroupMaster: false });
});

t.test('split brain: a master that hears another master it wins against warns, naming both, rate-limited, and counts each episode once', async (t) => {
  const { instance, time, lines } = driver();
  await master(instance, time);
  t.equal(instance.current.name, 'active');
  // Another master of priority 50 that cannot hear us: it advertises every interval for 2 s.
  advertise(instance, time, OTHER, 50, 1000, 3000);
  t.equal(instance.current.name, 'active', 'it wins (§6.4.3) and stays master');
  t.equal(instance.counters.splitBrain, 1, 'one episode');
  const warnings = () => lines.filter((l) => l.reason === 'split-brain');
  t.equal(warnings().length, 1, 'one line a minute');
  t.match(warnings()[0], { level: 40, self: SELF, selfPriority: 100, peer: OTHER, peerPriority: 50, count: 1 });
  t.match(String(warnings()[0]?.msg), /192\.0\.2\.8 \(priority 50\) is master too; 192\.0\.2\.1 \(priority 100\) wins/);
  // Silent for longer than an Active_Down_Interval, then back: a second episode.
  advertise(instance, time, OTHER, 50, 3000 + ADI + 100, 3000 + ADI + 100);
  t.equal(instance.counters.splitBrain, 2);
  t.equal(warnings().length, 1, 'still within the minute');
  advertise(instance, time, OTHER, 50, 70_000, 70_000);
  t.equal(instance.counters.splitBrain, 3);
  t.equal(warnings().length, 2);
  t.ok((warnings()[1]?.suppressed as number) > 0, 'says how many were not logged');
  t.equal(instance.snapshot().counters.splitBrain, 3, 'in status');
});

t.test('no split brain: a release (priority 0) or a priority-1 request heard while master', async (t) => {
  const { instance, time, lines } = driver();
  await master(instance, time);
  advertise(instance, time, OTHER, 0, 1000, 1500);
  advertise(instance, time, OTHER, 1, 1600, 2000);
  t.equal(instance.counters.splitBrain, 0);
  t.same(lines.filter((l) => l.reason === 'split-brain'), []);
});

t.test('displaced-group-master: not after the configured master released the role (priority 0)', async (t) => {
  const { instance, time, lines } = driver({ groupMasterAddress: MASTER });
  instance.start();
  advertise(instance, time, MASTER, 150, 10, 1010);
  // SIGTERM or step-down on the configured master: §6.4.3 priority 0.
  advertise(instance, time, MASTER, 0, 1100, 1100);
  time.advanceTo(1100 + skewTimeMs(100, 10) + 1);
  t.equal(instance.current.name, 'active');
  t.equal(instance.current.reason, 'active-released');
  t.same(displaced(lines), [], 'it gave the role up: nobody displaced it');
});

t.test('displaced-group-master: not after the configured master fell silent', async (t) => {
  const { instance, time, lines } = driver({ groupMasterAddress: MASTER });
  instance.start();
  advertise(instance, time, MASTER, 150, 10, 1010);
  time.advanceTo(1010 + ADI + 1);
  t.equal(instance.current.reason, 'active-down');
  t.same(displaced(lines), []);
});

t.test('displaced-group-master: a member that preempts the live configured master says so, naming both', async (t) => {
  const { instance, time, lines } = driver({ groupMasterAddress: MASTER });
  instance.start();
  advertise(instance, time, MASTER, 50, 10, 410);
  t.equal(instance.current.name, 'active');
  t.equal(instance.current.reason, 'preempt');
  const [warning] = displaced(lines);
  t.match(warning, { level: 40, groupMasterAddress: MASTER, self: SELF, groupMasterPriority: 50 });
  t.ok((warning?.heardMsAgo as number) < ADI, 'heard within an Active_Down_Interval');
});
