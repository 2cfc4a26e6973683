/**
 * A flood on the status socket neither stalls the daemon nor grows its memory: clients pipeline
 * `status` requests without reading a reply, and reconnect when they are cut off, while the
 * master is killed. The flooded backup must take over within Active_Down_Interval, its memory
 * must stay within what the per-connection bounds allow, every flooder must be cut off, and an
 * operator's `ipfailoverctl status` must still be answered.
 */

import t from 'tap';
import { readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { MAX_BACKLOG_BYTES } from '../../src/control/status-server.js';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';
import { Cluster, webInstance } from './helpers/cluster.js';
import { ctl, statusSocketReady } from './helpers/ctl.js';
import { requireRoot } from './helpers/root.js';
import { holders, waitFor } from './helpers/topology.js';

const VIP = '203.0.113.10';
/** Scheduling noise on a loaded 2-core CI machine, on top of the protocol's own time. */
const MARGIN_MS = 400;
const FLOODERS = 16;
/**
 * What the daemon may grow by: per flooder its reply backlog, counted four times over (Node's
 * bookkeeping per write, and backlogs of cut-off connections that wait in V8's old space for a
 * full collection), plus 128 MiB for V8's heap growing under the allocation rate of the flood.
 * Measured: about 50 MiB after a second of flood, at most 160 MiB over 25 s (it goes up and
 * down with collections, it does not climb); without the bounds it grows without end.
 */
const MEMORY_BOUND_BYTES = FLOODERS * MAX_BACKLOG_BYTES * 4 + 128 * 1024 * 1024;

/** ipfailoverctl, failing after `ms` instead of waiting for a daemon that does not answer. */
async function ctlWithin(socket: string, args: readonly string[], ms: number): Promise<{ status: number | null | 'timeout'; stdout: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ status: 'timeout'; stdout: string }>((resolve) => (timer = setTimeout(() => resolve({ status: 'timeout', stdout: '' }), ms)));
  const result = await Promise.race([ctl(socket, args), timeout]);
  clearTimeout(timer);
  return result;
}

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) * 1024;
}

/** Connections that send `status` requests as fast as the daemon takes them and read nothing. */
class Flood {
  cutOffs = 0;
  private running = true;
  private readonly sockets = new Set<Socket>();
  private readonly batch = '{"cmd":"status"}\n'.repeat(4096);

  constructor(
    private readonly path: string,
    count: number,
  ) {
    for (let i = 0; i < count; i++) this.open();
  }

  private open(): void {
    const socket = createConnection(this.path);
    this.sockets.add(socket);
    socket.pause(); // never reads a reply
    socket.on('error', () => undefined);
    const pump = (): void => {
      while (this.running && !socket.destroyed && socket.write(this.batch));
    };
    socket.on('connect', pump);
    socket.on('drain', pump);
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (!this.running) return;
      this.cutOffs++;
      setTimeout(() => this.open(), 10);
    });
  }

  stop(): void {
    this.running = false;
    for (const socket of this.sockets) socket.destroy();
  }
}

if (requireRoot(t)) {
  t.test('a flooded status socket: takeover within Active_Down_Interval, bounded memory, flooders cut off', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-sf');
    t.teardown(() => cluster.destroy());
    const master = cluster.start(1, [webInstance({ priority: 150 })]);
    const backup = cluster.start(2, [webInstance({ priority: 100 })]);
    await master.waitState('MASTER', 8000);
    await backup.waitState('BACKUP', 4000);
    await statusSocketReady(backup.statusSocket);
    const pid = backup.child.pid as number;
    const baseline = rssBytes(pid);

    const flood = new Flood(backup.statusSocket, FLOODERS);
    t.teardown(() => flood.stop());
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 50);
    t.teardown(() => clearInterval(sampler));
    const mark = backup.lines.length;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    t.equal(backup.lines.slice(mark).filter((line) => line.instance === 'web' && line.to !== undefined).length, 0, 'flooded for a second, the backup missed no advertisement: still backup');
    t.same(await holders(cluster.members, VIP), [1], 'and member 1 alone holds the address');

    const killedAt = Date.now();
    master.kill('SIGKILL');
    await waitFor('member 2 holds the address', async () => ((await holders([cluster.member(2)], VIP)).length === 1 ? true : undefined), 5000, 10).catch(() => undefined);
    const elapsed = Date.now() - killedAt;
    const limit = activeDownIntervalMs(100, 10);
    t.ok(elapsed <= limit + MARGIN_MS, `member 2 held the address ${elapsed} ms after the kill, its status socket flooded; Active_Down_Interval is ${limit} ms`);
    const took = await backup.waitState('MASTER', 2000, { from: mark }).catch(() => undefined);
    t.equal(took?.reason, 'active-down');

    const operator = await ctlWithin(backup.statusSocket, ['status'], 5000);
    t.equal(operator.status, 0, 'an operator is still answered during the flood');
    t.match(operator.stdout, /^web\s+eth0\s+51\s+MASTER/m);
    await new Promise((resolve) => setTimeout(resolve, 500));
    flood.stop();
    clearInterval(sampler);

    t.ok(flood.cutOffs >= FLOODERS, `flooders cut off ${flood.cutOffs} times (${FLOODERS} connections at a time)`);
    const grown = peak - baseline;
    t.ok(grown < MEMORY_BOUND_BYTES, `resident memory grew by ${(grown / 2 ** 20).toFixed(1)} MiB at most (bound ${(MEMORY_BOUND_BYTES / 2 ** 20).toFixed(0)} MiB)`);
    t.equal((await ctlWithin(backup.statusSocket, ['status'], 5000)).status, 0, 'and after it');
  });
}
