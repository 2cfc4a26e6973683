/** The runtime carries out the state machine's actions in order, against the ports. */

import t from 'tap';
import { validateConfig } from '../../src/config/load.js';
import { encode } from '../../src/protocol/advertisement.js';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';
import { NetError } from '../../src/net/ports.js';
import { ADDRESS_BOUND_INTERVALS, ADDRESS_BOUND_MIN_MS, ADDRESS_RETRY_FIRST_MS } from '../../src/runtime/instance-driver.js';
import { ip } from '../helpers/addresses.js';
import { advert, driver, VIP } from '../helpers/driver.js';
import { LINK } from '../helpers/fake-ports.js';

const PEER = ip('192.0.2.9');


t.test('takeover: advertisement sent, address added, then the announcement, all in the same tick', async (t) => {
  const { instance, time, recorder, lines } = driver();
  instance.start();
  time.advanceTo(activeDownIntervalMs(100, 10) + 1);
  t.equal(instance.current.name, 'active');
  t.same(
    recorder.calls.map((c) => c.kind),
    ['send', 'add', 'frame'],
    'the advertisement first (§6.4.2), then the netlink add, then the first gratuitous ARP',
  );
  const sent = recorder.calls[0];
  t.same(sent?.kind === 'send' ? Array.from(sent.message) : [], Array.from(encode({ vrid: 51, priority: 100, maxAdvertIntervalCs: 10, addresses: [ip(VIP)] }, { family: 4, src: ip('192.0.2.1'), dst: ip('224.0.0.18'), variant: 'rfc5798' })));
  const transition = lines.find((l) => l.to === 'MASTER');
  t.equal(transition?.reason, 'no-active-seen');
  t.equal(transition?.instance, 'web');
  t.equal(transition?.vrid, 51);
  time.advanceTo(time.now() + 60);
  t.equal(recorder.calls.filter((c) => c.kind === 'frame').length, 2, 'the burst of 2');
  t.equal(instance.counters.announcements, 2);
});

t.test('stop as master: priority 0 sent before the address is removed; stop waits for the removal', async (t) => {
  const { instance, time, recorder } = driver();
  instance.start();
  time.advanceTo(400);
  await new Promise(setImmediate); // the netlink add is answered
  recorder.calls.length = 0;
  await instance.stop();
  t.same(recorder.calls.map((c) => c.kind), ['send', 'del']);
  const release = recorder.calls[0];
  t.equal(release?.kind === 'send' ? release.message[2] : -1, 0, 'priority 0');
});

t.test('a lower-priority peer that keeps advertising gets one announcement burst per Active_Down_Interval', async (t) => {
  const { instance, time, recorder } = driver({ announce: { count: 1, intervalMs: 50 } });
  instance.start();
  time.advanceTo(400);
  await new Promise(setImmediate); // the netlink add is answered
  const before = recorder.calls.filter((c) => c.kind === 'frame').length;
  for (let i = 0; i < 10; i++) {
    time.advanceTo(time.now() + 100);
    instance.onAdvertisement(advert(50), PEER, []);
  }
  const frames = recorder.calls.filter((c) => c.kind === 'frame').length - before;
  const answers = recorder.calls.filter((c) => c.kind === 'send').length;
  t.ok(answers >= 10, 'every lower-priority advertisement is answered with one of ours (§6.4.3)');
  t.equal(frames, 3, '1 s of split brain at 100 ms: a burst at once, then one per 361 ms');
});

t.test('address changes by others: restored while master, removed while backup, ignored if not ours', async (t) => {
  const { instance, time, recorder } = driver();
  const entry = (address: string) => ({ ifindex: LINK.ifindex, family: 4 as const, address: ip(address), prefixLength: 32, scope: 'global' as const, secondary: false, tentative: false });
  instance.start();
  instance.onAddressChange(entry(VIP), true);
  await new Promise((resolve) => setImmediate(resolve));
  t.same(recorder.calls.filter((c) => c.kind === 'del').length, 1, 'present on a backup: removed');
  time.advanceTo(400);
  recorder.calls.length = 0;
  instance.onAddressChange(entry(VIP), false);
  instance.onAddressChange(entry('192.0.2.77'), false);
  await new Promise((resolve) => setImmediate(resolve));
  t.same(recorder.calls.filter((c) => c.kind === 'add').map((c) => (c.kind === 'add' ? c.address : '')), [VIP], 'only the virtual address is put back');
  t.equal(instance.counters.addressesRestored, 1);
  t.equal(instance.counters.addressesRemoved, 1);
});

t.test('periodic refresh: a new burst every refreshIntervalMs while master, none after stepping down', async (t) => {
  const { instance, time, recorder } = driver({ announce: { count: 1, intervalMs: 50, refreshIntervalMs: 1000 } });
  instance.start();
  time.advanceTo(400);
  await new Promise(setImmediate); // the netlink add is answered
  const frames = () => recorder.calls.filter((c) => c.kind === 'frame').length;
  t.equal(frames(), 1, 'the burst on becoming master');
  time.advanceTo(400 + 3000);
  t.equal(frames(), 4, 'three refreshes in three seconds');
  instance.onAdvertisement(advert(200), PEER, []);
  t.equal(instance.current.name, 'backup');
  // The higher-priority master keeps advertising, so this instance stays backup.
  for (let at = time.now() + 100; at <= 400 + 6000; at += 100) {
    time.advanceTo(at);
    instance.onAdvertisement(advert(200), PEER, []);
  }
  t.equal(instance.current.name, 'backup');
  t.equal(frames(), 4, 'no refresh once backup');
});

t.test('a refresh is one frame per address, not a burst: a lost refresh is covered by the next', async (t) => {
  const { instance, time, recorder } = driver({ announce: { count: 3, intervalMs: 50, refreshIntervalMs: 1000 } });
  instance.start();
  time.advanceTo(400);
  await new Promise(setImmediate); // the netlink add is answered
  const frames = () => recorder.calls.filter((c) => c.kind === 'frame').length;
  time.advanceTo(400 + 500);
  t.equal(frames(), 3, 'the burst on becoming master: count frames');
  time.advanceTo(400 + 2500);
  t.equal(frames(), 5, 'then one frame per refresh, two refreshes in two seconds');
});

t.test('a reload that turns the refresh off stops it; one that changes it moves it', async (t) => {
  const { instance, time, recorder } = driver({ announce: { count: 1, intervalMs: 50, refreshIntervalMs: 1000 } });
  instance.start();
  time.advanceTo(400);
  await new Promise(setImmediate); // the netlink add is answered
  const frames = () => recorder.calls.filter((c) => c.kind === 'frame').length;
  const base = instance.configuration;
  instance.reconfigure({ ...base, announce: { count: 1, intervalMs: 50, refreshIntervalMs: 0 } });
  time.advanceTo(5000);
  t.equal(frames(), 1, 'no refresh after it was turned off (and no endless loop)');
  instance.reconfigure({ ...base, announce: { count: 1, intervalMs: 50, refreshIntervalMs: 2000 } });
  time.advanceTo(9000);
  t.equal(frames(), 1, 'a refresh that was off stays off until the next burst');
  t.equal(instance.current.name, 'active');
});

t.test('a reload that changes the checksum variant applies to the next advertisement', async (t) => {
  const { instance, time, recorder } = driver({ checksum: 'rfc5798' });
  instance.start();
  time.advanceTo(400);
  await new Promise(setImmediate); // the netlink add is answered
  instance.reconfigure({ ...instance.configuration, checksum: 'rfc9568' });
  recorder.calls.length = 0;
  time.advanceTo(520);
  const sent = recorder.calls.find((c) => c.kind === 'send');
  const expected = encode({ vrid: 51, priority: 100, maxAdvertIntervalCs: 10, addresses: [ip(VIP)] }, { family: 4, src: ip('192.0.2.1'), dst: ip('224.0.0.18'), variant: 'rfc9568' });
  t.same(sent?.kind === 'send' ? Array.from(sent.message) : [], Array.from(expected));
});

t.test('peers are counted by checksum form; one that uses the other form is warned about', async (t) => {
  const { instance, lines } = driver({ checksum: 'rfc9568' });
  instance.start();
  instance.onAdvertisement({ ...advert(200), checksumVariant: 'rfc5798' }, PEER, []);
  instance.onAdvertisement({ ...advert(200), checksumVariant: 'rfc5798' }, PEER, []);
  t.same(instance.counters.peerChecksums, { rfc5798: 2 });
  const warning = lines.filter((l) => l.reason === 'checksum-mismatch');
  t.equal(warning.length, 1, 'once, rate-limited');
  t.equal(warning[0]?.peerChecksum, 'rfc5798');
  t.equal(warning[0]?.ourChecksum, 'rfc9568');
});

t.test('the owner (priority 255) never moves its addresses, whatever netlink reports', async (t) => {
  const { instance, recorder } = driver({ priority: 255, sourceAddress: VIP });
  instance.start();
  t.equal(instance.current.name, 'active');
  recorder.calls.length = 0;
  instance.onAddressChange({ ifindex: LINK.ifindex, family: 4, address: ip(VIP), prefixLength: 32, scope: 'global', secondary: false, tentative: false }, false);
  await instance.stop();
  t.same(recorder.calls.filter((c) => c.kind === 'add' || c.kind === 'del'), [], 'no add, no delete, also on stop');
});

t.test('a failover IP added elsewhere with another prefix length is deleted with that length', async (t) => {
  const { instance, recorder } = driver();
  instance.start();
  instance.onAddressChange({ ifindex: LINK.ifindex, family: 4, address: ip(VIP), prefixLength: 24, scope: 'global', secondary: false, tentative: false }, true);
  await new Promise((resolve) => setImmediate(resolve));
  const deleted = recorder.calls.flatMap((c) => (c.kind === 'del' ? [c.prefixLength] : []));
  t.same(deleted, [24], 'the kernel deletes an address only with the prefix length it has');
});

t.test('a master whose add keeps failing stops announcing, gives the role up after the bound (address-add-failed), and tries again', async (t) => {
  const { instance, time, recorder, addresses, lines } = driver();
  // Fails the takeover's add and its retries within the bound (0, 50, 150 ms), then works.
  addresses.fault = ({ kind, attempt }) => (kind === 'add' && attempt <= 3 ? new NetError('EACCES', 'add') : undefined);
  instance.start();
  const takeover = activeDownIntervalMs(100, 10) + 1;
  time.advanceTo(takeover);
  t.equal(instance.current.name, 'active');
  await new Promise(setImmediate);
  const framesAtFailure = recorder.calls.filter((c) => c.kind === 'frame').length;
  for (let at = takeover; at <= takeover + ADDRESS_BOUND_MIN_MS + 100; at += 10) {
    time.advanceTo(at);
    await new Promise(setImmediate);
  }
  t.equal(recorder.calls.filter((c) => c.kind === 'frame').length, framesAtFailure, 'no announcement of an address it does not hold');
  t.equal(instance.current.name, 'fault', 'the role went to a backup that can hold it');
  t.same(instance.current.faults, ['address-add-failed']);
  const release = recorder.calls.filter((c) => c.kind === 'send').at(-1);
  t.equal(release?.kind === 'send' ? release.message[2] : undefined, 0, 'released with priority 0');
  t.ok(lines.some((l) => l.to === 'FAULT' && Array.isArray(l.faults) && (l.faults as string[]).includes('address-add-failed')), 'the transition line names the fault');
  // Back in the protocol after the first wait; nobody else advertises, so it takes the role again.
  const retryEnd = time.now() + ADDRESS_RETRY_FIRST_MS + 1000;
  for (let at = time.now(); at <= retryEnd; at += 10) {
    time.advanceTo(at);
    await new Promise(setImmediate);
  }
  t.equal(instance.current.name, 'active', 'tried again by itself, and the add went through');
  t.same(instance.current.faults, []);
  t.ok(recorder.calls.filter((c) => c.kind === 'frame').length > framesAtFailure, 'announced once installed');
});

t.test('an add that fails once and then succeeds keeps the role and announces the installed address', async (t) => {
  const { instance, time, recorder, addresses } = driver();
  addresses.fault = ({ kind, attempt }) => (kind === 'add' && attempt === 1 ? new NetError('ENOBUFS', 'add') : undefined);
  instance.start();
  time.advanceTo(activeDownIntervalMs(100, 10) + 1);
  await new Promise(setImmediate);
  const frames = recorder.calls.filter((c) => c.kind === 'frame').length;
  time.advanceTo(time.now() + 60);
  await new Promise(setImmediate);
  t.equal(instance.current.name, 'active');
  t.equal(recorder.calls.filter((c) => c.kind === 'add').length, 2);
  t.ok(recorder.calls.filter((c) => c.kind === 'frame').length > frames, 'a fresh burst once it is in');
  time.advanceTo(time.now() + 2000);
  t.equal(instance.current.name, 'active', 'no give-up after the bound: the address is there');
});

t.test('an address put back after removed-externally is announced again', async (t) => {
  const { instance, time, recorder } = driver();
  instance.start();
  time.advanceTo(activeDownIntervalMs(100, 10) + 1);
  await new Promise(setImmediate);
  time.advanceTo(time.now() + 500); // the first burst is over
  await new Promise(setImmediate);
  const frames = recorder.calls.filter((c) => c.kind === 'frame').length;
  instance.onAddressChange({ ifindex: LINK.ifindex, family: 4, address: ip(VIP), prefixLength: 32, scope: 'global', secondary: false, tentative: false }, false);
  await new Promise(setImmediate);
  t.equal(recorder.calls.at(-1)?.kind === 'frame' || recorder.calls.some((c, i) => i > 0 && c.kind === 'add'), true);
  t.ok(recorder.calls.filter((c) => c.kind === 'frame').length > frames, 'a gratuitous ARP follows the re-add');
});

t.test('stop waits for a failing delete to go through (retried, not dropped)', async (t) => {
  const { instance, time, recorder, addresses } = driver();
  instance.start();
  time.advanceTo(activeDownIntervalMs(100, 10) + 1);
  await new Promise(setImmediate);
  addresses.fault = ({ kind, attempt }) => (kind === 'del' && attempt <= 3 ? new NetError('ETIMEDOUT', 'delete') : undefined);
  let stopped = false;
  void instance.stop().then(() => (stopped = true));
  const end = time.now() + 1000;
  for (let at = time.now(); at <= end; at += 10) {
    time.advanceTo(at);
    await new Promise(setImmediate);
  }
  t.ok(stopped);
  t.equal(recorder.calls.filter((c) => c.kind === 'del').length, 4);
  t.equal(instance.addressesPending, 0);
});

t.test('a reload that changes the address list on a master adds the new and removes the old, with no transition', async (t) => {
  const { instance, time, recorder } = driver();
  instance.start();
  time.advanceTo(activeDownIntervalMs(100, 10) + 1);
  await new Promise(setImmediate);
  const transitions = instance.counters.transitions;
  const next = validateConfig({ instances: [{ name: 'web', interface: 'eth0', vrid: 51, priority: 100, advertIntervalMs: 100, virtualAddresses: ['203.0.113.11/32'], announce: { count: 2, intervalMs: 50 } }] });
  if (!next.ok) throw new Error('bad config');
  const before = recorder.calls.length;
  instance.reconfigure(next.config.instances[0]!, { source: ip('192.0.2.1'), destinations: [ip('224.0.0.18')], virtualAddresses: [{ bytes: ip('203.0.113.11'), prefixLength: 32 }] });
  await new Promise(setImmediate);
  await new Promise(setImmediate);
  const changes = recorder.calls.slice(before).filter((c) => c.kind === 'add' || c.kind === 'del');
  t.same(changes, [
    { kind: 'add', address: '203.0.113.11', prefixLength: 32 },
    { kind: 'del', address: '203.0.113.10', prefixLength: 32 },
  ]);
  t.equal(instance.counters.transitions, transitions, 'zero transitions');
  t.equal(instance.current.name, 'active');
  t.ok(recorder.calls.slice(before).some((c) => c.kind === 'frame'), 'the new address is announced');
});

t.test('a new prefix length for the same address: the old entry is deleted before the new one is added (IPv6 refuses two)', async (t) => {
  const { instance, time, recorder } = driver();
  instance.start();
  time.advanceTo(activeDownIntervalMs(100, 10) + 1);
  await new Promise(setImmediate);
  const next = validateConfig({ instances: [{ name: 'web', interface: 'eth0', vrid: 51, priority: 100, advertIntervalMs: 100, virtualAddresses: [`${VIP}/24`], announce: { count: 2, intervalMs: 50 } }] });
  if (!next.ok) throw new Error('bad config');
  const before = recorder.calls.length;
  instance.reconfigure(next.config.instances[0]!, { source: ip('192.0.2.1'), destinations: [ip('224.0.0.18')], virtualAddresses: [{ bytes: ip(VIP), prefixLength: 24 }] });
  await new Promise(setImmediate);
  await new Promise(setImmediate);
  t.same(recorder.calls.slice(before).filter((c) => c.kind === 'add' || c.kind === 'del'), [
    { kind: 'del', address: VIP, prefixLength: 32 },
    { kind: 'add', address: VIP, prefixLength: 24 },
  ]);
});

t.test('an add that netlink never answers gives the role up after the bound, not after the netlink timeout', async (t) => {
  const { instance, time, addresses } = driver();
  addresses.fault = ({ kind }) => (kind === 'add' ? 'hang' : undefined);
  instance.start();
  const takeover = activeDownIntervalMs(100, 10) + 1;
  time.advanceTo(takeover);
  t.equal(instance.current.name, 'active');
  t.equal(ADDRESS_BOUND_INTERVALS * 100, 300, 'the bound: 3 intervals of 100 ms');
  time.advanceTo(takeover + 300 + 10);
  t.equal(instance.current.name, 'fault', 'within the bound');
  t.same(instance.current.faults, ['address-add-failed']);
});

t.test('groupMasterWaitMs applies to a member that names the configured master, never to the master itself', async (t) => {
  const takeoverAt = async (overrides: Record<string, unknown>) => {
    const { instance, time } = driver(overrides);
    instance.start();
    const start = time.now();
    while (instance.current.name !== 'active' && time.now() < start + 60_000) time.advanceTo(time.now() + 10);
    await instance.stop();
    return time.now() - start;
  };
  const rfc = activeDownIntervalMs(100, 10);
  t.ok(await takeoverAt({ groupMasterAddress: '192.0.2.9' }) >= 10_000, 'the default wait of 10 s');
  t.ok(await takeoverAt({ groupMasterAddress: '192.0.2.9', groupMasterWaitMs: 0 }) <= rfc + 10, '0 turns it off');
  t.ok(await takeoverAt({}) <= rfc + 10, 'a member that does not know the configured master');
  t.ok(await takeoverAt({ groupMaster: true, groupMasterWaitMs: 30_000 }) <= rfc + 10, 'the configured master');
});

t.test('a member waiting for the configured master says so: status and its Backup line, until it hears it', async (t) => {
  const { instance, time, lines } = driver({ groupMasterAddress: '192.0.2.9' });
  instance.start();
  const backup = lines.find((l) => l.to === 'BACKUP');
  t.equal(backup?.waitsForGroupMaster, '192.0.2.9');
  t.ok(Number(backup?.waitMs) >= 10_000, 'the default wait, plus Skew_Time');
  t.match(String(backup?.msg), /waits up to \d+ ms for the configured master 192\.0\.2\.9 before taking the IP/);
  time.advanceTo(4000);
  const waiting = instance.snapshot().waitingForGroupMaster;
  t.equal(waiting?.address, '192.0.2.9');
  t.ok(waiting !== null && waiting.remainingMs > 5000 && waiting.remainingMs <= 6100, 'counts down from start-up', { waiting });
  instance.onAdvertisement(advert(150), PEER, []);
  t.equal(instance.snapshot().waitingForGroupMaster, null, 'an Active router heard: the first election is over');
  t.equal(driver({}).instance.snapshot().waitingForGroupMaster, null, 'a member that does not know the configured master never waits');
});

t.test('transitions are counted by the state entered (ipfailoverd_transitions_total{to})', async (t) => {
  const { instance, time } = driver();
  instance.start();
  time.advanceTo(activeDownIntervalMs(100, 10) + 1);
  t.equal(instance.current.name, 'active');
  t.same(instance.counters.transitionsTo, { BACKUP: 1, MASTER: 1 }, 'INIT -> BACKUP -> MASTER');
  t.equal(instance.counters.transitions, 2, 'the total is their sum');
  t.same(instance.snapshot().counters.transitionsTo, { BACKUP: 1, MASTER: 1 }, 'and the status socket reports them');
});
