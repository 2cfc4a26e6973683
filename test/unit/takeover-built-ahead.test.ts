/**
 * A Backup builds its takeover's advertisement and announcement frames ahead (issue 8
 * precision): on Active_Down_Timer only the system calls are left. What is built ahead must be
 * exactly what would be built then, and never go out once what it was built from has changed.
 */

import t from 'tap';
import { validateConfig } from '../../src/config/load.js';
import { encode } from '../../src/protocol/advertisement.js';
import { announcementFrame } from '../../src/protocol/announcement-frames.js';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';
import { ip } from '../helpers/addresses.js';
import { driver, SELF, VIP } from '../helpers/driver.js';
import { LINK, type Recorder } from '../helpers/fake-ports.js';

const GROUP = ip('224.0.0.18');
const OTHER_VIP = '203.0.113.11';

function advertisementFor(priority: number, vip: string, src = SELF): Uint8Array {
  return encode({ vrid: 51, priority, maxAdvertIntervalCs: 10, addresses: [ip(vip)] }, { family: 4, src: ip(src), dst: GROUP, variant: 'rfc5798' });
}

function firstSent(recorder: Recorder): Uint8Array | undefined {
  const call = recorder.calls.find((c) => c.kind === 'send');
  return call?.kind === 'send' ? call.message : undefined;
}

function frames(recorder: Recorder): number[][] {
  return recorder.calls.flatMap((c) => (c.kind === 'frame' ? [Array.from(c.frame)] : []));
}

t.test('a Backup hands its takeover advertisement to the transport ahead; the takeover sends that very message', async (t) => {
  const { instance, time, recorder, transport } = driver();
  instance.start();
  t.equal(instance.current.name, 'backup');
  t.equal(transport.prepared.length, 1, 'built when it became Backup, one per destination');
  t.equal(recorder.calls.filter((c) => c.kind === 'send').length, 0, 'nothing sent while Backup');
  time.advanceTo(activeDownIntervalMs(100, 10) + 1);
  t.equal(instance.current.name, 'active');
  const sent = firstSent(recorder);
  t.equal(sent, transport.prepared.at(-1), 'the object built ahead, so the transport can use its packet');
  t.same(Array.from(sent ?? []), Array.from(advertisementFor(100, VIP)), 'byte for byte what encoding gives at the takeover');
  t.same(frames(recorder)[0], Array.from(announcementFrame(LINK.mac, ip(VIP))));
});

t.test('a priority change while Backup builds again: the takeover advertises the new priority', async (t) => {
  const { instance, time, recorder, transport } = driver();
  instance.start();
  instance.setHealth({ faults: [], priorityDelta: -30 });
  t.equal(instance.current.priority, 70);
  t.equal(transport.prepared.length, 2, 'built again at 70');
  time.advanceTo(activeDownIntervalMs(70, 10) + 1);
  t.equal(instance.current.name, 'active');
  t.same(Array.from(firstSent(recorder) ?? []), Array.from(advertisementFor(70, VIP)));
});

t.test('a reload while Backup: the takeover advertises and announces the new address list, never the one built before', async (t) => {
  const { instance, time, recorder } = driver();
  instance.start();
  const next = validateConfig({ instances: [{ name: 'web', interface: 'eth0', vrid: 51, priority: 100, advertIntervalMs: 100, virtualAddresses: [`${OTHER_VIP}/32`], announce: { count: 2, intervalMs: 50 } }] });
  if (!next.ok) throw new Error('bad config');
  instance.reconfigure(next.config.instances[0]!, { source: ip(SELF), destinations: [GROUP], virtualAddresses: [{ bytes: ip(OTHER_VIP), prefixLength: 32 }] });
  time.advanceTo(activeDownIntervalMs(100, 10) + 1);
  t.equal(instance.current.name, 'active');
  t.same(Array.from(firstSent(recorder) ?? []), Array.from(advertisementFor(100, OTHER_VIP)));
  t.same(frames(recorder)[0], Array.from(announcementFrame(LINK.mac, ip(OTHER_VIP))), 'the frame names the new address');
});

t.test('a new source address and MAC while Backup (rebinding): the takeover uses them', async (t) => {
  const { instance, time, recorder, transport } = driver();
  instance.start();
  const mac = new Uint8Array([2, 0, 0, 0, 0, 2]);
  instance.rebind({ link: { ...LINK, ifindex: 8, mac }, source: ip('192.0.2.5'), transport, frames: { send: (frame) => recorder.calls.push({ kind: 'frame', frame }), close: () => undefined } });
  time.advanceTo(activeDownIntervalMs(100, 10) + 1);
  t.equal(instance.current.name, 'active');
  t.same(Array.from(firstSent(recorder) ?? []), Array.from(advertisementFor(100, VIP, '192.0.2.5')), 'the checksum covers the new source');
  t.same(frames(recorder)[0], Array.from(announcementFrame(mac, ip(VIP))), 'from the new MAC');
});

t.test('a master sends the message built once every interval; a reload that changes it is sent from the next interval', async (t) => {
  const { instance, time, recorder } = driver();
  instance.start();
  time.advanceTo(activeDownIntervalMs(100, 10) + 1);
  await new Promise(setImmediate); // the netlink add is answered
  time.advanceTo(time.now() + 250);
  const sent = recorder.calls.flatMap((c) => (c.kind === 'send' ? [c.message] : []));
  t.ok(sent.length >= 3, `${sent.length} advertisements`);
  t.ok(sent.every((message) => message === sent[0]), 'one message object, not encoded again per interval');
  const next = validateConfig({ instances: [{ name: 'web', interface: 'eth0', vrid: 51, priority: 100, advertIntervalMs: 100, virtualAddresses: [`${OTHER_VIP}/32`], announce: { count: 2, intervalMs: 50 } }] });
  if (!next.ok) throw new Error('bad config');
  instance.reconfigure(next.config.instances[0]!, { source: ip(SELF), destinations: [GROUP], virtualAddresses: [{ bytes: ip(OTHER_VIP), prefixLength: 32 }] });
  await new Promise(setImmediate);
  const before = recorder.calls.length;
  time.advanceTo(time.now() + 100);
  t.equal(instance.current.name, 'active');
  t.same(Array.from(firstSent({ calls: recorder.calls.slice(before) } as Recorder) ?? []), Array.from(advertisementFor(100, OTHER_VIP)));
});
