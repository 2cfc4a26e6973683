/** The metrics endpoint: GET /metrics only; a listen that fails is retried, never fatal; moves on reload. */

import { createServer, type Server } from 'node:net';
import t, { type Test } from 'tap';
import type { ListenAddress } from '../../src/config/listen-address.js';
import { LISTEN_RETRY_FIRST_MS, MetricsServer } from '../../src/runtime/metrics-server.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { memoryLogger } from '../helpers/fake-ports.js';
import { FakeTime } from '../helpers/fake-time.js';
import { httpRequest } from '../helpers/http.js';

const loopback = (port: number): ListenAddress => ({ given: `127.0.0.1:${port}`, family: 4, address: '127.0.0.1', port });

function setup(scrape = async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'ipfailoverd_up 1\n' })) {
  const time = new FakeTime();
  const scheduler = new Scheduler(time, time);
  const { log, lines } = memoryLogger();
  const server = new MetricsServer(scrape, { scheduler, log });
  return { server, time, lines };
}

/** A port some other program holds: the fault a second daemon or an exporter would cause. */
async function occupied(t: Test): Promise<{ port: number; blocker: Server }> {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const bound = blocker.address();
  if (bound === null || typeof bound === 'string') throw new Error('no port');
  return { port: bound.port, blocker };
}

async function until(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

t.test('GET /metrics answers with the scrape; other paths 404; other methods 405', async (t) => {
  const { server } = setup();
  t.teardown(() => server.close());
  await server.configure(loopback(0));
  const at = `http://${server.listening}`;
  const ok = await httpRequest(`${at}/metrics`);
  t.equal(ok.status, 200);
  t.equal(ok.body, 'ipfailoverd_up 1\n');
  t.match(ok.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  t.equal((await httpRequest(`${at}/metrics?x=1`)).status, 200, 'a query string does not change the path');
  t.equal((await httpRequest(`${at}/`)).status, 404);
  t.equal((await httpRequest(`${at}/metrics/x`)).status, 404);
  const post = await httpRequest(`${at}/metrics`, 'POST');
  t.equal(post.status, 405);
  t.equal(post.headers['allow'], 'GET');
  t.equal((await httpRequest(`${at}/metrics`, 'HEAD')).status, 405);
});

t.test('a scrape that throws is a 500 and a logged error, and the endpoint goes on', async (t) => {
  let fail = true;
  const { server, lines } = setup(async () => {
    if (fail) throw new Error('collector bug');
    return { contentType: 'text/plain', body: 'ok\n' };
  });
  t.teardown(() => server.close());
  await server.configure(loopback(0));
  t.equal((await httpRequest(`http://${server.listening}/metrics`)).status, 500);
  t.ok(lines.some((l) => l.msg === 'metrics scrape failed' && String(l.err).includes('collector bug')));
  fail = false;
  t.equal((await httpRequest(`http://${server.listening}/metrics`)).status, 200);
});

t.test('the port in use: an error naming the address and reason, retried with backoff until it is free', async (t) => {
  const { port, blocker } = await occupied(t);
  const { server, time, lines } = setup();
  t.teardown(() => server.close());
  await server.configure(loopback(port));
  t.equal(server.listening, null, 'not listening, and no exception');
  const failed = lines.find((l) => l.reason === 'metrics-listen-failed');
  t.equal(failed?.listen, `127.0.0.1:${port}`);
  t.equal(failed?.code, 'EADDRINUSE');
  t.equal(failed?.level, 50, 'an error');
  t.equal(failed?.retryInMs, LISTEN_RETRY_FIRST_MS);

  // Still taken at the first retry: the delay doubles; the journal gets no second error line.
  time.advanceTo(LISTEN_RETRY_FIRST_MS);
  await until('the second attempt', () => lines.filter((l) => l.reason === 'metrics-listen-failed').length === 2);
  const second = lines.filter((l) => l.reason === 'metrics-listen-failed')[1];
  t.equal(second?.retryInMs, 2 * LISTEN_RETRY_FIRST_MS);
  t.equal(second?.level, 20, 'a repeat within the minute is a debug line');

  await new Promise<void>((resolve) => blocker.close(() => resolve()));
  time.advanceTo(LISTEN_RETRY_FIRST_MS + 2 * LISTEN_RETRY_FIRST_MS);
  await until('listening', () => server.listening !== null);
  t.equal(server.listening, `127.0.0.1:${port}`);
  t.equal((await httpRequest(`http://127.0.0.1:${port}/metrics`)).status, 200);
  t.ok(lines.some((l) => l.afterFailures === 2 && l.listen === `127.0.0.1:${port}`), 'the recovery is logged');
});

t.test('configure with another address moves the listener; undefined and close() stop it', async (t) => {
  const { server } = setup();
  t.teardown(() => server.close());
  await server.configure(loopback(0));
  const first = server.listening;
  await server.configure(loopback(0));
  t.equal(server.listening, first, 'the same address: left as it is');
  const { port, blocker } = await occupied(t);
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
  await server.configure(loopback(port));
  t.equal(server.listening, `127.0.0.1:${port}`);
  await t.rejects(httpRequest(`http://${first}/metrics`), { code: 'ECONNREFUSED' }, 'the old address no longer answers');
  t.equal((await httpRequest(`http://127.0.0.1:${port}/metrics`)).status, 200);
  await server.configure(undefined);
  t.equal(server.listening, null);
  await t.rejects(httpRequest(`http://127.0.0.1:${port}/metrics`), { code: 'ECONNREFUSED' });
});

t.test('close() while retrying: no later attempt listens', async (t) => {
  const { port, blocker } = await occupied(t);
  const { server, time, lines } = setup();
  await server.configure(loopback(port));
  await server.close();
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
  time.advanceTo(10 * LISTEN_RETRY_FIRST_MS);
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(server.listening, null);
  t.equal(lines.filter((l) => l.reason === 'metrics-listen-failed').length, 1, 'no retry after the close');
});
