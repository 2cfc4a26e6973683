/**
 * A migration on the wire: a two-member group that ran keepalived 2.2.7 on both VMs. Member 1
 * moves to ipfailoverd with the configuration `ipfailoverctl import-keepalived` made from its own
 * keepalived.conf; member 2 keeps running keepalived with its original file (with `version 3`,
 * as the importer and the README ask). They elect one master, fail over to keepalived when ours
 * crashes, and back to ours when it returns (it has the higher priority and preempts).
 *
 * Both files are first checked by keepalived itself (`keepalived -t`) in the member's namespace.
 * Bounds are RFC 9568 §6.1's with a margin, never timing figures. Needs root and keepalived.
 */

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { REJECT_REASONS } from '../../src/protocol/receive-checks.js';
import { Cluster, type InstanceJson } from '../integration/helpers/cluster.js';
import { holders, waitFor, type Member } from '../integration/helpers/topology.js';
import { activeDownMs, MARGIN_MS } from './helpers/bounds.js';
import { KeepalivedProcess } from './helpers/keepalived.js';

const CTL = fileURLToPath(new URL('../../src/cli/ipfailoverctl.js', import.meta.url));
const VIP = '203.0.113.10';
const INTERVAL_MS = 100;

/** One member's keepalived.conf as a site writes it: unicast between the two VMs. */
function siteConf(self: Member, peer: Member, state: 'MASTER' | 'BACKUP', priority: number): string {
  return `vrrp_instance web {
  state ${state}
  interface eth0
  virtual_router_id 51
  priority ${priority}
  advert_int ${INTERVAL_MS / 1000}
  version 3
  unicast_src_ip ${self.ipv4}
  unicast_peer {
    ${peer.ipv4}
  }
  virtual_ipaddress {
    ${VIP}/32
  }
}
`;
}

t.test('keepalived and ipfailoverd (imported) in one group: one master, failover both ways', async (t) => {
  if (process.getuid?.() !== 0) throw new Error('needs root: builds network namespaces');
  const dir = mkdtempSync(join(tmpdir(), 'ipfo-imp-'));
  const cluster = await Cluster.create(2, 'ipfo-kimp');
  let ka: KeepalivedProcess | undefined;
  t.teardown(async () => {
    if (!t.passing()) {
      process.stderr.write(`--- keepalived:\n${ka?.tail(40) ?? ''}\n`);
      for (const daemon of cluster.daemons.values()) process.stderr.write(`--- ipfailoverd:\n${daemon.raw.slice(-40).join('\n')}\n`);
    }
    await ka?.kill();
    await cluster.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  const [m1, m2] = [cluster.member(1), cluster.member(2)];
  const files = { 1: join(dir, 'm1-keepalived.conf'), 2: join(dir, 'm2-keepalived.conf') };
  writeFileSync(files[1], siteConf(m1, m2, 'MASTER', 150));
  const m2Text = siteConf(m2, m1, 'BACKUP', 100);
  writeFileSync(files[2], m2Text);
  for (const [member, file] of [[m1, files[1]], [m2, files[2]]] as const) {
    const check = spawnSync('ip', ['netns', 'exec', member.ns, 'keepalived', '-t', '-f', file], { encoding: 'utf8' });
    t.equal(check.status, 0, `keepalived -t accepts m${member.index}'s file${check.stderr === '' ? '' : `: ${check.stderr}`}`);
  }

  const imported = spawnSync(process.execPath, [CTL, 'import-keepalived', files[1]], { encoding: 'utf8' });
  t.equal(imported.status, 0, imported.stderr);
  const instances = (JSON.parse(imported.stdout) as { instances: InstanceJson[] }).instances;
  t.same(instances, [{
    name: 'web', interface: 'eth0', vrid: 51, priority: 150, advertIntervalMs: INTERVAL_MS,
    virtualAddresses: [`${VIP}/32`], unicastPeers: [m2.ipv4], sourceAddress: m1.ipv4, groupMaster: true,
  }]);

  // keepalived first, as on a site mid-migration: it is master until ours joins and preempts.
  ka = new KeepalivedProcess(m2, dir, { name: 'web', vrid: 51, priority: 100, advertInt: INTERVAL_MS / 1000, virtualAddresses: [`${VIP}/32`] }, m2Text);
  await ka.waitState('MASTER', 5000);
  const joined = ka.lines.length;
  const first = cluster.start(1, instances);
  let ours = first;
  const preempted = await ours.waitState('MASTER', 5000);
  // "preempt": ours heard keepalived's lower-priority advertisements and accepted them (§6.4.2).
  t.equal(preempted.reason, 'preempt', 'ours accepted keepalived\'s advertisements and preempted it');
  await ka.waitState('BACKUP', 3000, joined);
  t.pass('keepalived steps down to BACKUP when ours (priority 150) joins');
  await sleep(10 * INTERVAL_MS);
  t.equal(ka.state(), 'BACKUP', 'keepalived stays BACKUP: it accepts our advertisements');
  t.equal(ours.state(), 'MASTER', 'ours stays MASTER');
  t.strictSame(await holders(cluster.members, VIP), [1], 'one master: only ours holds the VIP');

  // Ours crashes: keepalived takes over within its Active_Down_Interval.
  const fromKa = ka.lines.length;
  const killedAt = Date.now();
  ours.kill('SIGKILL');
  await ours.exited;
  const up = await ka.waitState('MASTER', 5000, fromKa);
  const bound = activeDownMs(100, INTERVAL_MS) + MARGIN_MS;
  t.ok(up.at - killedAt <= bound, `keepalived takes over ${up.at - killedAt} ms after ours crashed ≤ Active_Down_Interval + ${MARGIN_MS} ms (${bound} ms)`);
  await waitFor('keepalived to hold the VIP', async () => ((await holders([m2], VIP)).length === 1 ? true : undefined), 3000);

  // Ours comes back: higher priority, preempt on (keepalived's default, carried over): it takes the role back.
  const fromKa2 = ka.lines.length;
  ours = cluster.start(1, instances);
  t.equal((await ours.waitState('MASTER', 5000)).reason, 'preempt', 'ours hears keepalived as master and preempts it');
  await ka.waitState('BACKUP', 3000, fromKa2);
  await waitFor('keepalived to remove the VIP', async () => ((await holders(cluster.members, VIP)).join() === '1' ? true : undefined), 3000);
  await sleep(10 * INTERVAL_MS);
  t.equal(ka.state(), 'BACKUP', 'keepalived is BACKUP again');
  t.strictSame(await holders(cluster.members, VIP), [1], 'one master again: ours');
  const rejects = new Set<string>(REJECT_REASONS);
  const rejected = [first, ours].flatMap((daemon) => daemon.lines.filter((line) => rejects.has(String(line.reason)) && line.level !== 'info'));
  t.strictSame(rejected, [], 'neither run of ours dropped any of keepalived\'s advertisements');
});
