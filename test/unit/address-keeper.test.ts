/** Virtual addresses are kept where the role wants them: failed netlink changes are retried. */

import t from 'tap';
import { NetError } from '../../src/net/ports.js';
import { AddressKeeper, RETRY_FIRST_MS, RETRY_MAX_MS, retryDelayMs, type KeptAddress } from '../../src/runtime/address-keeper.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { ip } from '../helpers/addresses.js';
import { FakeAddresses, LINK, memoryLogger, Recorder } from '../helpers/fake-ports.js';
import { FakeTime } from '../helpers/fake-time.js';

const VIP: KeptAddress = { bytes: ip('203.0.113.10'), prefixLength: 32 };
const turn = () => new Promise(setImmediate);

function keeper() {
  const time = new FakeTime();
  const scheduler = new Scheduler(time, time);
  const recorder = new Recorder();
  const addresses = new FakeAddresses(recorder, LINK);
  const { log, lines } = memoryLogger();
  const events: string[] = [];
  const kept = new AddressKeeper('web/address-retry', { ifindex: LINK.ifindex, family: 4 }, { addresses, scheduler, log }, {
    addFailing: (_a, since) => events.push(`failing since ${since}`),
    installed: (_a, announce) => events.push(`installed announce=${announce}`),
  });
  return { kept, time, recorder, addresses, lines, events };
}

t.test('backoff: 50 ms doubling to 2 s', async (t) => {
  t.same([1, 2, 3, 4, 5, 6, 7, 10].map(retryDelayMs), [50, 100, 200, 400, 800, 1600, 2000, 2000]);
  t.equal(retryDelayMs(1), RETRY_FIRST_MS);
  t.equal(retryDelayMs(99), RETRY_MAX_MS);
});

t.test('the first change is issued synchronously, in the caller tick', async (t) => {
  const { kept, recorder } = keeper();
  kept.want(VIP, true);
  t.same(recorder.calls, [{ kind: 'add', address: '203.0.113.10', prefixLength: 32 }]);
});

t.test('a failing add is retried with backoff until it succeeds; the owner is told both', async (t) => {
  const { kept, time, recorder, addresses, lines, events } = keeper();
  addresses.fault = ({ attempt }) => (attempt <= 3 ? new NetError('ENOBUFS', 'add') : undefined);
  kept.want(VIP, true);
  await turn();
  t.same(events, ['failing since 0']);
  t.equal(kept.addPendingSince(), 0);
  for (const at of [50, 150, 350]) {
    time.advanceTo(at);
    await turn();
  }
  t.equal(recorder.calls.filter((c) => c.kind === 'add').length, 4, 'tried at 0, 50, 150 and 350 ms');
  t.same(events.at(-1), 'installed announce=true', 'installed late: announce it');
  t.equal(kept.addPendingSince(), null);
  t.equal(kept.pending, 0);
  t.ok(lines.some((l) => l.reason === 'address-add-failed' && l.level === 50), 'failures logged at error with the reason');
  t.ok(lines.some((l) => l.msg === 'virtual address added after retrying'));
});

t.test('a failing delete is retried until the address is gone, logged at error, rate-limited', async (t) => {
  const { kept, time, recorder, addresses, lines } = keeper();
  addresses.fault = ({ kind, attempt }) => (kind === 'del' && attempt <= 20 ? new NetError('ETIMEDOUT', 'delete') : undefined);
  kept.want(VIP, false);
  const settled = kept.settled();
  let done = false;
  void settled.then(() => (done = true));
  for (let at = 0; at <= 40_000; at += 50) {
    time.advanceTo(at);
    await turn();
  }
  t.equal(recorder.calls.filter((c) => c.kind === 'del').length, 21, 'retried until it went through');
  t.ok(done, 'settled once the address is gone');
  const errors = lines.filter((l) => l.reason === 'address-delete-failed');
  t.ok(errors.length >= 1 && errors.length <= 5, `logged, rate-limited (${errors.length} lines for 20 failures)`);
  t.ok(errors.every((l) => l.level === 50), 'at error: two NICs answering for the failover IP is the worst outcome');
});

t.test('a newer wish replaces a failing one: a delete supersedes an add being retried', async (t) => {
  const { kept, time, recorder, addresses, events } = keeper();
  addresses.fault = ({ kind }) => (kind === 'add' ? new NetError('EACCES', 'add') : undefined);
  kept.want(VIP, true);
  await turn();
  kept.want(VIP, false);
  await turn();
  time.advanceTo(5_000);
  await turn();
  t.same(recorder.calls.map((c) => c.kind), ['add', 'del'], 'the add is not tried again once unwanted');
  t.equal(kept.addPendingSince(), null);
  t.notOk(events.some((e) => e.startsWith('installed')));
});

t.test('a change asked for while one is in flight waits for it: an add and a delete never cross', async (t) => {
  const { kept, recorder, addresses } = keeper();
  addresses.fault = ({ kind }) => (kind === 'add' ? 'hang' : undefined);
  kept.want(VIP, true);
  kept.want(VIP, false);
  t.same(recorder.calls.map((c) => c.kind), ['add'], 'the delete waits');
  t.equal(kept.pending, 2);
});

t.test('an add that netlink never answers counts as pending from when it was sent', async (t) => {
  const { kept, time, addresses } = keeper();
  addresses.fault = () => 'hang';
  time.advanceTo(120);
  kept.want(VIP, true);
  time.advanceTo(5_000);
  await turn();
  t.equal(kept.addPendingSince(), 120, 'the driver can give the role up before any timeout is reported');
});

t.test('the same wish again keeps its place in the backoff', async (t) => {
  const { kept, time, recorder, addresses } = keeper();
  addresses.fault = () => new NetError('ENOBUFS', 'add');
  kept.want(VIP, true);
  await turn();
  for (let i = 0; i < 20; i++) kept.want(VIP, true);
  await turn();
  time.advanceTo(40);
  await turn();
  t.equal(recorder.calls.length, 1, 'no retry before the backoff ran out, however often it is asked');
});

t.test('forget() drops pending wishes (the interface is gone) and settles', async (t) => {
  const { kept, time, addresses, recorder } = keeper();
  addresses.fault = () => new NetError('ENODEV', 'delete');
  kept.want(VIP, false);
  kept.forget(); // while the delete is in flight: its failure must not come back as a retry
  await kept.settled();
  time.advanceTo(10_000);
  await turn();
  t.equal(recorder.calls.length, 1, 'nothing retried on a gone interface');
});

t.test('retarget(): retries go to the new ifindex', async (t) => {
  const { kept, time, addresses } = keeper();
  addresses.fault = ({ attempt }) => (attempt === 1 ? new NetError('ENODEV', 'add') : undefined);
  kept.want(VIP, true);
  await turn();
  kept.retarget({ ifindex: 42, family: 4 });
  time.advanceTo(100);
  await turn();
  t.same(addresses.ifindexes, [LINK.ifindex, 42]);
});
