import t from 'tap';
import { validateConfig } from '../../src/config/load.js';
import { encode } from '../../src/protocol/advertisement.js';
import { NetError } from '../../src/net/ports.js';
import { InstanceDriver } from '../../src/runtime/instance-driver.js';
import { RateLimiter } from '../../src/runtime/rate-limit.js';
import { ReceiveHub, REOPEN_FIRST_MS } from '../../src/runtime/receive-hub.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { ip } from '../helpers/addresses.js';
import { FakeAddresses, FakeFrames, FakeTransport, LINK, memoryLogger, Recorder } from '../helpers/fake-ports.js';
import { FakeTime } from '../helpers/fake-time.js';

function setup(options: { failOpens?: number } = {}) {
  const result = validateConfig({ instances: [{ name: 'web', interface: 'eth0', vrid: 51, advertIntervalMs: 100, virtualAddresses: ['203.0.113.10/32'] }] });
  if (!result.ok) throw new Error('bad test config');
  const time = new FakeTime();
  const scheduler = new Scheduler(time, time);
  const recorder = new Recorder();
  const opened: FakeTransport[] = [];
  let refusals = options.failOpens ?? 0;
  // The port a hub opens its socket through; it can refuse, as socket() does without a device.
  const open = (): FakeTransport => {
    if (refusals > 0) {
      refusals--;
      throw new NetError('ENODEV', 'open IPv4 VRRP socket on eth0');
    }
    const transport = new FakeTransport(recorder);
    opened.push(transport);
    return transport;
  };
  const { log, lines } = memoryLogger();
  const hub = new ReceiveHub(open, scheduler, log, 'eth0/4');
  const driver = new InstanceDriver(
    { config: result.config.instances[0]!, link: LINK, source: ip('192.0.2.1'), destinations: [ip('224.0.0.18')], virtualAddresses: [{ bytes: ip('203.0.113.10'), prefixLength: 32 }] },
    { scheduler, transport: hub.transport, addresses: new FakeAddresses(recorder, LINK), frames: new FakeFrames(recorder), log },
  );
  hub.add(driver);
  const transport = () => opened.at(-1)!;
  return { hub, driver, transport, opened, time, lines, recorder };
}

const ADVERT = encode({ vrid: 51, priority: 200, maxAdvertIntervalCs: 10, addresses: [ip('203.0.113.10')] }, { family: 4, src: ip('192.0.2.9'), dst: ip('224.0.0.18'), variant: 'rfc5798' });
const packet = { family: 4 as const, ifindex: LINK.ifindex, src: ip('192.0.2.9'), dst: ip('224.0.0.18'), ttl: 255, message: ADVERT };

t.test('a socket that stops receiving makes its instances deaf (FAULT socket-deaf) until it is open again', async (t) => {
  const { driver, transport, opened, time, lines } = setup();
  driver.start();
  const first = transport();
  first.failReceive(new NetError('EIO', 'receive on eth0'), true);
  t.equal(driver.current.name, 'fault', 'a deaf backup must not lead');
  t.same(driver.current.faults, ['socket-deaf']);
  t.ok(first.closed, 'the dead socket is closed');
  t.ok(lines.some((l) => l.level === 50 && l.fatal === true && l.reason === 'socket-deaf'), 'logged as an error with the reason');
  time.advanceTo(time.now() + REOPEN_FIRST_MS + 1);
  t.equal(opened.length, 2, 'opened again after the first backoff');
  t.equal(driver.current.name, 'backup', 'back in the protocol by itself');
  t.same(driver.current.faults, []);
  transport().deliver(packet);
  t.equal(driver.counters.advertsReceived, 1, 'the new socket delivers to the instance');
  t.equal(driver.current.activeAddress?.join('.'), '192.0.2.9');
});

t.test('a socket that fails again before it has received anything backs off further: no flapping', async (t) => {
  const { driver, transport, opened, time } = setup();
  driver.start();
  transport().failReceive(new NetError('EIO', 'poll'), true);
  time.advanceTo(REOPEN_FIRST_MS + 1);
  t.equal(opened.length, 2);
  transport().failReceive(new NetError('EIO', 'poll'), true);
  time.advanceTo(REOPEN_FIRST_MS * 2 + 2);
  t.equal(opened.length, 2, 'not reopened 100 ms later');
  time.advanceTo(REOPEN_FIRST_MS * 3 + 3);
  t.equal(opened.length, 3, 'but 200 ms later');
  transport().deliver(packet);
  transport().failReceive(new NetError('EIO', 'poll'), true);
  time.advanceTo(time.now() + REOPEN_FIRST_MS + 1);
  t.equal(opened.length, 4, 'a socket that received packets starts the backoff again');
});

t.test('a socket that cannot be opened is retried with backoff, its instances in FAULT meanwhile', async (t) => {
  const { driver, opened, time, lines } = setup({ failOpens: 3 });
  driver.start();
  t.equal(driver.current.name, 'fault');
  t.same(driver.current.faults, ['socket-deaf']);
  time.advanceTo(REOPEN_FIRST_MS + 1);
  t.equal(opened.length, 0, 'second attempt refused too');
  time.advanceTo(REOPEN_FIRST_MS * 3 + 2);
  t.equal(opened.length, 0, 'third attempt (after 200 ms more) refused');
  time.advanceTo(REOPEN_FIRST_MS * 7 + 3);
  t.equal(opened.length, 1, 'fourth attempt, 400 ms later, opens it');
  t.equal(driver.current.name, 'backup');
  t.equal(lines.filter((l) => l.reason === 'socket-deaf' && l.level === 50).length, 1, 'the refusals are logged once (rate-limited)');
});

t.test('an exception thrown by our own packet handling never closes or deafens the socket', async (t) => {
  const { driver, transport, hub, lines } = setup();
  driver.start();
  const original = driver.onAdvertisement.bind(driver);
  let calls = 0;
  // The driver is ours: a throwing handler stands for a bug in it.
  driver.onAdvertisement = (...args) => {
    calls++;
    if (calls === 1) throw new Error('a bug');
    original(...args);
  };
  t.doesNotThrow(() => transport().deliver(packet));
  t.equal(hub.handlerErrors, 1, 'counted');
  t.ok(lines.some((l) => l.reason === 'handler-error'), 'and logged');
  t.notOk(transport().closed);
  t.equal(hub.deaf, false);
  transport().deliver(packet);
  t.equal(driver.counters.advertsReceived, 1, 'the next packet is handled');
  t.equal(driver.current.name, 'backup');
});

t.test('a deaf master releases with priority 0 through the failing socket before it is closed', async (t) => {
  const { driver, transport, time, recorder } = setup();
  driver.start();
  time.advanceTo(400);
  t.equal(driver.current.name, 'active');
  const before = recorder.calls.length;
  transport().failReceive(new NetError('EIO', 'receive on eth0'), true);
  t.equal(driver.current.name, 'fault', 'gives the role up');
  const release = recorder.calls.slice(before).find((c) => c.kind === 'send');
  t.equal(release?.kind === 'send' ? release.message[2] : undefined, 0, 'priority 0 sent');
  await new Promise(setImmediate); // the takeover's add is answered, then the delete goes out
  t.ok(recorder.calls.slice(before).some((c) => c.kind === 'del'), 'and the address removed');
  time.advanceTo(time.now() + REOPEN_FIRST_MS + 1);
  transport().send(new Uint8Array(1), ip('192.0.2.1'), ip('224.0.0.18'));
  t.equal(driver.counters.sendErrors, 0, 'nothing failed to send');
});

t.test('a passing receive error is logged, nothing more', async (t) => {
  const { driver, transport } = setup();
  driver.start();
  transport().failReceive(new NetError('ENOBUFS', 'receive on eth0'), false);
  t.equal(driver.current.name, 'backup');
});

t.test('packets from ever-new sources cost one log line per reason and bounded memory', async (t) => {
  const { transport: current, lines, hub } = setup();
  const transport = current();
  const message = encode({ vrid: 99, priority: 100, maxAdvertIntervalCs: 10, addresses: [ip('203.0.113.99')] }, { family: 4, src: ip('0.0.0.0'), dst: ip('224.0.0.18'), variant: 'rfc9568' });
  for (let i = 0; i < 500; i++) {
    transport.deliver({ family: 4, ifindex: LINK.ifindex, src: ip(`198.51.100.${i % 250}`), dst: ip('224.0.0.18'), ttl: 255, message });
  }
  t.equal(lines.filter((l) => l.reason === 'unknown-vrid').length, 1);
  t.equal(hub.unattributed['unknown-vrid'], 500, 'every one counted');
  const limiter = new RateLimiter(60_000, 16);
  for (let i = 0; i < 1000; i++) limiter.allow(`key-${i}`, i);
  t.equal(limiter.size, 16, 'the limiter keeps at most its bound of keys');
});

/** Backup priority 100 under a 100 ms Active router: Active_Down_Interval 360.9375 ms (§6.1). */
const DOWN_MS = 3 * 100 + ((256 - 100) * 100) / 256;

/** Hears the priority-200 router at 200 ms, as delivered with `ageMs`; `at(ms)` is the state then. */
function heardAt200(ageMs: number | undefined, readAtMs?: number) {
  const { driver, transport, time } = setup();
  driver.start();
  time.advanceTo(200);
  transport().deliver({ ...packet, ...(ageMs === undefined ? {} : { ageMs }), ...(readAtMs === undefined ? {} : { readAtMs }) });
  const at = (ms: number) => {
    time.advanceTo(ms);
    return driver.current.name;
  };
  return { at };
}

t.test('the Active_Down_Timer runs from when the kernel received the advertisement, not from when it was read', async (t) => {
  const aged = heardAt200(4);
  t.equal(aged.at(200 - 4 + DOWN_MS - 0.2), 'backup', 'not before Active_Down_Interval from the arrival');
  t.equal(aged.at(200 - 4 + DOWN_MS + 0.2), 'active', 'taken over 4 ms earlier than reading time would say');
  const fresh = heardAt200(undefined);
  t.equal(fresh.at(200 - 4 + DOWN_MS + 0.2), 'backup', 'without an age, from the read');
  t.equal(fresh.at(200 + DOWN_MS + 0.2), 'active');
});

t.test('the age is the kernel\'s when the batch was read plus the time since: the timer runs from the arrival', async (t) => {
  // Read at 197 ms with an age of 4 ms, handed to the instance at 200 ms: it arrived at 193 ms.
  const late = heardAt200(4, 197);
  t.equal(late.at(193 + DOWN_MS - 0.2), 'backup', 'not before Active_Down_Interval from the arrival');
  t.equal(late.at(193 + DOWN_MS + 0.2), 'active', '3 ms earlier than the age alone would say');
});

t.test('a negative or absurd receive age (a clock step) arms the timer from the read', async (t) => {
  for (const ageMs of [-20, 10_000]) {
    const stepped = heardAt200(ageMs);
    t.equal(stepped.at(200 + DOWN_MS - 0.2), 'backup', `age ${ageMs} ms: not earlier`);
    t.equal(stepped.at(200 + DOWN_MS + 0.2), 'active', `age ${ageMs} ms: not later`);
  }
});

t.test('the Active router kept in the state is a copy, not a view of the receive batch', async (t) => {
  const { driver, transport } = setup();
  driver.start();
  const batch = new Uint8Array(64);
  batch.set(packet.src, 16);
  transport().deliver({ ...packet, src: batch.subarray(16, 20) });
  batch.fill(0);
  t.equal(driver.current.activeAddress?.join('.'), '192.0.2.9', 'unchanged when the batch memory is');
  t.not(driver.current.activeAddress?.buffer, batch.buffer);
});

t.test('every datagram is accounted for in the socket snapshot, kernel drops over reopened sockets too', async (t) => {
  const { driver, transport, hub, time } = setup();
  driver.start();
  const unknown = encode({ vrid: 99, priority: 100, maxAdvertIntervalCs: 10, addresses: [ip('203.0.113.99')] }, { family: 4, src: ip('192.0.2.9'), dst: ip('224.0.0.18'), variant: 'rfc9568' });
  for (let i = 0; i < 3; i++) transport().deliver({ ...packet, message: unknown });
  transport().deliver({ ...packet, message: new Uint8Array(1) });
  transport().deliver(packet);
  transport().deliver({ ...packet, ttl: 254 });
  transport().kernelDrops = 7;
  t.same(hub.snapshot(), { socket: 'eth0/4', deaf: false, received: 6, unattributed: { 'unknown-vrid': 3, truncated: 1 }, otherVersions: [], handlerErrors: 0, kernelDrops: 7 });
  t.equal(driver.counters.advertsReceived + (driver.counters.rejected['bad-ttl'] ?? 0), 2, 'the other two counted by the instance');
  transport().failReceive(new NetError('EIO', 'poll'), true);
  t.equal(hub.snapshot().kernelDrops, 7, 'the closed socket’s drops stay counted');
  time.advanceTo(time.now() + REOPEN_FIRST_MS + 1);
  transport().kernelDrops = 2;
  t.equal(hub.snapshot().kernelDrops, 9, 'and the new socket’s add to them');
  t.equal(hub.transport.kernelDrops, 9, 'the drivers’ transport says the same');
});

t.test('an advertisement waiting in the socket when the Active_Down_Timer fires resets it: no takeover', async (t) => {
  const { driver, transport, time } = setup();
  driver.start();
  time.advanceTo(200);
  transport().deliver(packet);
  // The next advertisement reached the kernel, but the loop was busy: it is still queued when
  // the timer's deadline comes (libuv runs timers before it polls).
  time.advanceTo(290);
  transport().queued.push({ ...packet, ageMs: 0 });
  time.advanceTo(200 + DOWN_MS + 5);
  t.equal(driver.current.name, 'backup', 'the live Active router is not declared down');
  t.ok(transport().drains >= 1, 'the socket was read before deciding');
  t.equal(driver.counters.advertsReceived, 2);
  // Nothing more comes: then it is down, an Active_Down_Interval after the drained one.
  time.advanceTo(200 + 2 * DOWN_MS + 10);
  t.equal(driver.current.name, 'active');
});

/**
 * A VRRPv2 advertisement as keepalived sends it for IPv4 by default (RFC 3768 §5.1): version 2,
 * type 1, VRID, priority, one address, auth type 0, Adver Int 1 s, checksum, address, 8 bytes of
 * authentication data.
 */
function vrrpV2(vrid: number): Uint8Array {
  return new Uint8Array([0x21, vrid, 100, 1, 0, 1, 0, 0, 203, 0, 113, 10, 0, 0, 0, 0, 0, 0, 0, 0]);
}

t.test('VRRPv2 from a peer: counted per source against the instance its VRID names, logged once with the advice', async (t) => {
  const { driver, transport, lines, hub } = setup();
  driver.start();
  const from = (last: number) => ({ ...packet, src: ip(`192.0.2.${last}`), message: vrrpV2(51) });
  for (let i = 0; i < 12; i++) transport().deliver(from(2));
  transport().deliver(from(3));
  t.equal(driver.counters.rejected['bad-version'], 13);
  t.same(driver.snapshot().otherVersions.map((p) => [p.address, p.version, p.count]), [['192.0.2.3', 2, 1], ['192.0.2.2', 2, 12]], 'per source, most recent first');
  t.match(driver.snapshot().otherVersions[0]?.advice, /version 3 on the keepalived side/);
  const logged = lines.filter((l) => l.reason === 'bad-version');
  t.same(logged.map((l) => [l.peer, l.version, l.peerDrops]), [['192.0.2.2', 2, 1], ['192.0.2.3', 2, 1]], 'one line per peer (rate-limited), with the version');
  t.match(logged[0]?.advice, /version 3/);
  t.same(hub.snapshot().otherVersions, [], 'attributed: not the socket\'s');
});

t.test('VRRPv2 for a VRID not configured here: counted per source on the socket, bounded, one log line', async (t) => {
  const { transport, lines, hub, driver } = setup();
  driver.start();
  for (let i = 1; i <= 40; i++) transport().deliver({ ...packet, src: ip(`198.51.100.${i}`), message: vrrpV2(77) });
  transport().deliver({ ...packet, src: ip('198.51.100.40'), message: vrrpV2(77) });
  const rows = hub.snapshot().otherVersions;
  t.equal(rows.length, 16, 'spoofed sources cost a bounded table');
  t.same(rows[0] && [rows[0].address, rows[0].count], ['198.51.100.40', 2]);
  t.notOk(rows.some((r) => r.address === '198.51.100.1'), 'the least recently heard pushed out');
  t.equal(hub.snapshot().unattributed['bad-version'], 41);
  t.equal(lines.filter((l) => l.reason === 'bad-version').length, 1, 'keyed by reason alone: one line');
  t.equal(driver.snapshot().otherVersions.length, 0);
});

t.test('building ahead while the socket is being reopened is skipped, never thrown: only send() says EBADF', async (t) => {
  const { hub } = setup({ failOpens: 1 });
  t.equal(hub.deaf, true, 'no socket');
  const src = ip('192.0.2.1');
  const dst = ip('224.0.0.18');
  t.doesNotThrow(() => hub.transport.prepare?.(ADVERT, src, dst), 'prepare is an optimisation');
  t.throws(() => hub.transport.send(ADVERT, src, dst), { code: 'EBADF' }, 'send still reports the missing socket');
});
