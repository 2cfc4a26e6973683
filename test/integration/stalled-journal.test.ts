/**
 * A stalled journal does not delay a takeover: the backup's stdout is a FIFO the test fills and
 * then stops reading, the backup is made to log (a reload), the master is killed, and the
 * backup must hold the address within Active_Down_Interval and keep advertising, while its
 * stdout is still full. Its log lines arrive once the FIFO is read again; stopped while the
 * FIFO is full, it still exits 0 in about a second.
 */

import t from 'tap';
import { spawn } from 'node:child_process';
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { activeDownIntervalMs } from '../../src/protocol/timers.js';
import { Capture, sourceMac } from './helpers/capture.js';
import { Cluster, DAEMON, webInstance } from './helpers/cluster.js';
import { requireRoot } from './helpers/root.js';
import { holders, waitFor } from './helpers/topology.js';

const VIP = '203.0.113.10';
/** Scheduling noise on a loaded 2-core CI machine, on top of the protocol's own time. */
const MARGIN_MS = 400;

/** The reading end of a FIFO, read every 20 ms while `reading`; the lines are kept. */
class FifoReader {
  readonly lines: Array<Record<string, unknown>> = [];
  reading = true;
  private buffer = '';
  private readonly chunk = Buffer.alloc(65536);
  private readonly timer = setInterval(() => this.reading && this.drain(), 20);

  constructor(private readonly fd: number) {}

  drain(): void {
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, this.chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return;
        throw error;
      }
      if (n === 0) return;
      this.buffer += this.chunk.toString('utf8', 0, n);
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // a line our filler cut in two: not the daemon's business
        }
      }
    }
  }

  /** The first line at or after index `from` with all the fields of `match`. */
  find(match: Record<string, unknown>, from = 0): Record<string, unknown> | undefined {
    return this.lines.slice(from).find((line) => Object.entries(match).every(([k, v]) => line[k] === v));
  }

  /** The state of the last transition line, as in the cluster helper. */
  state(): string | undefined {
    return this.lines.filter((line) => line.instance === 'web' && typeof line.to === 'string').at(-1)?.to as string | undefined;
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** Writes filler lines until the FIFO takes no more: whatever the daemon writes next waits. */
function fill(fd: number): number {
  const line = `${JSON.stringify({ filler: true, pad: 'x'.repeat(100) })}\n`;
  const block = line.repeat(Math.floor(4096 / line.length)); // at most PIPE_BUF: written whole or not at all
  let written = 0;
  for (;;) {
    try {
      written += writeSync(fd, block);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return written;
      throw error;
    }
  }
}

if (requireRoot(t)) {
  t.test('a backup whose stdout is full takes over within Active_Down_Interval and keeps advertising', async (t) => {
    const cluster = await Cluster.create(2, 'ipfo-sj');
    t.teardown(() => cluster.destroy());
    const fifo = join(cluster.directory, 'member-2.log');
    execFileSync('mkfifo', [fifo]);
    const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const daemonFd = openSync(fifo, constants.O_WRONLY); // blocking, as the journal's socket is handed over
    const fillFd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const reader = new FifoReader(readFd);
    t.teardown(() => {
      reader.close();
      for (const fd of [readFd, fillFd]) closeSync(fd);
    });

    const master = cluster.start(1, [webInstance({ priority: 150 })]);
    const { file } = cluster.writeConfig(2, [webInstance({ priority: 100 })]);
    const backup = spawn('ip', ['netns', 'exec', cluster.member(2).ns, process.execPath, DAEMON, '--config', file], { stdio: ['ignore', daemonFd, 'pipe'] });
    closeSync(daemonFd);
    let stderr = '';
    backup.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => backup.on('exit', (code) => resolve(code)));
    t.teardown(() => backup.kill('SIGKILL'));

    await master.waitState('MASTER', 8000);
    // Started together, member 2 may be master for a moment before member 1 preempts it.
    await waitFor('member 1 alone holds the address', async () => ((await holders(cluster.members, VIP)).join() === '1' ? true : undefined), 4000);
    await waitFor('member 2 is backup', async () => (reader.state() === 'BACKUP' ? true : undefined), 4000);

    // The journal stalls, and the backup has something to say meanwhile (an operator's reload).
    reader.reading = false;
    reader.drain();
    const stalledAt = reader.lines.length;
    t.ok(fill(fillFd) > 0, 'the FIFO is full');
    backup.kill('SIGHUP');
    await new Promise((resolve) => setTimeout(resolve, 300));

    const adverts = new Capture(cluster.topology.client.ns, 'ip proto 112');
    await adverts.ready();
    const killedAt = Date.now();
    master.kill('SIGKILL');
    await waitFor('member 2 holds the address', async () => ((await holders([cluster.member(2)], VIP)).length === 1 ? true : undefined), 5000, 10).catch(() => undefined);
    const elapsed = Date.now() - killedAt;
    const limit = activeDownIntervalMs(100, 10);
    t.ok(elapsed <= limit + MARGIN_MS, `member 2 held the address ${elapsed} ms after the kill, with its stdout full; Active_Down_Interval is ${limit} ms`);

    // Still stalled: the new master advertises every 100 ms.
    const from = adverts.raw.length;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const sent = adverts.raw.slice(from).filter((line) => sourceMac(line) === cluster.member(2).mac).length;
    t.ok(sent >= 5, `${sent} advertisements from member 2 in the second after the takeover, its stdout still full`);
    adverts.kill();

    // The journal recovers: the lines were kept, not lost.
    reader.reading = true;
    const took = await waitFor('the takeover line', async () => reader.find({ instance: 'web', to: 'MASTER' }, stalledAt), 3000).catch(() => undefined);
    t.equal(took?.reason, 'active-down', 'the transition line arrives once stdout is read again');
    const reloaded = await waitFor('the reload line', async () => reader.find({ msg: 'configuration reloaded' }, stalledAt), 3000).catch(() => undefined);
    t.ok(reloaded, 'so does the reload written during the stall');

    // Stalled again, a stop still ends the process in about a second.
    reader.reading = false;
    reader.drain();
    fill(fillFd);
    const stoppedAt = Date.now();
    backup.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 3000))]);
    t.equal(code, 0, `SIGTERM with stdout full: exit status ${String(code)} after ${Date.now() - stoppedAt} ms${stderr === '' ? '' : `; stderr: ${stderr}`}`);
    t.ok(Date.now() - stoppedAt < 1000 + MARGIN_MS, 'within a second and the margin');
  });
}
