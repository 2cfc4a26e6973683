/** Health tracking and notify hooks, on real daemons in namespaces. */

import t from 'tap';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, webInstance } from './helpers/cluster.js';
import { requireRoot } from './helpers/root.js';
import { holders, inNs, waitFor } from './helpers/topology.js';

const VIP = '203.0.113.10';

function script(path: string, body: string): string {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

if (requireRoot(t)) {
  t.test('a failing health script (weight 0) sends the master to FAULT; healthy again, it returns', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-tk');
    t.teardown(() => cluster.destroy());
    const flag = join(cluster.directory, 'healthy');
    writeFileSync(flag, '');
    const check = script(join(cluster.directory, 'check.sh'), `test -e ${flag}`);
    const hookLog = join(cluster.directory, 'hooks.log');
    const hook = script(join(cluster.directory, 'hook.sh'), `echo "$1 $2 $3 $IPFAILOVERD_PREVIOUS_STATE $IPFAILOVERD_REASON" >> ${hookLog}; echo "hook says hello"`);
    const one = cluster.start(1, [
      webInstance({
        priority: 150,
        track: { scripts: [{ name: 'web-up', command: [check], intervalMs: 200, timeoutMs: 100, rise: 1, fall: 1 }] },
        notify: [{ command: [hook], timeoutMs: 2000 }],
      }),
    ]);
    const two = cluster.start(2, [webInstance({ priority: 100 })]);
    await one.waitState('MASTER', 5000);
    await two.waitState('BACKUP', 2000);

    const mark = one.lines.length;
    rmSync(flag);
    const fault = await one.waitState('FAULT', 3000, { from: mark });
    t.equal(fault.reason, 'fault');
    await two.waitState('MASTER', 3000);
    await waitFor('member 2 alone holds it', async () => ((await holders(cluster.members, VIP)).join() === '2' ? true : undefined), 2000);

    writeFileSync(flag, '');
    const back = await one.waitState('BACKUP', 3000, { from: mark });
    t.equal(back.reason, 'fault-cleared');
    await one.waitState('MASTER', 3000, { from: mark });

    await waitFor('hooks ran', async () => (existsSync(hookLog) && readFileSync(hookLog, 'utf8').split('\n').length > 4 ? true : undefined), 3000);
    const lines = readFileSync(hookLog, 'utf8').trim().split('\n');
    // A health script starts failed until it has succeeded (it proves nothing before), so the
    // instance starts in FAULT.
    const expected = [
      /^web FAULT 150 INIT fault$/,
      /^web BACKUP 150 FAULT fault-cleared$/,
      // Member 2 may have taken the role meanwhile: then member 1 preempts it.
      /^web MASTER 150 BACKUP (no-active-seen|preempt)$/,
      /^web FAULT 150 MASTER fault$/,
      /^web BACKUP 150 FAULT fault-cleared$/,
    ];
    expected.forEach((pattern, i) => t.match(lines[i], pattern, `hook run ${i + 1}: in order, one at a time, with arguments and environment`));
    t.ok(one.lines.some((l) => String(l.msg ?? '').includes('hook says hello') || l.line === 'hook says hello'), 'hook output in the journal');
  });

  t.test('a tracked interface going down lowers the priority by its weight; the backup preempts', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-ti');
    t.teardown(() => cluster.destroy());
    // A second NIC that only matters for health (a dummy-like veth pair kept inside member 1).
    await inNs(cluster.member(1).ns, 'ip', 'link', 'add', 'uplink0', 'type', 'veth', 'peer', 'name', 'uplink1');
    await inNs(cluster.member(1).ns, 'ip', 'link', 'set', 'uplink0', 'up');
    await inNs(cluster.member(1).ns, 'ip', 'link', 'set', 'uplink1', 'up');
    const one = cluster.start(1, [webInstance({ priority: 150, track: { interfaces: [{ name: 'uplink0', weight: -100 }] } })]);
    const two = cluster.start(2, [webInstance({ priority: 100 })]);
    await one.waitState('MASTER', 5000);
    await two.waitState('BACKUP', 2000);
    const mark = one.lines.length;
    const twoMark = two.lines.length;
    await inNs(cluster.member(1).ns, 'ip', 'link', 'set', 'uplink1', 'down'); // carrier lost on uplink0
    const yielded = await one.waitState('BACKUP', 5000, { from: mark });
    t.equal(yielded.reason, 'higher-priority-seen');
    t.equal(yielded.priority, 50, '150 − 100 while uplink0 is down');
    t.equal((await two.waitState('MASTER', 3000, { from: twoMark })).reason, 'preempt');
  });
}
