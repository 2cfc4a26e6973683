/**
 * Sync groups (keepalived's vrrp_sync_group) in a daemon on fake ports: two instances "a" and
 * "b" in group "svc" go Fault, Backup and Master together, and moving one never bounces back.
 * Faults come through the tracking port; advertisements through the fake transport.
 */

import t, { type Test } from 'tap';
import { validateConfig } from '../../src/config/load.js';
import type { DaemonConfig } from '../../src/config/types.js';
import type { AddressEntry } from '../../src/net/ports.js';
import { decode, encode } from '../../src/protocol/advertisement.js';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';
import { Daemon, type DaemonPorts, type Tracking } from '../../src/runtime/daemon.js';
import type { TransitionRecord } from '../../src/runtime/instance-driver.js';
import type { GroupNotifyEvent } from '../../src/runtime/notify-hooks.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { HEALTHY, type HealthState } from '../../src/runtime/tracking/health-state.js';
import { ip } from '../helpers/addresses.js';
import { FakeAddresses, FakeFrames, FakeTransport, LINK, memoryLogger, Recorder } from '../helpers/fake-ports.js';
import { FakeTime } from '../helpers/fake-time.js';

const turn = () => new Promise(setImmediate);
const SELF = '192.0.2.1';
const OTHER = '192.0.2.9';
const GROUP = '224.0.0.18';
/** A Backup at priority 100 and a 100 ms interval takes the role after this long (§6.1). */
const DOWN_MS = activeDownIntervalMs(100, 10);
const VRID = { a: 51, b: 52 } as const;
const VIP = { a: '203.0.113.10', b: '203.0.113.11' } as const;
type Name = keyof typeof VRID;

function config(groups: unknown[] = [{ name: 'svc', instances: ['a', 'b'], notify: [{ command: ['/usr/local/bin/notify'] }] }]): DaemonConfig {
  const instances = (['a', 'b'] as const).map((name) => ({ name, interface: 'eth0', vrid: VRID[name], advertIntervalMs: 100, virtualAddresses: [`${VIP[name]}/32`] }));
  const result = validateConfig({ instances, syncGroups: groups });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

async function lab(t: Test, groups?: unknown[]) {
  const time = new FakeTime();
  const scheduler = new Scheduler(time, time);
  const recorder = new Recorder();
  const addresses = new FakeAddresses(recorder, LINK);
  const own: AddressEntry = { ifindex: LINK.ifindex, family: 4, address: ip(SELF), prefixLength: 24, scope: 'global', secondary: false, tentative: false };
  addresses.present.push(own);
  const transports: FakeTransport[] = [];
  const health = new Map<string, (health: HealthState) => void>();
  const groupEvents: GroupNotifyEvent[] = [];
  const { log } = memoryLogger();
  const ports: DaemonPorts = {
    addresses,
    scheduler,
    log,
    openTransport: () => {
      const transport = new FakeTransport(recorder);
      transports.push(transport);
      return transport;
    },
    openFrameSender: () => new FakeFrames(recorder),
    prepareInterface: () => undefined,
    createTracking: (instance, _log, onChange): Tracking => {
      health.set(instance.name, onChange);
      return { start: () => undefined, current: HEALTHY, onLink: () => undefined, stop: () => undefined };
    },
    createGroupHooks: () => ({ runGroup: (event) => groupEvents.push(event), idle: async () => undefined, replace: () => undefined }),
  };
  const daemon = await Daemon.start(config(groups), ports);
  t.teardown(() => daemon.stop());
  const transitions: TransitionRecord[] = [];
  daemon.onTransition((record) => transitions.push(record));
  const instance = (name: Name) => daemon.instance(name)!;
  /** An advertisement from the member on the other VM, for instance `name`. */
  const from = (name: Name, priority: number) => {
    const message = encode({ vrid: VRID[name], priority, maxAdvertIntervalCs: 10, addresses: [ip(VIP[name])] }, { family: 4, src: ip(OTHER), dst: ip(GROUP), variant: 'rfc5798' });
    transports.at(-1)!.deliver({ family: 4, ifindex: LINK.ifindex, src: ip(OTHER), dst: ip(GROUP), ttl: 255, message });
  };
  /** Moves time in 10 ms steps; `every` runs at each step (a peer advertising). */
  const advance = async (ms: number, every?: (at: number) => void) => {
    const end = time.now() + ms;
    for (let at = time.now() + 10; at <= end; at += 10) {
      time.advanceTo(at);
      every?.(at);
      await turn();
    }
  };
  /** The priorities we advertised for `name` since the recorder was last cleared. */
  const sent = (name: Name) =>
    recorder.calls.flatMap((call) => {
      if (call.kind !== 'send') return [];
      const decoded = decode(call.message, { family: 4, src: ip(SELF), dst: ip(GROUP) });
      return decoded.ok && decoded.value.vrid === VRID[name] ? [decoded.value.priority] : [];
    });
  const fault = (name: Name, raised: boolean) => health.get(name)!(raised ? { faults: ['track-file:/run/svc-down'], priorityDelta: 0 } : HEALTHY);
  const toActive = (name: Name) => transitions.filter((r) => r.instance === name && r.to === 'active');
  return { daemon, time, recorder, instance, from, advance, sent, fault, transitions, toActive, groupEvents };
}

t.test('the members take the role together: one whose timer fires first waits for the other', async (t) => {
  const { daemon, instance, from, advance, toActive, groupEvents } = await lab(t);
  // b hears a master on the other VM; a hears nobody, and its timer fires.
  await advance(3 * DOWN_MS, () => from('b', 200));
  t.equal(instance('a').current.name, 'backup', 'a does not take the role alone');
  t.ok(instance('a').snapshot().waitingForSyncGroup, 'a says it waits for its sync group');
  t.equal(instance('a').snapshot().syncGroup, 'svc');
  t.equal(instance('b').current.name, 'backup');
  // The other VM's b falls silent: b's timer fires, and both go together.
  await advance(2 * DOWN_MS);
  t.equal(instance('a').current.name, 'active');
  t.equal(instance('b').current.name, 'active');
  t.equal(toActive('a').length, 1);
  t.equal(toActive('a')[0]!.at, toActive('b')[0]!.at, 'in the same instant');
  t.same(groupEvents.map((e) => [e.group, e.state]), [['svc', 'BACKUP'], ['svc', 'MASTER']], 'the group hooks: BACKUP, then MASTER once');
  await daemon.stop();
  t.same(groupEvents.slice(2).map((e) => e.state), ['INIT'], 'a shutdown, member after member, is INIT with no BACKUP in passing');
});

t.test('a fault on one member moves both: the other releases the role and waits in Fault', async (t) => {
  const { instance, advance, fault, sent, recorder, groupEvents } = await lab(t);
  await advance(2 * DOWN_MS);
  t.equal(instance('a').current.name, 'active');
  t.equal(instance('b').current.name, 'active');
  recorder.calls.length = 0;
  fault('a', true);
  t.equal(instance('a').current.name, 'fault');
  t.equal(instance('b').current.name, 'fault');
  t.same(instance('b').current.faults, ['sync-group:svc'], 'b is held by the group, not by a fault of its own');
  t.same(sent('b'), [0], 'b released the role with priority 0, so the other VM takes it in Skew_Time');
  t.equal(groupEvents.at(-1)?.state, 'FAULT');
  await advance(3 * DOWN_MS);
  t.equal(instance('b').current.name, 'fault', 'b takes no role while a is in Fault');
  fault('a', false);
  t.equal(instance('b').current.name, 'backup', 'the fault cleared: both Backup');
  t.equal(instance('a').current.name, 'backup');
  await advance(2 * DOWN_MS);
  t.equal(instance('a').current.name, 'active', 'and Master together again');
  t.equal(instance('b').current.name, 'active');
  t.same(groupEvents.slice(-2).map((e) => e.state), ['BACKUP', 'MASTER']);
});

t.test('a higher priority heard by one master member moves both to Backup, without bouncing back', async (t) => {
  const { instance, from, advance, sent, recorder, transitions } = await lab(t);
  await advance(2 * DOWN_MS);
  t.equal(instance('b').current.name, 'active');
  recorder.calls.length = 0;
  const before = transitions.length;
  from('a', 200);
  t.equal(instance('a').current.name, 'backup');
  t.equal(instance('a').current.reason, 'higher-priority-seen');
  t.equal(instance('b').current.name, 'backup', 'b follows a');
  t.equal(instance('b').current.reason, 'sync-group');
  t.same(sent('b'), [], 'b stops advertising, as keepalived: no priority 0');
  // The other VM's b takes over by its Active_Down_Timer at a lower priority; our b would
  // preempt it, but a still follows the better master: the group stays Backup.
  await advance(4 * DOWN_MS, () => {
    from('a', 200);
    from('b', 50);
  });
  t.equal(instance('a').current.name, 'backup');
  t.equal(instance('b').current.name, 'backup', 'b does not take the role back alone');
  t.same(
    transitions.slice(before).map((r) => [r.instance, r.to, r.reason]),
    [['a', 'backup', 'higher-priority-seen'], ['b', 'backup', 'sync-group']],
    'one transition each: no loop',
  );
});

t.test('members that go Backup in the same instant move each other no further', async (t) => {
  const { instance, from, advance, transitions } = await lab(t);
  await advance(2 * DOWN_MS);
  const before = transitions.length;
  from('a', 200);
  from('b', 200);
  await advance(DOWN_MS, () => {
    from('a', 200);
    from('b', 200);
  });
  t.same(
    transitions.slice(before).map((r) => [r.instance, r.to]),
    [['a', 'backup'], ['b', 'backup']],
  );
  t.equal(instance('b').current.reason, 'sync-group', 'b went with a, before its own advertisement came');
});

t.test('a reload that takes the group away frees a member waiting for it; one that adds it applies', async (t) => {
  const { daemon, instance, from, advance, fault } = await lab(t);
  await advance(3 * DOWN_MS, () => from('b', 200));
  t.ok(instance('a').wantsActive);
  const result = await daemon.reload(config([]));
  t.same(result.plan.update, ['a', 'b'], 'in place');
  t.equal(instance('a').current.name, 'active', 'a takes the role it was waiting for');
  t.equal(instance('a').snapshot().syncGroup, null);
  await daemon.reload(config());
  t.equal(instance('a').snapshot().syncGroup, 'svc');
  fault('b', true);
  t.equal(instance('a').current.name, 'fault', 'the group is back in force');
  fault('b', false);
  await daemon.reload(config([]));
  t.same(instance('a').current.faults, []);
});
