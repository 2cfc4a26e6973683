// Reading who connected: the native SO_PEERCRED / SO_PEERGROUPS call through the one adapter,
// and its failures, each an unknown peer (which may never act).
import t, { type Test } from 'tap';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createConnection, createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerGroups } from '../../src/control/access.js';
import { socketPeer } from '../../src/control/peer.js';
import { peerCredentials } from '../../src/net/native.js';
import { NetError } from '../../src/net/ports.js';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'ipfd-pc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The server side of a connection this process makes to itself; closed in teardown. */
async function acceptedSocket(t: Test): Promise<Socket> {
  const path = join(tempDir(t), 's.sock');
  const accepted = new Promise<Socket>((resolve) => {
    const server = createServer(resolve).listen(path);
    t.teardown(() => server.close());
  });
  const client = createConnection(path);
  t.teardown(() => client.destroy());
  const socket = await accepted;
  t.teardown(() => socket.destroy());
  return socket;
}

t.test('an accepted connection: the kernel names this process, its uid, gid and groups', async (t) => {
  const peer = socketPeer(await acceptedSocket(t));
  t.ok(peer.known, 'known');
  if (peer.known) {
    t.equal(peer.credentials.pid, process.pid);
    t.equal(peer.credentials.uid, process.getuid?.());
    t.equal(peer.credentials.gid, process.getgid?.());
    // Node's getgroups() adds the effective gid to the supplementary groups; so does peerGroups.
    const sorted = (list: readonly number[]) => [...new Set(list)].sort((a, b) => a - b);
    t.same(sorted(peerGroups(peer.credentials)), sorted(process.getgroups?.() ?? []));
  }
});

t.test('no descriptor, or credentials that cannot be read: unknown, with the reason', async (t) => {
  t.match(socketPeer(new Socket()), { known: false, why: /no descriptor/ });
  const failing = (): never => {
    throw new NetError('ENOPROTOOPT', 'read the peer credentials of fd 9');
  };
  t.match(socketPeer(await acceptedSocket(t), failing), { known: false, why: /peer credentials/ });
});

t.test('the native call on a descriptor that is no socket throws a NetError with the errno name', async (t) => {
  const file = openSync(join(tempDir(t), 'plain'), 'w');
  t.teardown(() => closeSync(file));
  t.throws(() => peerCredentials(file), { code: 'ENOTSOCK' });
  t.throws(() => peerCredentials(-1), { code: 'EBADF' });
});
