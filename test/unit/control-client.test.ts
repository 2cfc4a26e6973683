// The status socket client and `ipfailoverctl watch` against a fake daemon: a reply that is not
// JSON is a ControlError, and a daemon that goes away during a watch is noticed.
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { ControlError, sendRequest } from '../../src/control/client.js';

const CTL = fileURLToPath(new URL('../../src/cli/ipfailoverctl.js', import.meta.url));

/** A fake daemon: `onRequest` gets each connection and its first line. */
async function fakeDaemon(t: Test, onRequest: (socket: Socket, line: string) => void): Promise<string> {
  // Not t.testdir(): its long name would not fit in a socket address (108 bytes).
  const dir = mkdtempSync(join(tmpdir(), 'ipfd-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'fake.sock');
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline >= 0) onRequest(socket, buffer.slice(0, newline));
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  );
  return path;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

t.test('a reply that is not JSON rejects with EPROTO, and nothing is thrown', async (t) => {
  for (const reply of ['HTTP/1.1 400 Bad Request', '{"ok":tru', '42', 'null']) {
    const path = await fakeDaemon(t, (socket) => socket.write(`${reply}\r\n`));
    const error = await within(
      sendRequest(path, { cmd: 'status' }).then(
        () => undefined,
        (error: unknown) => error,
      ),
      2000,
      reply,
    );
    t.ok(error instanceof ControlError, reply);
    t.match(error, { code: 'EPROTO' }, reply);
  }
});

t.test('a watch whose daemon goes away: events, then onClose with an error', async (t) => {
  const path = await fakeDaemon(t, (socket) => {
    socket.write('{"ok":true,"watching":true}\n{"instance":"web","to":"MASTER"}\n');
    setTimeout(() => socket.destroy(), 50);
  });
  const events: Array<Record<string, unknown>> = [];
  let onClose!: (error: ControlError | undefined) => void;
  const closed = new Promise<ControlError | undefined>((resolve) => (onClose = resolve));
  const reply = await sendRequest(path, { cmd: 'watch' }, (event) => events.push(event), undefined, onClose);
  t.same(reply, { ok: true, watching: true });
  const error = await within(closed, 2000, 'onClose');
  t.ok(error instanceof ControlError);
  t.match(error, { code: 'EPIPE', message: /ipfailoverd went away/ });
  t.same(events, [{ instance: 'web', to: 'MASTER' }]);
});

t.test('a watch ended by its signal: onClose without an error', async (t) => {
  const path = await fakeDaemon(t, (socket) => socket.write('{"ok":true,"watching":true}\n'));
  const stop = new AbortController();
  let onClose!: (error: ControlError | undefined) => void;
  const closed = new Promise<ControlError | undefined>((resolve) => (onClose = resolve));
  await sendRequest(path, { cmd: 'watch' }, () => undefined, stop.signal, onClose);
  stop.abort();
  t.equal(await within(closed, 2000, 'onClose'), undefined);
});

t.test('a bad event line ends the watch with EPROTO instead of an exception', async (t) => {
  const path = await fakeDaemon(t, (socket) => socket.write('{"ok":true,"watching":true}\ngarbage\n'));
  let onClose!: (error: ControlError | undefined) => void;
  const closed = new Promise<ControlError | undefined>((resolve) => (onClose = resolve));
  await sendRequest(path, { cmd: 'watch' }, () => undefined, undefined, onClose);
  t.match(await within(closed, 2000, 'onClose'), { code: 'EPROTO' });
});

/** Runs ipfailoverctl asynchronously (the fake daemon lives in this process), killed after 10 s. */
function ctl(args: string[], whenOutput?: (child: ReturnType<typeof spawn>) => void) {
  const child = spawn(process.execPath, [CTL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let told = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (!told && whenOutput !== undefined) {
      told = true;
      whenOutput(child);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  return new Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (status, signal) => {
      clearTimeout(killer);
      resolve({ status, signal, stdout, stderr });
    }),
  );
}

t.test('ipfailoverctl watch exits 69 when the daemon goes away', async (t) => {
  const path = await fakeDaemon(t, (socket) => {
    socket.write('{"ok":true,"watching":true}\n');
    socket.write('{"time":"2026-01-01T00:00:00Z","instance":"web","from":"BACKUP","to":"MASTER","reason":"no-active-seen"}\n');
    setTimeout(() => socket.destroy(), 100);
  });
  const result = await ctl(['--socket', path, 'watch']);
  t.equal(result.status, 69, `exit status (signal ${result.signal})`);
  t.match(result.stdout, /web: BACKUP -> MASTER \(no-active-seen\)/);
  t.match(result.stderr, /ipfailoverd went away/);
});

t.test('ipfailoverctl watch exits 0 on Ctrl-C', async (t) => {
  const path = await fakeDaemon(t, (socket) => {
    socket.write('{"ok":true,"watching":true}\n');
    socket.write('{"time":"2026-01-01T00:00:00Z","instance":"web","from":"BACKUP","to":"MASTER","reason":"no-active-seen"}\n');
  });
  const result = await ctl(['--socket', path, 'watch'], (child) => child.kill('SIGINT'));
  t.equal(result.status, 0, `exit status (signal ${result.signal})`);
  t.equal(result.stderr, '');
});
