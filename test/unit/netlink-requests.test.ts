// RtnlRequester over a fake socket that records what is sent and answers when the test says:
// an idle requester sends before request() returns, a busy one serialises, and address changes
// go ahead of waiting dumps.
import t from 'tap';
import { FlagsGet, FlagsNew, type NetlinkMessage } from 'netlink';
import { RTM_DELADDR, RTM_GETADDR, RTM_GETLINK, RTM_NEWADDR } from '../../src/net/netlink-parse.js';
import { RtnlRequester, type RequestSocket } from '../../src/net/netlink-requests.js';
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

t.test('a busy requester sends one at a time, in order', async (t) => {
  const fake = fakeSocket();
  const requester = RtnlRequester.over(fake.socket);
  const first = requester.request(RTM_GETLINK, 0, [], 'link a');
  const second = requester.request(RTM_GETLINK, 0, [], 'link b');
  const third = requester.request(RTM_GETADDR, DUMP, [], 'dump');
  t.equal(fake.sent.length, 1, 'only the first is on the socket');
  const link = { type: 16, flags: 0, seq: 1, port: 0, data: Buffer.alloc(0) } as NetlinkMessage;
  fake.sent[0]?.answer([link]);
  t.same(await first, [link]);
  t.equal(fake.sent.length, 2, 'the second is sent by the time the first caller resumes');
  fake.sent[1]?.fail(Object.assign(new Error('sendmsg'), { code: 'ENOBUFS' }));
  await t.rejects(second, { code: 'ENOBUFS' });
  t.equal(fake.sent.length, 3, 'a failure does not stop the line');
  fake.sent[2]?.answer();
  await third;
  t.same(fake.types(), [RTM_GETLINK, RTM_GETLINK, RTM_GETADDR]);
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
  for (let i = 0; i < all.length; i++) {
    t.equal(fake.sent.length, i + 1, 'one at a time');
    fake.sent[i]?.answer();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(all);
  t.same(order, ['dump links', 'add', 'delete', 'add again', 'dump addresses', 'get link', 'dump again']);
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
