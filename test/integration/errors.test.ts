/** Start-up errors are named, before the network is touched. */

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAEMON } from './helpers/cluster.js';
import { requireRoot } from './helpers/root.js';

if (requireRoot(t)) {
  t.test('without CAP_NET_RAW and CAP_NET_ADMIN the daemon names them and exits 77', async (t) => {
    const dir = t.testdir();
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ instances: [{ name: 'web', interface: 'lo', vrid: 51, virtualAddresses: ['203.0.113.10/32'] }] }));
    // Root, but with both capabilities taken out of every set (as a misconfigured unit would).
    const result = spawnSync('setpriv', ['--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-net_raw,-net_admin', process.execPath, DAEMON, '--config', file], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    t.equal(result.status, 77);
    const line = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    t.same(line.missing, ['CAP_NET_ADMIN', 'CAP_NET_RAW']);
    t.match(String(line.msg), /needs CAP_NET_ADMIN and CAP_NET_RAW/);
  });
}
