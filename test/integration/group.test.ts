/**
 * The group from any member, with real daemons: `ipfailoverctl peers` names the routers each
 * hears, a backup says whether its master is the configured master, and the configured master
 * that releases the role (SIGTERM: priority 0) is not reported as displaced.
 */

import t from 'tap';
import { Cluster, webInstance } from './helpers/cluster.js';
import { ctl, statusSocketReady } from './helpers/ctl.js';
import { requireRoot } from './helpers/root.js';

/** The row of `ipfailoverctl peers` that names `address`, split into its columns. */
function peerRow(stdout: string, address: string): string[] | undefined {
  return stdout
    .split('\n')
    .map((line) => line.split(/\s{2,}/))
    .find((cells) => cells[2] === address);
}

async function statusJson(socket: string): Promise<Array<Record<string, unknown>>> {
  const result = await ctl(socket, ['--json', 'status']);
  if (result.status !== 0) throw new Error(`status: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { instances: Array<Record<string, unknown>> }).instances;
}

if (requireRoot(t)) {
  t.test('ipfailoverctl peers on each member names the other with its priority; the backup knows its master is the configured master', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-pe');
    t.teardown(() => cluster.destroy());
    const m1 = cluster.member(1).ipv4;
    const m2 = cluster.member(2).ipv4;
    // Member 2 first, not waiting for the configured master: it is master until member 1 comes
    // and preempts it, so each has heard the other advertise (a backup is silent, §6.4.2).
    const second = cluster.start(2, [webInstance({ priority: 100, groupMasterAddress: m1, groupMasterWaitMs: 0 })]);
    const wasMaster = second.lines.indexOf(await second.waitState('MASTER', 4000));
    // Member 1 with the RFC 9568 checksum, 2 with the default RFC 5798 one: each table says which.
    const first = cluster.start(1, [webInstance({ priority: 150, groupMaster: true, checksum: 'rfc9568' })]);
    await first.waitState('MASTER', 4000);
    await second.waitState('BACKUP', 2000, { from: wasMaster });
    await statusSocketReady(first.statusSocket);
    await statusSocketReady(second.statusSocket);

    const onFirst = await ctl(first.statusSocket, ['peers']);
    t.equal(onFirst.status, 0, onFirst.stderr);
    t.match(onFirst.stdout.split('\n')[0], /^INSTANCE\s+VRID\s+PEER\s+PRIO\s+INTERVAL\s+CHECKSUM\s+FIRST HEARD\s+LAST HEARD\s+COUNT\s+NOTE$/);
    const heardByFirst = peerRow(onFirst.stdout, m2);
    t.equal(heardByFirst?.[0], 'web');
    t.equal(heardByFirst?.[3], '100', 'the master names member 2 with its priority (not that of its parting priority-1 requests)');
    t.equal(heardByFirst?.[4], '100 ms');
    t.equal(heardByFirst?.[5], 'rfc5798');

    const onSecond = await ctl(second.statusSocket, ['peers']);
    t.equal(onSecond.status, 0, onSecond.stderr);
    const heardBySecond = peerRow(onSecond.stdout, m1);
    t.equal(heardBySecond?.[3], '150', 'the backup names member 1 with its priority');
    t.equal(heardBySecond?.[5], 'rfc9568');
    t.equal(heardBySecond?.at(-1), 'master, configured master');
    t.ok(Number(heardBySecond?.[8]) >= 2, 'advertisements counted');

    const [backup] = await statusJson(second.statusSocket);
    t.same(backup?.activeRouter, { address: m1, priority: 150, isGroupMaster: true }, 'status --json: the master, and that it is the configured master');
    const peers = backup?.peers as Array<Record<string, unknown>>;
    t.match(peers.find((p) => p.address === m1), { priority: 150, maxAdvertIntervalMs: 100, checksum: 'rfc9568' });
    t.ok(Date.parse(String(peers.find((p) => p.address === m1)?.lastHeard)) >= Date.parse(String(peers.find((p) => p.address === m1)?.firstHeard)));
    const human = await ctl(second.statusSocket, ['status']);
    t.match(human.stdout, new RegExp(`${m1.replace(/\./g, '\\.')} \\(150, configured master\\)`), 'status names the master as the configured master');
    const followed = await second.waitLine({ reason: 'new-active-router', activeRouter: m1 }, 100);
    t.equal(followed.isGroupMaster, true, 'and the log said so when it started following it');
  });

  t.test('the configured master stopped with SIGTERM: the member that takes over warns of no displaced master', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-rl');
    t.teardown(() => cluster.destroy());
    const m1 = cluster.member(1).ipv4;
    const configured = cluster.start(1, [webInstance({ priority: 150, groupMaster: true })]);
    await configured.waitState('MASTER', 4000);
    const member = cluster.start(2, [webInstance({ priority: 100, groupMasterAddress: m1 })]);
    await member.waitState('BACKUP', 4000);
    await member.waitLine({ reason: 'new-active-router', activeRouter: m1 }, 2000);
    t.equal(await configured.stop(), 0);
    const takeover = await member.waitState('MASTER', 2000);
    t.equal(takeover.reason, 'active-released', 'the configured master released the role (§6.4.3 priority 0)');
    // The warning would come with the transition line, in the same tick; give it the time of a few intervals.
    await new Promise((resolve) => setTimeout(resolve, 500));
    t.same(member.lines.filter((l) => l.reason === 'displaced-group-master'), [], 'nobody was displaced');
    const [instance] = await statusJson(member.statusSocket);
    t.match((instance?.peers as Array<Record<string, unknown>>).find((p) => p.address === m1), { priority: 0 }, 'its last word was a release');
  });
}
