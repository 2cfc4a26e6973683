/** Health scripts and hooks must not inherit the daemon's raw VRRP socket. */

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readlinkSync, readdirSync } from 'node:fs';
import { Ipv4VrrpTransport } from '../../src/net/ipv4-transport.js';
import { requireRoot } from './helpers/root.js';

function rawSockets(): string[] {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  });
}

if (requireRoot(t)) {
  t.test('the IPv4 VRRP socket is close-on-exec: a child process sees none of our sockets', async (t) => {
    const before = new Set(rawSockets());
    const transport = new Ipv4VrrpTransport({ ifname: 'lo', ifindex: 1, multicast: false });
    t.teardown(() => transport.close());
    const created = rawSockets().filter((fd) => !before.has(fd));
    t.ok(created.length >= 1, `the transport opened socket fd ${created.join(',')}`);
    for (const fd of created) {
      const child = spawnSync('sh', ['-c', `test -e /proc/self/fd/${fd} && readlink /proc/self/fd/${fd}`], { encoding: 'utf8' });
      t.not(child.stdout.trim().startsWith('socket:'), true, `fd ${fd} is not inherited by a child`);
    }
  });
}
