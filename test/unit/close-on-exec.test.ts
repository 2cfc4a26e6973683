// Close-on-exec: a descriptor marked with setCloseOnExec is not inherited by the programs the
// daemon runs, and the status server marks the socket systemd passes. Node's own descriptors
// are close-on-exec already, and Node's startup marks fds 0-15 too, so the tests make a
// descriptor Node leaves inheritable: fd 20 of a child process, handed over with a gap at 16.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import t from 'tap';

const NATIVE = new URL('../../src/net/native.js', import.meta.url).href;
const STATUS_SERVER = new URL('../../src/control/status-server.js', import.meta.url).href;
const FD = 20;

/** Runs an ES module in a child whose fd 20 is `fd` (inheritable there); returns its JSON output. */
function runWithFd20(dir: string, source: string, fd: number): Record<string, unknown> {
  const script = join(dir, 'child.mjs');
  writeFileSync(script, source);
  const stdio = ['ignore', 'pipe', 'pipe', ...Array<'ignore'>(FD - 3).fill('ignore'), fd] as const;
  const result = spawnSync(process.execPath, [script], { stdio: [...stdio], encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0) throw new Error(`child failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

t.test('setCloseOnExec: the descriptor is no longer inherited', async (t) => {
  const dir = t.testdir({ data: 'x' });
  const fd = openSync(join(dir, 'data'), 'r');
  t.teardown(() => closeSync(fd));
  const seen = runWithFd20(
    dir,
    `import { spawnSync } from 'node:child_process';
import { setCloseOnExec } from ${JSON.stringify(NATIVE)};
const inherited = () => spawnSync('sh', ['-c', 'test -e /proc/self/fd/${FD}']).status === 0;
const before = inherited();
setCloseOnExec(${FD});
const after = inherited();
setCloseOnExec(${FD}); // again: no change, no error
let error;
try { setCloseOnExec(1000000); } catch (e) { error = { name: e.name, code: e.code }; }
console.log(JSON.stringify({ before, after, error }));`,
    fd,
  );
  t.equal(seen.before, true, 'inherited before (else this test proves nothing)');
  t.equal(seen.after, false, 'not inherited after');
  t.same(seen.error, { name: 'NetError', code: 'EBADF' });
});

const activate = ['/usr/bin/systemd-socket-activate', '/bin/systemd-socket-activate'].find((path) => existsSync(path)) ?? '';

t.test('the status server marks the socket systemd passes (fd 3) close-on-exec', { skip: activate === '' && 'systemd-socket-activate is not installed' }, async (t) => {
  // Not t.testdir(): its long name would not fit in a socket address (108 bytes).
  const dir = mkdtempSync(join(tmpdir(), 'ipfd-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'status.sock');
  const script = join(dir, 'daemon.mjs');
  // The real setCloseOnExec, wrapped to record the call; the child answers one status request.
  writeFileSync(
    script,
    `import { readFileSync } from 'node:fs';
import { listenStatusSocket } from ${JSON.stringify(STATUS_SERVER)};
import { setCloseOnExec } from ${JSON.stringify(NATIVE)};
const calls = [];
const handler = { handle: async () => ({ calls, cloexec: (parseInt(readFileSync('/proc/self/fdinfo/3', 'utf8').match(/flags:\\s*(\\d+)/)[1], 8) & 0o2000000) !== 0 }), watch: () => () => undefined };
const { server, origin } = await listenStatusSocket('/nonexistent/unused.sock', 'nogroup', handler, { setCloseOnExec: (fd) => { calls.push(fd); setCloseOnExec(fd); } });
calls.push(origin);
server.on('connection', (socket) => socket.on('close', () => server.close()));
`,
  );
  const daemon = spawn(activate, ['--listen', path, process.execPath, script], { stdio: ['ignore', 'ignore', 'pipe'] });
  const killer = setTimeout(() => daemon.kill('SIGKILL'), 10_000);
  const exited = new Promise<number | null>((resolve) => daemon.on('close', (code) => resolve(code)));
  for (let waited = 0; !existsSync(path); waited += 20) {
    if (waited > 5000 || daemon.exitCode !== null) throw new Error('systemd-socket-activate did not listen');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = createConnection(path);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('{"cmd":"status"}\n'));
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\n')) {
        socket.end();
        resolve(text);
      }
    });
    socket.on('error', reject);
  });
  t.same(JSON.parse(reply), { ok: true, calls: [3, 'systemd socket activation'], cloexec: true });
  t.equal(await exited, 0);
  clearTimeout(killer);
});
