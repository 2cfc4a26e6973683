/**
 * Start-up is per instance and interfaces may come and go: an instance whose interface or source
 * address is missing waits in FAULT with that reason and binds by itself when netlink reports
 * them; an interface re-created under a new ifindex gets fresh sockets. Faults injected through
 * the fake ports.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { validateConfig } from '../../src/config/load.js';
import type { DaemonConfig } from '../../src/config/types.js';
import { NetError, type AddressEntry, type LinkInfo } from '../../src/net/ports.js';
import { encode } from '../../src/protocol/advertisement.js';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';
import { Daemon, type DaemonPorts } from '../../src/runtime/daemon.js';
import { BIND_RETRY_FIRST_MS } from '../../src/runtime/instance-binder.js';
import { HoldStore } from '../../src/runtime/hold-store.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { StartupError } from '../../src/runtime/startup-error.js';
import { ip } from '../helpers/addresses.js';
import { FakeAddresses, FakeFrames, FakeTransport, LINK, memoryLogger, Recorder } from '../helpers/fake-ports.js';
import { FakeTime } from '../helpers/fake-time.js';

const ETH1: LinkInfo = { ifindex: 8, name: 'eth1', mac: new Uint8Array([2, 0, 0, 0, 0, 2]), up: true, mtu: 1500 };
const turn = () => new Promise(setImmediate);

/** Moves time in 10 ms steps, letting the fake netlink answer in between (as the kernel does in microseconds). */
async function advance(time: FakeTime, to: number): Promise<void> {
  for (let at = Math.min(time.now() + 10, to); at <= to; at += 10) {
    time.advanceTo(at);
    await turn();
  }
}

function source(link: LinkInfo, address: string): AddressEntry {
  return { ifindex: link.ifindex, family: 4, address: ip(address), prefixLength: 24, scope: 'global', secondary: false, tentative: false };
}

function config(instances: Array<Record<string, unknown>>): DaemonConfig {
  const result = validateConfig({ instances: instances.map((i) => ({ vrid: 51, advertIntervalMs: 100, virtualAddresses: ['203.0.113.10/32'], ...i })) });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

function lab(holds?: HoldStore) {
  const time = new FakeTime();
  const scheduler = new Scheduler(time, time);
  const recorder = new Recorder();
  const addresses = new FakeAddresses(recorder, LINK);
  addresses.present.push(source(LINK, '192.0.2.1'));
  const opened: Array<{ link: LinkInfo; transport: FakeTransport }> = [];
  const { log, lines } = memoryLogger();
  const ports: DaemonPorts = {
    addresses,
    scheduler,
    log,
    openTransport: (link) => {
      const transport = new FakeTransport(recorder);
      opened.push({ link, transport });
      return transport;
    },
    openFrameSender: () => new FakeFrames(recorder),
    prepareInterface: () => undefined,
    ...(holds === undefined ? {} : { holds }),
  };
  return { time, scheduler, recorder, addresses, opened, lines, ports };
}

t.test('an instance whose interface is missing waits in FAULT (interface-missing) while the others run, then starts by itself', async (t) => {
  const { ports, addresses, opened, time } = lab();
  const daemon = await Daemon.start(config([{ name: 'web', interface: 'eth0' }, { name: 'late', interface: 'eth1', vrid: 52, virtualAddresses: ['198.51.100.10/32'] }]), ports);
  t.teardown(() => daemon.stop());
  const late = daemon.instance('late')!;
  t.equal(late.current.name, 'fault');
  t.same(late.current.faults, ['interface-missing']);
  t.equal(daemon.instance('web')!.current.name, 'backup', 'the other instance runs meanwhile');
  // The NIC appears (hot plug), then DHCP gives it an address.
  addresses.links.set('eth1', ETH1);
  addresses.emit({ type: 'link', link: ETH1 });
  await turn();
  t.same(late.current.faults, ['no-source-address'], 'the interface is there, its address not yet');
  addresses.present.push(source(ETH1, '198.51.100.1'));
  addresses.emit({ type: 'address-added', entry: source(ETH1, '198.51.100.1') });
  await turn();
  await turn();
  t.equal(late.current.name, 'backup', 'in the protocol by itself');
  t.ok(opened.some((o) => o.link.ifindex === ETH1.ifindex), 'with a socket on the new interface');
  time.advanceTo(time.now() + activeDownIntervalMs(100, 10) + 1);
  t.equal(late.current.name, 'active');
});

t.test('--strict-startup: a missing interface fails the start (exit 69) as before', async (t) => {
  const { ports } = lab();
  await t.rejects(Daemon.start(config([{ name: 'late', interface: 'eth1' }]), ports, { strict: true }), StartupError);
});

t.test('an interface deleted and created again under the same name (new ifindex) is bound again: new socket, back in the protocol', async (t) => {
  const { ports, addresses, opened, time, recorder } = lab();
  const daemon = await Daemon.start(config([{ name: 'web', interface: 'eth0' }]), ports);
  t.teardown(() => daemon.stop());
  const web = daemon.instance('web')!;
  time.advanceTo(activeDownIntervalMs(100, 10) + 1);
  t.equal(web.current.name, 'active');
  const first = opened[0]!.transport;
  addresses.links.delete('eth0');
  addresses.emit({ type: 'link-removed', link: { ...LINK, up: false } });
  await turn();
  t.equal(web.current.name, 'fault');
  t.same(web.current.faults, ['interface-missing']);
  t.ok(first.closed, 'the old socket is closed: it is bound to a gone ifindex');
  const again: LinkInfo = { ...LINK, ifindex: 17 };
  addresses.links.set('eth0', again);
  addresses.present.splice(0, addresses.present.length, source(again, '192.0.2.1'));
  addresses.emit({ type: 'link', link: again });
  await turn();
  await turn();
  t.equal(web.current.name, 'backup');
  t.equal(opened.at(-1)?.link.ifindex, 17, 'a socket on the new ifindex');
  t.equal(web.ifindex, 17);
  time.advanceTo(time.now() + activeDownIntervalMs(100, 10) + 1);
  await turn();
  t.equal(web.current.name, 'active', 'takes the role again on the new interface');
  t.equal(addresses.ifindexes.at(-1), 17, 'and adds the address there');
  void recorder;
});

t.test('a reload that changes addresses, peers and source in place moves nothing: zero transitions', async (t) => {
  const { ports, addresses, time, recorder } = lab();
  addresses.present.push(source(LINK, '192.0.2.2'));
  const before = config([{ name: 'web', interface: 'eth0', unicastPeers: ['192.0.2.9'] }]);
  const daemon = await Daemon.start(before, ports);
  t.teardown(() => daemon.stop());
  const web = daemon.instance('web')!;
  time.advanceTo(activeDownIntervalMs(100, 10) + 1);
  await turn();
  t.equal(web.current.name, 'active');
  const transitions = web.counters.transitions;
  const mark = recorder.calls.length;
  const result = await daemon.reload(config([{ name: 'web', interface: 'eth0', unicastPeers: ['192.0.2.8'], sourceAddress: '192.0.2.2', virtualAddresses: ['203.0.113.10/32', '203.0.113.11/32'] }]));
  await turn();
  t.same(result.plan.update, ['web'], 'updated in place, not restarted');
  t.equal(web.counters.transitions, transitions, 'no transition');
  t.equal(web.current.name, 'active');
  t.same(recorder.calls.slice(mark).filter((c) => c.kind === 'add' || c.kind === 'del'), [{ kind: 'add', address: '203.0.113.11', prefixLength: 32 }], 'only the new address added');
  time.advanceTo(time.now() + 150);
  const sent = recorder.calls.slice(mark).filter((c) => c.kind === 'send');
  t.ok(sent.length > 0 && sent.every((c) => c.kind === 'send' && c.dst === '192.0.2.8'), 'advertisements go to the new peer');
  t.same([...web.sourceAddress], [192, 0, 2, 2], 'from the new source');
});

t.test('a reload that changes the peers list applies it to the next advertisement, in place', async (t) => {
  const { ports, opened, time } = lab();
  const daemon = await Daemon.start(config([{ name: 'web', interface: 'eth0', peers: ['192.0.2.9'] }]), ports);
  t.teardown(() => daemon.stop());
  const web = daemon.instance('web')!;
  time.advanceTo(activeDownIntervalMs(100, 10) + 1);
  await turn();
  t.equal(web.current.name, 'active');
  const from = (src: string, priority: number) => {
    const message = encode({ vrid: 51, priority, maxAdvertIntervalCs: 10, addresses: [ip('203.0.113.10')] }, { family: 4, src: ip(src), dst: ip('224.0.0.18'), variant: 'rfc5798' });
    opened.at(-1)!.transport.deliver({ family: 4, ifindex: LINK.ifindex, src: ip(src), dst: ip('224.0.0.18'), ttl: 255, message });
  };
  from('192.0.2.7', 254);
  from('192.0.2.7', 0);
  t.equal(web.current.name, 'active', 'a stranger neither takes the role nor hands it over');
  t.same(web.counters.rejected, { 'source-not-a-peer': 2 });
  const transitions = web.counters.transitions;
  const result = await daemon.reload(config([{ name: 'web', interface: 'eth0', peers: ['192.0.2.9', '192.0.2.7'] }]));
  t.same(result.plan.update, ['web'], 'updated in place');
  t.equal(web.counters.transitions, transitions, 'the reload itself moves nothing');
  from('192.0.2.7', 254);
  t.equal(web.current.name, 'backup', 'the member now listed is heard');
  t.equal(web.current.reason, 'higher-priority-seen');
  await daemon.reload(config([{ name: 'web', interface: 'eth0', peers: ['192.0.2.9'] }]));
  from('192.0.2.7', 254);
  t.equal(web.counters.rejected['source-not-a-peer'], 3, 'and dropped again once taken off the list');
});

t.test('a step-down hold survives a reload and a daemon restart, until resume', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipfo-holds-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const first = lab(new HoldStore(dir, memoryLogger().log));
  const cfg = config([{ name: 'web', interface: 'eth0' }]);
  const daemon = await Daemon.start(cfg, first.ports);
  first.time.advanceTo(activeDownIntervalMs(100, 10) + 1);
  await turn();
  t.equal(daemon.instance('web')!.current.name, 'active');
  daemon.stepDown('web');
  t.equal(daemon.instance('web')!.current.name, 'backup');
  await daemon.reload(config([{ name: 'web', interface: 'eth0', priority: 120 }]));
  t.equal(daemon.instance('web')!.current.held, true, 'kept across a reload');
  await daemon.stop();
  const second = lab(new HoldStore(dir, memoryLogger().log));
  const restarted = await Daemon.start(cfg, second.ports);
  const web = restarted.instance('web')!;
  t.equal(web.current.held, true, 'kept across a restart');
  second.time.advanceTo(5_000);
  t.equal(web.current.name, 'backup', 'and it does not take the role');
  t.ok(second.lines.some((l) => l.reason === 'step-down-held'), 'said at start-up');
  restarted.resume('web');
  await advance(second.time, second.time.now() + activeDownIntervalMs(100, 10) + 20);
  t.equal(web.current.name, 'active', 'resume lifts it');
  await restarted.stop();
  const third = lab(new HoldStore(dir, memoryLogger().log));
  const again = await Daemon.start(cfg, third.ports);
  t.equal(again.instance('web')!.current.held, false, 'the resume is remembered too');
  await again.stop();
});

t.test('a master whose interface is deleted leaves the role and forgets its addresses: stop does not hang', async (t) => {
  const { ports, addresses, time } = lab();
  // As the kernel: anything on an interface that is gone fails with ENODEV.
  addresses.fault = ({ kind }) => (kind === 'del' && !addresses.links.has('eth0') ? new NetError('ENODEV', 'delete') : undefined);
  const daemon = await Daemon.start(config([{ name: 'web', interface: 'eth0' }]), ports);
  const web = daemon.instance('web')!;
  time.advanceTo(activeDownIntervalMs(100, 10) + 1);
  await turn();
  t.equal(web.current.name, 'active');
  addresses.links.delete('eth0');
  addresses.emit({ type: 'link-removed', link: { ...LINK, up: false } });
  await turn();
  await turn();
  t.equal(web.current.name, 'fault');
  t.equal(web.addressesPending, 0, 'nothing retried against a gone interface');
  let stopped = false;
  void daemon.stop().then(() => (stopped = true));
  await turn();
  await turn();
  t.ok(stopped, 'stop completes');
});

t.test('a reload that fixes sourceAddress lifts no-source-address', async (t) => {
  const { ports, time } = lab();
  const daemon = await Daemon.start(config([{ name: 'web', interface: 'eth0', sourceAddress: '192.0.2.77' }]), ports);
  t.teardown(() => daemon.stop());
  const web = daemon.instance('web')!;
  t.same(web.current.faults, ['no-source-address'], 'the configured source is not on the interface');
  await daemon.reload(config([{ name: 'web', interface: 'eth0', sourceAddress: '192.0.2.1' }]));
  await turn();
  t.equal(web.current.name, 'backup');
  time.advanceTo(time.now() + activeDownIntervalMs(100, 10) + 1);
  t.equal(web.current.name, 'active');
});

t.test('a bind whose netlink lookup fails is retried with backoff; the start-up does not fail', async (t) => {
  const { ports, addresses, time, lines } = lab();
  addresses.failLists = 2;
  const daemon = await Daemon.start(config([{ name: 'web', interface: 'eth0' }]), ports);
  t.teardown(() => daemon.stop());
  const web = daemon.instance('web')!;
  t.equal(web.current.name, 'fault');
  t.same(web.current.faults, ['netlink-failed'], 'named: it takes no part before its interface is looked up');
  t.ok(lines.some((l) => l.instance === 'web' && typeof l.retryInMs === 'number'), 'the failure is logged with the retry');
  time.advanceTo(BIND_RETRY_FIRST_MS + 1);
  await turn();
  t.equal(web.current.name, 'fault', 'the second attempt fails too');
  time.advanceTo(BIND_RETRY_FIRST_MS * 3 + 2);
  await turn();
  await turn();
  t.equal(web.current.name, 'backup', 'the third (after 2 s more) binds');
});

t.test('the first bind of an instance raises no interface-missing warning', async (t) => {
  const { ports, lines } = lab();
  const daemon = await Daemon.start(config([{ name: 'web', interface: 'eth0' }]), ports);
  t.teardown(() => daemon.stop());
  t.notOk(lines.some((l) => l.reason === 'interface-missing'));
  t.same(daemon.instance('web')!.current.faults, []);
});
