// RtnlRequester over a fake socket that records what is sent and answers when the test says:
// an idle requester sends before request() returns, single-reply requests go out together (up
// to MAX_SHARED), a dump runs alone, and address changes go ahead of waiting dumps.
import t from 'tap';
import { FlagsGet, FlagsNew, type NetlinkMessage } from '../../src/net/netlink-lib.js';
import { RTM_DELADDR, RTM_GETADDR, RTM_GETLINK, RTM_NEWADDR } from '../../src/net/netlink-parse.js';
import { MAX_SHARED, RtnlRequester, type RequestSocket } from '../../src/net/netlink-requests.js';
import { NetError } from '../../src/net/ports.js';

interface Sent {
  readonly type: number;
  readonly flags: number;
  answer(messages?: NetlinkMessage[]): void;
  fail(error: Error): void;
}

function fakeSocket() {
  const sent: Sent[] = [];
  let closed = false;
  const socket = {
    request(type: number, _data: unknown, options?: { flags?: number }) {
      return new Promise((resolve, reject) => {
        sent.push({
          type,
          flags: options?.flags ?? 0,
          answer: (messages = []) => resolve([messages, { port: 0, groups: 0 }]),
          fail: reject,
        });
      });
    },
    on() {
      return socket;
    },
    close() {
      closed = true;
    },
  } as unknown as RequestSocket;
  return { socket, sent, types: () => sent.map((s) => s.type), closed: () => closed };
}

const DUMP = FlagsGet.DUMP;
const ADD = FlagsNew.CREATE | FlagsNew.EXCL;

t.test('an idle requester sends before request() returns', async (t) => {
  const fake = fakeSocket();
  const requester = RtnlRequester.over(fake.socket);
  const added = requester.request(RTM_NEWADDR, ADD, [], 'add');
  t.same(fake.types(), [RTM_NEWADDR], 'on the socket before the caller does anything else');
  fake.sent[0]?.answer();
  t.same(await added, []);
  // Idle again once the caller resumes: the next one goes out at once too.
  const deleted = requester.request(RTM_DELADDR, 0, [], 'delete');
  t.same(fake.types(), [RTM_NEWADDR, RTM_DELADDR]);
  fake.sent[1]?.answer();
  await deleted;
});

t.test('single-reply requests go out together; a dump waits for them and runs alone', async (t) => {
  const fake = fakeSocket();
  const requester = RtnlRequester.over(fake.socket);
  const first = requester.request(RTM_GETLINK, 0, [], 'link a');
  const second = requester.request(RTM_NEWADDR, ADD, [], 'add');
  const third = requester.request(RTM_GETADDR, DUMP, [], 'dump');
  const fourth = requester.request(RTM_GETLINK, 0, [], 'link b');
  t.same(fake.types(), [RTM_GETLINK, RTM_NEWADDR], 'both single-reply requests are on the socket; the dump waits');
  const link = { type: 16, flags: 0, seq: 1, port: 0, data: Buffer.alloc(0) } as NetlinkMessage;
  fake.sent[0]?.answer([link]);
  t.same(await first, [link]);
  t.equal(fake.sent.length, 2, 'the dump still waits for the add');
  fake.sent[1]?.fail(Object.assign(new Error('sendmsg'), { code: 'ENOBUFS' }));
  await t.rejects(second, { code: 'ENOBUFS' });
  t.same(fake.types(), [RTM_GETLINK, RTM_NEWADDR, RTM_GETADDR], 'a failure does not stop the line: the dump goes, alone');
  fake.sent[2]?.answer();
  await third;
  t.equal(fake.sent.length, 4, 'then the lookup that waited behind it');
  fake.sent[3]?.answer();
  await fourth;
});

t.test(`at most ${MAX_SHARED} single-reply requests in flight; the next goes when one is answered`, async (t) => {
  const fake = fakeSocket();
  const requester = RtnlRequester.over(fake.socket);
  const adds = Array.from({ length: MAX_SHARED + 6 }, (_, i) => requester.request(RTM_NEWADDR, ADD, [], `add ${i}`));
  t.equal(fake.sent.length, MAX_SHARED, 'all in the same turn, up to the bound');
  fake.sent[0]?.answer();
  await adds[0];
  t.equal(fake.sent.length, MAX_SHARED + 1);
  for (const sent of fake.sent.slice(1)) sent.answer();
  for (let i = 1; i < 6; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    for (const sent of fake.sent.slice(MAX_SHARED)) sent.answer();
  }
  await Promise.all(adds);
  t.equal(fake.sent.length, MAX_SHARED + 6, 'every one sent exactly once');
});

t.test('address changes go ahead of waiting dumps, not of the one in flight', async (t) => {
  const fake = fakeSocket();
  const requester = RtnlRequester.over(fake.socket);
  const order: string[] = [];
  const track = (name: string, type: number, flags: number) =>
    requester.request(type, flags, [], name).then(() => order.push(name));
  const all = [
    track('dump links', RTM_GETLINK, DUMP),
    track('dump addresses', RTM_GETADDR, DUMP),
    track('get link', RTM_GETLINK, 0),
    track('add', RTM_NEWADDR, ADD),
    track('delete', RTM_DELADDR, 0),
    track('dump again', RTM_GETADDR, DUMP),
    track('add again', RTM_NEWADDR, ADD),
  ];
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  t.same(fake.types(), [RTM_GETLINK], 'the first dump, alone');
  fake.sent[0]?.answer();
  await settle();
  t.same(fake.types().slice(1), [RTM_NEWADDR, RTM_DELADDR, RTM_NEWADDR], 'the three changes together, ahead of the waiting dumps');
  for (const sent of fake.sent.slice(1)) sent.answer();
  await settle();
  t.same(fake.types().slice(4), [RTM_GETADDR], 'then the dump that waited, alone');
  fake.sent[4]?.answer();
  await settle();
  t.same(fake.types().slice(5), [RTM_GETLINK], 'the lookup queued behind it');
  fake.sent[5]?.answer();
  await Promise.all(all);
  t.equal(fake.sent.length, 6, '"dump again" waited beside its twin and shared its reply');
  t.same(order, ['dump links', 'add', 'delete', 'add again', 'dump addresses', 'dump again', 'get link']);
});

t.test('the same dump asked for while one waits shares its reply; not while it is in flight', async (t) => {
  const fake = fakeSocket();
  const requester = RtnlRequester.over(fake.socket);
  const v4 = [Buffer.from([2, 0, 0, 0])];
  const v6 = [Buffer.from([10, 0, 0, 0])];
  const inFlight = requester.request(RTM_GETADDR, DUMP, v4, 'dump 1');
  // Asked again while the first is on the wire: a change may have happened since, so its own.
  const a = requester.request(RTM_GETADDR, DUMP, v4, 'dump 2');
  const b = requester.request(RTM_GETADDR, DUMP, v4, 'dump 3');
  const other = requester.request(RTM_GETADDR, DUMP, v6, 'dump IPv6');
  const c = requester.request(RTM_GETADDR, DUMP, v4, 'dump 4');
  fake.sent[0]?.answer();
  await inFlight;
  const entry = { type: 20, flags: 2, seq: 2, port: 0, data: Buffer.alloc(0) } as NetlinkMessage;
  fake.sent[1]?.answer([entry]);
  const [ra, rb, rc] = await Promise.all([a, b, c]);
  t.same(ra, [entry]);
  t.equal(rb, ra, 'the waiting twins share one reply');
  t.equal(rc, ra);
  fake.sent[2]?.answer();
  await other;
  t.equal(fake.sent.length, 3, 'four IPv4 dumps asked for, two sent; the IPv6 one on its own');
});

t.test('close cancels the request in flight and fails the waiting ones', async (t) => {
  const fake = fakeSocket();
  const requester = RtnlRequester.over(fake.socket);
  const inFlight = requester.request(RTM_GETADDR, DUMP, [], 'dump');
  const waiting = requester.request(RTM_NEWADDR, ADD, [], 'add');
  requester.close();
  await t.rejects(inFlight, { code: 'ECANCELED' });
  await t.rejects(waiting, { code: 'EBADF' });
  t.ok((await waiting.catch((error: unknown) => error)) instanceof NetError);
  t.equal(fake.sent.length, 1, 'nothing sent after close');
  t.ok(fake.closed());
});
