// The status socket the daemon creates itself (no systemd): whoever can write its directory
// must not be able to turn root's chmod and chown onto another file with a symlink. The victim
// is a file of the test's own, mode 0600 root:root; the operators' group is nogroup (65534),
// so a redirected chmod shows as mode 0660 and a redirected chown as group 65534.
import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupId, listenStatusSocket, type ControlHandler } from '../../src/control/status-server.js';
import { requireRoot } from './helpers/root.js';

const handler: ControlHandler = { handle: async () => ({}), watch: () => () => undefined };
const OPERATORS = 'nogroup';

function setUp(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'ipfd-sf-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'not yours\n', { mode: 0o600 });
  return { dir, victim, path: join(dir, 'status.sock') };
}

/** Owner, group and permission bits: what a redirected chown or chmod would change. */
function metadata(file: string): { uid: number; gid: number; mode: number } {
  const stat = statSync(file);
  return { uid: stat.uid, gid: stat.gid, mode: stat.mode & 0o7777 };
}

/**
 * An attacker that can write the socket's directory, as fast as it can: makes a symlink to the
 * victim and renames it over the socket's path, again and again (rename(2) swaps atomically).
 */
function attacker(path: string, victim: string): ChildProcess {
  const script = `
    const { symlinkSync, renameSync } = require('node:fs');
    const [path, victim] = process.argv.slice(1);
    for (let n = 0; ; n++) {
      const spare = path + '.attack' + (n % 2);
      try { symlinkSync(victim, spare); } catch {}
      try { renameSync(spare, path); } catch {}
    }`;
  return spawn(process.execPath, ['-e', script, path, victim], { stdio: 'ignore' });
}

/** Resolves once the attacker's first symlink stands at `path`. */
async function attacking(path: string): Promise<void> {
  for (;;) {
    try {
      if (lstatSync(path).isSymbolicLink()) return;
    } catch {
      /* not yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

if (requireRoot(t)) {
  const gid = groupId(OPERATORS);
  t.ok(gid !== undefined, `group ${OPERATORS} exists`);

  t.test('a symlink planted at the path is replaced, and its target is untouched', async (t) => {
    const { victim, path } = setUp(t);
    symlinkSync(victim, path);
    const before = metadata(victim);
    const listening = await listenStatusSocket(path, OPERATORS, handler);
    t.teardown(() => listening.server.close());
    t.same(metadata(victim), before, 'the symlink target keeps its owner and mode');
    const socket = lstatSync(path);
    t.ok(socket.isSocket(), 'a socket now stands at the path, not the symlink');
    t.equal(socket.mode & 0o7777, 0o660);
    t.equal(socket.uid, 0);
    t.equal(socket.gid, gid, 'the socket has the operators’ group');
  });

  t.test('an attacker racing to swap the new socket for a symlink never redirects chmod or chown', async (t) => {
    const { victim, path } = setUp(t);
    const before = metadata(victim);
    const child = attacker(path, victim);
    t.teardown(() => {
      child.kill('SIGKILL');
    });
    await attacking(path);
    // Each start is one chance for the attacker; the naive bind-then-chmod order lost within
    // a few dozen starts on a 2-core machine (see the commit message). Bounded by time, not by
    // a count, so that a slow machine gives the attacker as long.
    let started = 0;
    let failed = 0;
    const until = performance.now() + 3000;
    while (performance.now() < until && metadata(victim).mode === before.mode) {
      try {
        const { server } = await listenStatusSocket(path, OPERATORS, handler);
        started++;
        await new Promise<void>((resolve) => server.close(() => resolve()));
      } catch {
        failed++; // the attacker's symlink was in place at bind: EADDRINUSE, which is safe
      }
    }
    t.same(metadata(victim), before, `the victim kept owner and mode (${started} starts, ${failed} refused)`);
    t.ok(started > 0, 'the socket was created in spite of the attacker');
  });

  t.test('at stop the socket goes, unless another has taken its place', async (t) => {
    const { dir, path } = setUp(t);
    const first = await listenStatusSocket(path, OPERATORS, handler);
    first.close();
    t.notOk(existsSync(path), 'removed at stop');
    const second = await listenStatusSocket(path, OPERATORS, handler);
    // Another daemon's socket, moved over ours while ours still listens.
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(join(dir, 'other.sock'), resolve));
    t.teardown(() => other.close());
    renameSync(join(dir, 'other.sock'), path);
    second.close();
    t.ok(lstatSync(path).isSocket(), 'the other socket is left alone');
  });

  t.test('a path that cannot be replaced: an error, no listening socket, no private directory left', async (t) => {
    const { dir, path } = setUp(t);
    mkdirSync(path); // rename(2) cannot put a socket over a directory
    await t.rejects(listenStatusSocket(path, OPERATORS, handler), { code: 'EISDIR' });
    t.same(readdirSync(dir).sort(), ['status.sock', 'victim'], 'only what was there before');
  });
}
