/** The sd_notify protocol as systemd would see it, on a real notify socket. */

import t from 'tap';
import { join } from 'node:path';
import { Cluster, webInstance } from './helpers/cluster.js';
import { requireRoot } from './helpers/root.js';
import { NsProcess, waitFor } from './helpers/topology.js';

/** systemd's side: a datagram socket printing each message with its arrival time. */
const RECEIVER = `
import socket, sys, time, json
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps({"ready": True}), flush=True)
while True:
    data = s.recv(4096).decode()
    print(json.dumps({"t": time.monotonic(), "message": data}), flush=True)
`;

if (requireRoot(t)) {
  t.test('READY, STATUS, WATCHDOG, RELOADING/READY, STOPPING; a stalled loop stops the pings', async (t) => {
    const cluster = await Cluster.create(1, 'ipfo-sd');
    t.teardown(() => cluster.destroy());
    const path = join(cluster.directory, 'notify.sock');
    const systemd = new NsProcess(cluster.member(1).ns, ['python3', '-c', RECEIVER, path]);
    await systemd.waitLine({ ready: true }, 3000);
    const messages = () => systemd.lines.filter((l) => typeof l.message === 'string') as Array<{ t: number; message: string }>;
    const daemon = cluster.start(1, [webInstance()], {}, { NOTIFY_SOCKET: path, WATCHDOG_USEC: '400000' });

    const readyAt = () => {
      const index = messages().findIndex((m) => m.message === 'READY=1');
      return index >= 0 ? index : undefined;
    };
    const ready = await waitFor('READY=1 on a datagram of its own', async () => readyAt(), 5000);
    await waitFor('STATUS after READY', async () => messages().slice(ready + 1).find((m) => /^STATUS=web: (BACKUP|INIT|MASTER)$/.test(m.message)), 2000);
    await daemon.waitState('MASTER', 4000);
    await waitFor('STATUS follows', async () => messages().find((m) => m.message === 'STATUS=web: MASTER'), 2000);

    await new Promise((resolve) => setTimeout(resolve, 1000));
    const pings = messages().filter((m) => m.message === 'WATCHDOG=1');
    t.ok(pings.length >= 4, `${pings.length} watchdog pings in about a second (every 200 ms)`);

    // Stall the event loop (SIGSTOP): no pings while it is stopped, so systemd would restart it.
    daemon.child.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = messages().filter((m) => m.message === 'WATCHDOG=1').length;
    await new Promise((resolve) => setTimeout(resolve, 600));
    t.equal(messages().filter((m) => m.message === 'WATCHDOG=1').length, before, 'no ping from a stalled daemon');
    daemon.child.kill('SIGCONT');

    const mark = messages().length;
    daemon.kill('SIGHUP');
    await waitFor('READY and STATUS after reload', async () => messages().slice(mark).find((m) => m.message === 'STATUS=web: MASTER'), 3000);
    const reload = messages().slice(mark).filter((m) => !m.message.startsWith('WATCHDOG'));
    t.match(reload[0]?.message, /^RELOADING=1\nMONOTONIC_USEC=\d+$/);
    t.equal(reload[1]?.message, 'READY=1');
    t.equal(reload[2]?.message, 'STATUS=web: MASTER');

    const stopMark = messages().length;
    t.equal(await daemon.stop(), 0);
    t.ok(messages().slice(stopMark).some((m) => m.message === 'STOPPING=1'), 'STOPPING=1');
    systemd.kill('SIGKILL');
  });

  t.test('STATUS= is coalesced: 40 instances taking over together send a handful of lines, not 40', async (t) => {
    const cluster = await Cluster.create(1, 'ipfo-sdc');
    t.teardown(() => cluster.destroy());
    const path = join(cluster.directory, 'notify.sock');
    const systemd = new NsProcess(cluster.member(1).ns, ['python3', '-c', RECEIVER, path]);
    t.teardown(() => systemd.kill('SIGKILL'));
    await systemd.waitLine({ ready: true }, 3000);
    const statuses = () => systemd.lines.filter((l) => typeof l.message === 'string' && l.message.startsWith('STATUS=')).map((l) => l.message as string);
    const instances = Array.from({ length: 40 }, (_, i) => webInstance({ name: `i${i + 1}`, vrid: i + 1, virtualAddresses: [`198.51.100.${i + 1}/32`] }));
    const daemon = cluster.start(1, instances, { log: { level: 'info' } }, { NOTIFY_SOCKET: path });
    const allMaster = instances.map((i) => `${String(i.name)}: MASTER`).join(', ');
    // Alone on the link, all 40 reach Active_Down_Interval within a millisecond or so.
    await waitFor('STATUS with every instance MASTER', async () => statuses().find((m) => m === `STATUS=${allMaster}`), 8000);
    // One line per 50 ms at most: before, every transition built and sent a line of its own (40).
    t.ok(statuses().length <= 6, `${statuses().length} STATUS= lines from start to all-MASTER`, { statuses: statuses().map((m) => m.slice(0, 60)) });
    t.equal(await daemon.stop(), 0);
  });
}
