/**
 * keepalived's notify scripts, unchanged, on a real daemon in namespaces: a `notify` script
 * (form keepalived) sees `INSTANCE web MASTER 150` on takeover and `INSTANCE web STOP 150` when
 * the daemon stops; a notify_master script (form none, on MASTER) runs with no arguments.
 */

import t from 'tap';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, webInstance } from './helpers/cluster.js';
import { requireRoot } from './helpers/root.js';
import { waitFor } from './helpers/topology.js';

/** A bash script that appends its argument count and arguments to `record`. */
function recorder(path: string, record: string): string {
  writeFileSync(path, `#!/bin/bash\necho "$# $*" >> ${record}\n`);
  chmodSync(path, 0o755);
  return path;
}

const lines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n') : []);

if (requireRoot(t)) {
  t.test('keepalived-form hooks: notify gets INSTANCE NAME STATE PRIORITY, notify_master nothing', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-nf');
    t.teardown(() => cluster.destroy());
    const notifyLog = join(cluster.directory, 'notify.log');
    const masterLog = join(cluster.directory, 'master.log');
    const one = cluster.start(1, [
      webInstance({
        priority: 150,
        notify: [
          { command: [recorder(join(cluster.directory, 'to_master.sh'), masterLog)], form: 'none', on: ['MASTER'] },
          { command: [recorder(join(cluster.directory, 'notify.sh'), notifyLog)], form: 'keepalived' },
        ],
      }),
    ]);
    const two = cluster.start(2, [webInstance({ priority: 100 })]);
    await one.waitState('MASTER', 5000);
    await two.waitState('BACKUP', 3000);
    await waitFor('the notify script saw the takeover', async () => (lines(notifyLog).includes('4 INSTANCE web MASTER 150') ? true : undefined), 3000);
    t.same(lines(masterLog), ['0'], 'notify_master ran once, with no arguments');

    t.equal(await one.stop(), 0);
    t.equal(lines(notifyLog).at(-1), '4 INSTANCE web STOP 150', 'STOP when the instance stops');
    t.notOk(lines(notifyLog).some((l) => l.includes('INIT')), 'never our INIT');
    t.same(lines(masterLog), ['0'], 'notify_master did not run for the other transitions');
  });
}
