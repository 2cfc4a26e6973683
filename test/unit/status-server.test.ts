// The status socket server against real Unix-socket clients: a flood, a silent client and a
// client or watcher that stops reading are each cut off, and well-behaved clients are not; a
// flood of pipelined requests is served a slice per event-loop turn. The handler is a fake; the
// socket lives in a temporary directory.
import { createConnection, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { MAX_REQUEST_BYTES } from '../../src/control/protocol.js';
import {
  IDLE_TIMEOUT_MS,
  listenStatusSocket,
  MAX_BACKLOG_BYTES,
  MAX_CONNECTIONS,
  MAX_REQUESTS_IN_FLIGHT,
  type ControlHandler,
} from '../../src/control/status-server.js';
import { MAX_REQUESTS_PER_TURN } from '../../src/control/request-turns.js';
import type { Peer } from '../../src/control/access.js';
import type { Refusal } from '../../src/control/status-server.js';

/** A handler whose watchers the test can drive: `send` reaches every current watcher. */
function fakeHandler() {
  const watchers = new Set<(event: Record<string, unknown>) => void>();
  let stops = 0;
  const handler: ControlHandler = {
    handle: async (request) => ({ echo: request.cmd }),
    watch(send) {
      watchers.add(send);
      return () => {
        stops++;
        watchers.delete(send);
      };
    },
  };
  return {
    handler,
    send: (event: Record<string, unknown>) => [...watchers].forEach((send) => send(event)),
    watching: () => watchers.size,
    stops: () => stops,
  };
}

/** A client that records reply lines and when the connection went away. */
interface TestClient {
  readonly socket: Socket;
  readonly lines: string[];
  /** Resolves when the connection is closed, with how long after connecting. */
  readonly closed: Promise<number>;
  nextLine(): Promise<string>;
}

function connect(path: string, options: { allowHalfOpen?: boolean } = {}): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path, allowHalfOpen: options.allowHalfOpen ?? false });
    const lines: string[] = [];
    const waiting: Array<(line: string) => void> = [];
    let buffer = '';
    let connectedAt = 0;
    const closed = new Promise<number>((resolveClosed) => socket.once('close', () => resolveClosed(performance.now() - connectedAt)));
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const waiter = waiting.shift();
        if (waiter === undefined) lines.push(line);
        else waiter(line);
      }
    });
    socket.once('connect', () => {
      connectedAt = performance.now();
      resolve({
        socket,
        lines,
        closed,
        nextLine: () => {
          const line = lines.shift();
          return line !== undefined ? Promise.resolve(line) : new Promise((resolveLine) => waiting.push(resolveLine));
        },
      });
    });
    socket.once('error', reject);
  });
}

/** Rejects when `promise` takes longer than `ms`: a test fails instead of hanging. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function start(t: Test, options: Parameters<typeof listenStatusSocket>[3] = {}, handle?: ControlHandler['handle']) {
  // Not t.testdir(): its long name would not fit in a socket address (108 bytes).
  const dir = mkdtempSync(join(tmpdir(), 'ipfd-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'status.sock');
  const fake = fakeHandler();
  const handler = handle === undefined ? fake.handler : { ...fake.handler, handle };
  // The test's own gid stands for the admin group, so that acting works as any user; the
  // access tests below pass their own peers and groups.
  const access = { adminGroup: 'test-admins', groupId: (name: string) => (name === 'test-admins' ? process.getgid?.() : undefined) };
  const { server } = await listenStatusSocket(path, 'no-such-group-here', handler, { ...access, ...options });
  const accepted: Socket[] = [];
  server.on('connection', (socket: Socket) => accepted.push(socket));
  t.teardown(() => closeServer(server, accepted));
  return { path, fake, accepted };
}

function closeServer(server: Server, sockets: Socket[]): Promise<void> {
  sockets.forEach((socket) => socket.destroy());
  return new Promise((resolve) => server.close(() => resolve()));
}

t.test('a request answered, and the connection kept for the next one', async (t) => {
  const { path } = await start(t);
  const client = await connect(path);
  client.socket.write('{"cmd":"status"}\n{"cmd":"reload"}\n');
  t.same(JSON.parse(await client.nextLine()), { ok: true, echo: 'status' });
  t.same(JSON.parse(await client.nextLine()), { ok: true, echo: 'reload' });
  client.socket.destroy();
});

t.test('an oversized request: the error reply, then the connection is destroyed at once', async (t) => {
  const { path, accepted } = await start(t);
  // Half-open allowed: a client that keeps its side open (and could keep sending) must not
  // keep the server reading and buffering.
  const client = await connect(path, { allowHalfOpen: true });
  const ended = new Promise<void>((resolve) => client.socket.once('end', resolve));
  client.socket.write('x'.repeat(MAX_REQUEST_BYTES + 1));
  const reply = JSON.parse(await within(client.nextLine(), 2000, 'error reply')) as Record<string, unknown>;
  t.equal(reply.ok, false);
  t.match(String(reply.error), /longer than/);
  await within(ended, 2000, 'the server closed its side');
  await sleep(50);
  const serverSide = accepted[0];
  t.ok(serverSide?.destroyed, 'the server side is destroyed, not half-closed and still reading');
  client.socket.write('x'.repeat(65536));
  await sleep(50);
  const read = serverSide?.bytesRead ?? 0;
  t.ok(read <= MAX_REQUEST_BYTES + 65536, `read no more than the limit and one chunk (${read} bytes)`);
  client.socket.destroy();
});

t.test('an oversized tail after a complete line is refused too', async (t) => {
  const { path } = await start(t);
  const client = await connect(path);
  client.socket.write(`{"cmd":"status"}\n${'y'.repeat(MAX_REQUEST_BYTES + 10)}`);
  await within(client.closed, 2000, 'connection closed');
  // The status reply may or may not make it before the connection goes: it is cut off.
  t.ok(
    client.lines.some((line) => /longer than/.test(String((JSON.parse(line) as { error?: unknown }).error))),
    'the error reply arrived',
  );
});

t.test('a client that sends nothing is cut off after the idle timeout', async (t) => {
  const { path } = await start(t, { idleTimeoutMs: 150 });
  const silent = await connect(path);
  const elapsed = await within(silent.closed, 3000, 'silent client cut off');
  t.ok(elapsed >= 100, `closed after ${elapsed.toFixed(0)} ms`);
  // A request that never gets its newline is silence too.
  const partial = await connect(path);
  partial.socket.write('{"cmd":"sta');
  await within(partial.closed, 3000, 'half a request cut off');
});

t.test('a client that keeps talking is not cut off', async (t) => {
  const { path } = await start(t, { idleTimeoutMs: 200 });
  const client = await connect(path);
  let closed = false;
  void client.closed.then(() => (closed = true));
  for (let i = 0; i < 5; i++) {
    await sleep(100);
    client.socket.write('{"cmd":"status"}\n');
    await client.nextLine();
  }
  t.notOk(closed, 'still open after 500 ms of requests 100 ms apart');
  client.socket.destroy();
  t.equal(IDLE_TIMEOUT_MS, 30_000, 'the default');
});

t.test('a watcher is never idle: it stays open with nothing to say', async (t) => {
  const { path, fake } = await start(t, { idleTimeoutMs: 100 });
  const watcher = await connect(path);
  let closed = false;
  void watcher.closed.then(() => (closed = true));
  watcher.socket.write('{"cmd":"watch"}\n');
  t.same(JSON.parse(await watcher.nextLine()), { ok: true, watching: true });
  await sleep(400);
  t.notOk(closed, 'open after four idle timeouts');
  fake.send({ event: 'transition' });
  t.same(JSON.parse(await watcher.nextLine()), { event: 'transition' });
  watcher.socket.destroy();
  await sleep(50);
  t.equal(fake.watching(), 0, 'stopped watching when the client left');
});

t.test('a watcher that stops reading is cut off past the backlog limit, and stops being fed', async (t) => {
  const { path, fake } = await start(t);
  const watcher = await connect(path);
  watcher.socket.write('{"cmd":"watch"}\n');
  t.same(JSON.parse(await watcher.nextLine()), { ok: true, watching: true });
  watcher.socket.pause(); // a stuck reader: the kernel buffers fill, then the server's
  const event = { filler: 'z'.repeat(64 * 1024) };
  let sent = 0;
  // Four times the limit, unless the server gives up on the watcher first.
  while (fake.watching() === 1 && sent < (4 * MAX_BACKLOG_BYTES) / (64 * 1024)) {
    fake.send(event);
    sent++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.equal(fake.watching(), 0, `no longer watching after ${sent} events of 64 KiB`);
  t.equal(fake.stops(), 1, 'the watch stopped exactly once');
  t.ok(sent * 64 * 1024 < 4 * MAX_BACKLOG_BYTES, 'cut off before four times the limit');
  watcher.socket.resume();
  await within(watcher.closed, 2000, 'watcher connection closed');
  t.equal(MAX_BACKLOG_BYTES, 1024 * 1024);
});

/** Waits until `count` reply lines arrived (or fails after `ms`). */
async function replies(client: TestClient, count: number, ms: number): Promise<string[]> {
  const lines: string[] = [];
  while (lines.length < count) lines.push(await within(client.nextLine(), ms, `reply ${lines.length + 1} of ${count}`));
  return lines;
}

t.test('pipelined requests of many connections are served a slice per loop turn: a timer fires during a flood', async (t) => {
  const CONNECTIONS = 4;
  const EACH = 100;
  let calls = 0;
  let timerFiredAfter: number | undefined;
  const { path } = await start(t, {}, async (request) => {
    if (calls++ === 0) setTimeout(() => (timerFiredAfter = calls), 0);
    const until = performance.now() + 1;
    while (performance.now() < until); // 1 ms of work, as a status of many instances is
    return { echo: request.cmd, n: calls };
  });
  const clients = await Promise.all([...Array(CONNECTIONS).keys()].map(() => connect(path)));
  for (const client of clients) client.socket.write('{"cmd":"status"}\n'.repeat(EACH));
  for (const client of clients) {
    const answered = (await replies(client, EACH, 20_000)).map((line) => (JSON.parse(line) as { n: number }).n);
    t.same(answered, [...answered].sort((a, b) => a - b), 'a connection gets its replies in order');
    client.socket.destroy();
  }
  t.equal(calls, CONNECTIONS * EACH, 'every request answered');
  t.ok(
    timerFiredAfter !== undefined && timerFiredAfter <= 2 * MAX_REQUESTS_PER_TURN,
    `a timer armed at the first request fired after ${String(timerFiredAfter)} of ${CONNECTIONS * EACH} (at most ${MAX_REQUESTS_PER_TURN} a turn, all connections together)`,
  );
});

t.test('at most MAX_REQUESTS_IN_FLIGHT requests of a connection await their reply at once', async (t) => {
  const REQUESTS = 100;
  let inFlight = 0;
  let most = 0;
  const { path } = await start(t, {}, async (request) => {
    most = Math.max(most, ++inFlight);
    await sleep(5); // a reload reads its file
    inFlight--;
    return { echo: request.cmd };
  });
  const client = await connect(path);
  client.socket.write('{"cmd":"reload"}\n'.repeat(REQUESTS));
  t.equal((await replies(client, REQUESTS, 5000)).length, REQUESTS, 'every request answered');
  t.equal(most, MAX_REQUESTS_IN_FLIGHT, `never more than ${MAX_REQUESTS_IN_FLIGHT} in flight`);
  client.socket.destroy();
});

t.test('one reply larger than the backlog limit reaches a client that reads, whole', async (t) => {
  const REPLY_BYTES = 3 * MAX_BACKLOG_BYTES; // a status of 255 instances with full peer tables is ~1 MiB
  const { path } = await start(t, {}, async () => ({ filler: 'z'.repeat(REPLY_BYTES) }));
  const client = await connect(path);
  for (const n of [1, 2]) {
    client.socket.write('{"cmd":"status"}\n');
    const reply = JSON.parse(await within(client.nextLine(), 5000, `reply ${n}`)) as { filler: string };
    t.equal(reply.filler.length, REPLY_BYTES, `reply ${n} arrived whole`);
  }
  client.socket.destroy();
});

t.test('a client that does not read its replies is cut off at the backlog limit, and no longer served', async (t) => {
  const REQUESTS = 5000;
  const REPLY_BYTES = 16 * 1024;
  let calls = 0;
  const { path, accepted } = await start(t, {}, async () => {
    calls++;
    return { filler: 'z'.repeat(REPLY_BYTES) };
  });
  const client = await connect(path);
  client.socket.pause(); // never reads: the kernel's buffers fill, then the server's
  client.socket.write('{"cmd":"status"}\n'.repeat(REQUESTS));
  // A paused client does not see the close; the server's side says it.
  const deadline = Date.now() + 5000;
  while (accepted[0]?.destroyed !== true && Date.now() < deadline) await sleep(10);
  t.ok(accepted[0]?.destroyed, 'the server cut the client off');
  const served = calls * REPLY_BYTES;
  t.ok(calls < REQUESTS, `served ${calls} of ${REQUESTS} requests`);
  // Beyond the limit: what the kernel's socket buffers held, a few hundred KiB.
  t.ok(served < MAX_BACKLOG_BYTES + 1024 * 1024, `${served} bytes of replies made before the cut-off; the limit is ${MAX_BACKLOG_BYTES}`);
  const after = calls;
  await sleep(100);
  t.equal(calls, after, 'nothing served after the cut-off');
  client.socket.resume();
  await within(client.closed, 2000, 'the client sees the close once it reads');
});

t.test('connections beyond MAX_CONNECTIONS are closed on arrival; the others are served', async (t) => {
  const { path } = await start(t);
  const clients: TestClient[] = [];
  for (let i = 0; i < MAX_CONNECTIONS; i++) clients.push(await connect(path));
  t.teardown(() => clients.forEach((client) => client.socket.destroy()));
  const extra = await connect(path);
  await within(extra.closed, 2000, 'the extra connection closed');
  const first = clients[0] as TestClient;
  first.socket.write('{"cmd":"status"}\n');
  t.same(JSON.parse(await within(first.nextLine(), 2000, 'reply')), { ok: true, echo: 'status' });
});

t.test('acting needs root or the admin group: a refused command gets its reason and never reaches the handler', async (t) => {
  const handled: string[] = [];
  const refusals: Refusal[] = [];
  const operator: Peer = { known: true, credentials: { pid: 4242, uid: 1000, gid: 1000, groups: [27] } };
  const { path } = await start(
    t,
    { adminGroup: 'ops-admin', groupId: (name) => (name === 'ops-admin' ? 990 : undefined), peerOf: () => operator, onRefused: (r) => refusals.push(r) },
    async (request) => {
      handled.push(request.cmd);
      return { done: request.cmd };
    },
  );
  const client = await connect(path);
  client.socket.write('{"cmd":"step-down","instance":"web"}\n');
  const refused = JSON.parse(await client.nextLine()) as Record<string, unknown>;
  t.match(refused, { ok: false, reason: 'not-admin' });
  t.equal(refused.error, 'step-down needs root or membership of group ops-admin; you are uid 1000 (groups 1000, 27)');
  for (const cmd of ['{"cmd":"resume","instance":"web"}', '{"cmd":"reload"}']) {
    client.socket.write(`${cmd}\n`);
    t.match(JSON.parse(await client.nextLine()), { ok: false, reason: 'not-admin' }, cmd);
  }
  client.socket.write('{"cmd":"status"}\n');
  t.same(JSON.parse(await client.nextLine()), { ok: true, done: 'status' }, 'reading is the operators’ right');
  client.socket.write('{"cmd":"watch"}\n');
  t.same(JSON.parse(await client.nextLine()), { ok: true, watching: true });
  t.same(handled, ['status'], 'no refused command reached the daemon');
  t.same(
    refusals.map((r) => [r.cmd, r.reason, r.peer]),
    [
      ['step-down', 'not-admin', operator],
      ['resume', 'not-admin', operator],
      ['reload', 'not-admin', operator],
    ],
  );
  client.socket.destroy();
});

t.test('a member of the admin group acts; the group is looked up at each act', async (t) => {
  let adminGid: number | undefined;
  const member: Peer = { known: true, credentials: { pid: 4243, uid: 1001, gid: 1001, groups: [990] } };
  const { path } = await start(t, { adminGroup: 'ops-admin', groupId: () => adminGid, peerOf: () => member });
  const client = await connect(path);
  client.socket.write('{"cmd":"reload"}\n');
  t.match(JSON.parse(await client.nextLine()), { ok: false, reason: 'no-admin-group', error: /^reload needs root \(group ops-admin does not exist\)/ });
  adminGid = 990; // groupadd ops-admin: no restart needed
  client.socket.write('{"cmd":"reload"}\n');
  t.same(JSON.parse(await client.nextLine()), { ok: true, echo: 'reload' });
  client.socket.destroy();
});

t.test('credentials that cannot be read: reading still works, acting is refused', async (t) => {
  const { path } = await start(t, { peerOf: () => ({ known: false, why: 'getsockopt(SO_PEERCRED): Bad file descriptor' }) });
  const client = await connect(path);
  client.socket.write('{"cmd":"status"}\n');
  t.same(JSON.parse(await client.nextLine()), { ok: true, echo: 'status' });
  client.socket.write('{"cmd":"step-down","instance":"web"}\n');
  t.match(JSON.parse(await client.nextLine()), { ok: false, reason: 'credentials-unknown', error: /could not be read \(getsockopt/ });
  client.socket.destroy();
});

t.test('the real peer: SO_PEERCRED names this process, and its gid as admin group lets it act', async (t) => {
  const { path } = await start(t);
  const client = await connect(path);
  client.socket.write('{"cmd":"reload"}\n');
  t.same(JSON.parse(await client.nextLine()), { ok: true, echo: 'reload' });
  client.socket.destroy();
});

t.test('a missing admin group is said once at start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipfd-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const listening = await listenStatusSocket(join(dir, 's.sock'), 'no-such-group-here', fakeHandler().handler, { adminGroup: 'no-such-admins', groupId: () => undefined });
  t.teardown(() => listening.close());
  t.match(listening.warnings, [/^group no-such-admins does not exist: only root can step-down, resume or reload/]);
});
