/** ipfailoverd --cleanup on a real interface: exactly the configured VIPs go, the rest stays. */

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAEMON } from './helpers/cluster.js';
import { requireRoot } from './helpers/root.js';
import { inNs } from './helpers/topology.js';

async function addresses(ns: string): Promise<string[]> {
  const json = JSON.parse(await inNs(ns, 'ip', '-j', 'addr', 'show', 'dev', 'eth0')) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
  return json.flatMap((link) => link.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).sort();
}

if (requireRoot(t)) {
  t.test('removes the configured virtual addresses present, at any prefix length, and nothing else', async (t) => {
    const ns = `ipfo-cl-${randomBytes(3).toString('hex')}`;
    spawnSync('ip', ['netns', 'add', ns]);
    t.teardown(() => void spawnSync('ip', ['netns', 'del', ns]));
    await inNs(ns, 'ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1');
    for (const link of ['lo', 'eth0', 'eth1']) await inNs(ns, 'ip', 'link', 'set', link, 'up');
    await inNs(ns, 'sysctl', '-qw', 'net.ipv6.conf.eth0.dad_transmits=0');
    const kept = ['192.0.2.1/24', '203.0.113.99/32', '203.0.113.20/32', '2001:db8::99/64'];
    for (const a of [...kept, '203.0.113.10/32', '203.0.113.11/24', '2001:db8::10/128']) await inNs(ns, 'ip', 'addr', 'add', a, 'dev', 'eth0');
    const dir = t.testdir();
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        instances: [
          { name: 'web', interface: 'eth0', vrid: 51, virtualAddresses: ['203.0.113.10/32', '203.0.113.11/32', '203.0.113.12/32'] },
          { name: 'web6', interface: 'eth0', vrid: 61, virtualAddresses: ['2001:db8::10/128'] },
          { name: 'owner', interface: 'eth0', vrid: 52, priority: 255, sourceAddress: '203.0.113.20', virtualAddresses: ['203.0.113.20/32'] },
          { name: 'gone', interface: 'eth9', vrid: 53, virtualAddresses: ['203.0.113.30/32'] },
        ],
      }),
    );
    const before = await addresses(ns);
    const run = () => spawnSync('ip', ['netns', 'exec', ns, process.execPath, DAEMON, '--cleanup', '--config', file], { encoding: 'utf8', timeout: 20_000 });
    const result = run();
    t.equal(result.status, 0, 'exit 0', { stderr: result.stderr });
    t.match(result.stdout, /removed 203\.0\.113\.11\/24 from eth0 \(instance web\)/);
    const after = await addresses(ns);
    t.same(
      before.filter((a) => !after.includes(a)),
      ['2001:db8::10/128', '203.0.113.10/32', '203.0.113.11/24'],
      'exactly the configured virtual addresses went',
    );
    for (const a of kept) t.ok(after.includes(a), `${a} stays`);
    t.ok(after.some((a) => a.startsWith('fe80::')), 'the link-local address stays');
    const again = run();
    t.equal(again.status, 0, 'a second run has nothing to do and succeeds');
    t.match(again.stdout, /no virtual address was present/);

    // A bad configuration: the path named, exit 78, nothing touched.
    await inNs(ns, 'ip', 'addr', 'add', '203.0.113.10/32', 'dev', 'eth0');
    writeFileSync(file, '{"instances": [{"name": "web"}]}');
    const bad = run();
    t.equal(bad.status, 78);
    t.match(bad.stderr, file);
    t.ok((await addresses(ns)).includes('203.0.113.10/32'), 'nothing removed on a bad configuration');
  });
}
