/** The status socket and ipfailoverctl against real daemons. */

import t from 'tap';
import { chmodSync } from 'node:fs';
import { createConnection } from 'node:net';
import { spawn } from 'node:child_process';
import { Cluster, webInstance } from './helpers/cluster.js';
import { CTL, ctl, statusSocketReady } from './helpers/ctl.js';
import { requireRoot } from './helpers/root.js';
import { sendRawAdverts } from './helpers/raw-sender.js';
import { holders, waitFor } from './helpers/topology.js';

const VIP = '203.0.113.10';

/** Raw protocol: send lines, collect reply lines (and how the connection ended). */
function converse(socket: string, payload: string, replies: number): Promise<string[] & { reset?: boolean }> {
  return new Promise((resolve, reject) => {
    const lines: string[] & { reset?: boolean } = [];
    let buffer = '';
    const connection = createConnection(socket, () => connection.write(payload));
    connection.setEncoding('utf8');
    connection.on('error', (error: NodeJS.ErrnoException) => {
      // The server cuts off a client it refuses; unread data makes that a reset.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') lines.reset = true;
      else reject(error);
    });
    connection.on('close', () => resolve(lines));
    connection.on('data', (chunk: string) => {
      buffer += chunk;
      let n: number;
      while ((n = buffer.indexOf('\n')) >= 0) {
        lines.push(buffer.slice(0, n));
        buffer = buffer.slice(n + 1);
      }
      if (lines.length >= replies) connection.end();
    });
  });
}

if (requireRoot(t)) {
  t.test('datagrams no instance can be named for, and the socket that read them, appear in status', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-cu');
    t.teardown(() => cluster.destroy());
    const one = cluster.start(1, [webInstance({ priority: 150 })]);
    await one.waitState('MASTER', 4000);
    await statusSocketReady(one.statusSocket);
    const count = 40;
    const stranger = sendRawAdverts(cluster.member(2).ns, { family: 4, src: cluster.member(2).ipv4, vrid: 99, priority: 100, intervalCs: 100, addresses: ['203.0.113.99'] }, 255, count, 1);
    t.equal(await stranger.exited, 0, 'the stranger sent its advertisements');
    const sockets = await waitFor(
      'the unknown VRIDs counted',
      async () => {
        const reply = JSON.parse((await ctl(one.statusSocket, ['--json', 'status'])).stdout) as { sockets: Array<Record<string, any>> };
        return reply.sockets.find((s) => s.unattributed['unknown-vrid'] === count) === undefined ? undefined : reply.sockets;
      },
      3000,
    );
    t.match(sockets, [{ socket: /^eth0\/4/, deaf: false, kernelDrops: 0, handlerErrors: 0 }], 'one IPv4 socket, nothing lost');
    t.ok(sockets[0]!.received >= count, 'every datagram it read is counted');
    const table = await ctl(one.statusSocket, ['status']);
    t.match(table.stdout, new RegExp(`^socket eth0/4\\S*: received \\d+, kernel drops 0, handler errors 0, unattributed unknown-vrid=${count}$`, 'm'));
  });

  t.test('status, watch, step-down and resume through the socket', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-ct');
    t.teardown(() => cluster.destroy());
    const one = cluster.start(1, [webInstance({ priority: 150, groupMaster: true })]);
    const two = cluster.start(2, [webInstance({ priority: 100, groupMasterAddress: cluster.member(1).ipv4 })]);
    await one.waitState('MASTER', 4000);
    await two.waitState('BACKUP', 2000);
    await statusSocketReady(one.statusSocket);

    const table = await ctl(one.statusSocket, ['status']);
    t.match(table.stdout, /^INSTANCE\s+IFACE\s+VRID\s+STATE/m);
    // Started together, member 2 may win the first election by a few ms of start-up and be
    // preempted (issue 9 makes the configured master win every start order): either reason.
    t.match(table.stdout, /^web\s+eth0\s+51\s+MASTER\s+150\s+192\.0\.2\.1\s.*(no-active-seen|preempt)\s+ok$/m);
    const json = JSON.parse((await ctl(one.statusSocket, ['--json', 'status'])).stdout) as { instances: Array<Record<string, any>> };
    const web = json.instances[0]!;
    t.equal(web.state, 'MASTER');
    t.same(web.priority, { configured: 150, effective: 150 });
    t.same(web.role, { expected: 'master', matches: true });
    t.ok(web.counters.advertsSent > 0, 'counters: advertisements sent');
    t.type(web.counters.rejected, 'object', 'counters: drops by reason');
    t.ok(web.counters.announcements >= 1, 'counters: announcements');
    t.ok(!Number.isNaN(Date.parse(web.since)), 'since: a wall-clock time');

    // watch streams the transitions that step-down causes.
    const watcher = spawn(process.execPath, [CTL, '--socket', one.statusSocket, 'watch'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let watched = '';
    watcher.stdout.on('data', (d: Buffer) => (watched += d.toString()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const mark = two.lines.length;
    const stepped = await ctl(one.statusSocket, ['step-down', 'web']);
    t.equal(stepped.status, 0);
    t.match(stepped.stdout, /BACKUP \(stepped down\)/);
    const took = await two.waitState('MASTER', 2000, { from: mark });
    t.equal(took.reason, 'active-released', 'handed over with priority 0, so in Skew_Time');
    await waitFor('watch saw it', async () => (/web: MASTER -> BACKUP \(step-down\)/.test(watched) ? true : undefined), 2000);
    watcher.kill('SIGINT');
    await waitFor('member 2 alone holds it', async () => ((await holders(cluster.members, VIP)).join() === '2' ? true : undefined), 2000);
    await new Promise((resolve) => setTimeout(resolve, 800));
    t.equal(one.state(), 'BACKUP', 'held in backup although it has the higher priority');

    // Marked before the command: the preemption may be logged before ctl returns.
    const beforeResume = one.lines.length;
    const resumed = await ctl(one.statusSocket, ['resume', 'web']);
    t.equal(resumed.status, 0);
    const back = await one.waitState('MASTER', 3000, { from: beforeResume });
    t.equal(back.reason, 'preempt', 'after resume, preemption applies again');

    const missing = await ctl(one.statusSocket, ['step-down', 'nope']);
    t.equal(missing.status, 70);
    t.match(missing.stderr, /no instance named nope/);
  });

  t.test('bad requests get error replies and never disturb the daemon', async (t) => {
    const cluster = await Cluster.create(1, 'ipfo-cb');
    t.teardown(() => cluster.destroy());
    const daemon = cluster.start(1, [webInstance()]);
    await daemon.waitState('MASTER', 4000);
    await statusSocketReady(daemon.statusSocket);
    const replies = await converse(daemon.statusSocket, 'hello\n{"cmd":"explode"}\n[]\n{"cmd":"resume"}\n{"cmd":"status"}\n', 5);
    const parsed = replies.map((line) => JSON.parse(line) as { ok: boolean; error?: string });
    t.same(parsed.slice(0, 4).map((r) => r.ok), [false, false, false, false]);
    t.match(parsed[1]?.error, /unknown cmd "explode"/);
    t.equal(parsed[4]?.ok, true, 'the same connection still answers');
    const flood = await converse(daemon.statusSocket, 'x'.repeat(100_000), 1);
    t.ok(flood.reset === true || /longer than/.test(flood[0] ?? ''), 'an endless line is refused and the connection cut off');
    t.equal((await ctl(daemon.statusSocket, ['status'])).status, 0, 'the daemon is fine');
    t.equal(daemon.state(), 'MASTER');
  });

  t.test('only root and the operators’ group may connect', async (t) => {
    const cluster = await Cluster.create(1, 'ipfo-cp');
    t.teardown(() => cluster.destroy());
    // nogroup (65534) stands in for the operators' group; its member nobody may connect.
    const daemon = cluster.start(1, [webInstance()], { statusSocketGroup: 'nogroup' });
    await daemon.waitState('MASTER', 4000);
    await statusSocketReady(daemon.statusSocket);
    chmodSync(cluster.directory, 0o755); // the test's own folder; /run/ipfailoverd is 0755
    const member = await ctl(daemon.statusSocket, ['status'], { uid: 65534, gid: 65534 });
    t.equal(member.status, 0, 'a member of the group gets the status');
    const outsider = await ctl(daemon.statusSocket, ['status'], { uid: 65533, gid: 65533 });
    t.equal(outsider.status, 77);
    t.match(outsider.stderr, /permission denied/);
  });
}
