/**
 * A sync group on the wire: an IPv4 and an IPv6 instance in group "svc" on two members. A fault
 * of one instance (a tracked file, weight 0) moves both to the other member, both addresses
 * with them, and back when it clears. The group's notify hook hears GROUP svc STATE.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';
import { Cluster, webInstance } from './helpers/cluster.js';
import { requireRoot } from './helpers/root.js';
import { holders, waitFor } from './helpers/topology.js';

const VIP4 = '203.0.113.10';
const VIP6 = '2001:db8::10';
/** The file tracker reads every second; then a Backup takes over within Skew_Time (priority 0). */
const MOVE_MS = 1000 + activeDownIntervalMs(100, 10) + 2000;

if (requireRoot(t)) {
  t.test('an IPv4 and an IPv6 instance in one sync group: a fault on one moves both, both addresses with them', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-sync');
    t.teardown(() => cluster.destroy());
    const down = join(cluster.directory, 'web4-down');
    const notified = join(cluster.directory, 'group-notify');
    writeFileSync(down, '0\n');
    writeFileSync(notified, '');
    const members = (priority: number, track?: unknown) => [
      webInstance({ name: 'web4', vrid: 51, priority, virtualAddresses: [`${VIP4}/32`], ...(track === undefined ? {} : { track }) }),
      webInstance({ name: 'web6', vrid: 52, priority, virtualAddresses: [`${VIP6}/128`] }),
    ];
    const group = (notify: unknown[] = []) => ({ syncGroups: [{ name: 'svc', instances: ['web4', 'web6'], notify }] });
    const one = cluster.start(1, members(150, { files: [{ path: down, weight: 0 }] }), group());
    const two = cluster.start(2, members(100), group([{ command: ['/bin/sh', '-c', `echo "$@" >> ${notified}`, 'notify'] }]));
    await one.waitState('MASTER', 5000, { instance: 'web4' });
    await one.waitState('MASTER', 2000, { instance: 'web6' });
    await two.waitState('BACKUP', 2000, { instance: 'web6' });
    const heldBy = async (member: string) => {
      await waitFor(`both addresses on member ${member}`, async () => {
        const [v4, v6] = [await holders(cluster.members, VIP4), await holders(cluster.members, VIP6)];
        return v4.join() === member && v6.join() === member ? true : undefined;
      }, MOVE_MS);
    };
    await heldBy('1');

    // Member 2 may have been Master for a moment at start (the daemons start a few ms apart).
    await waitFor('member 2\'s group hook said BACKUP', async () => (readFileSync(notified, 'utf8').trim().split('\n').at(-1) === 'GROUP svc BACKUP' ? true : undefined), 3000);
    const hookMark = readFileSync(notified, 'utf8').trim().split('\n').length;
    const oneMark = one.lines.length;
    const twoMark = two.lines.length;
    writeFileSync(down, '1\n');
    const web4Fault = await one.waitState('FAULT', MOVE_MS, { instance: 'web4', from: oneMark });
    t.same(web4Fault.faults, [`track-file:${down}`]);
    const web6Fault = await one.waitState('FAULT', 2000, { instance: 'web6', from: oneMark });
    t.same(web6Fault.faults, ['sync-group:svc'], 'web6 follows its group into Fault');
    await two.waitState('MASTER', MOVE_MS, { instance: 'web4', from: twoMark });
    await two.waitState('MASTER', MOVE_MS, { instance: 'web6', from: twoMark });
    await heldBy('2');

    writeFileSync(down, '0\n');
    await one.waitState('MASTER', 2 * MOVE_MS, { instance: 'web4', from: oneMark });
    await one.waitState('MASTER', MOVE_MS, { instance: 'web6', from: oneMark });
    await heldBy('1');
    await waitFor('the group hook ran', async () => (readFileSync(notified, 'utf8').trim().split('\n').length >= hookMark + 2 ? true : undefined), 3000);
    const calls = readFileSync(notified, 'utf8').trim().split('\n');
    t.equal(calls[0], 'GROUP svc BACKUP', 'member 2\'s group starts BACKUP');
    t.same(calls.slice(hookMark), ['GROUP svc MASTER', 'GROUP svc BACKUP'], 'MASTER with member 1\'s fault, BACKUP once it cleared');
  });
}
