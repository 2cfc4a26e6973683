/**
 * Status accounts for every datagram received (issue 8): what each receive socket read, what the
 * kernel dropped, and what no instance could be named for, in the status reply and the table.
 * Datagrams come through the fake transport the daemon opened.
 */

import t from 'tap';
import { validateConfig } from '../../src/config/load.js';
import { encode } from '../../src/protocol/advertisement.js';
import { formatStatusTable } from '../../src/cli/status-table.js';
import { controlHandler } from '../../src/runtime/control-handler.js';
import { Daemon, type DaemonPorts } from '../../src/runtime/daemon.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { ip } from '../helpers/addresses.js';
import { FakeAddresses, FakeFrames, FakeTransport, LINK, memoryLogger, Recorder } from '../helpers/fake-ports.js';
import { FakeTime } from '../helpers/fake-time.js';

t.test('unattributed drops, handler errors and kernel drops of each socket appear in status and in ipfailoverctl status', async (t) => {
  const result = validateConfig({ instances: [{ name: 'web', interface: 'eth0', vrid: 51, advertIntervalMs: 100, virtualAddresses: ['203.0.113.10/32'] }] });
  if (!result.ok) throw new Error('bad test config');
  const time = new FakeTime();
  const recorder = new Recorder();
  const addresses = new FakeAddresses(recorder, LINK);
  addresses.present.push({ ifindex: LINK.ifindex, family: 4, address: ip('192.0.2.1'), prefixLength: 24, scope: 'global', secondary: false, tentative: false });
  const opened: FakeTransport[] = [];
  const ports: DaemonPorts = {
    addresses,
    scheduler: new Scheduler(time, time),
    log: memoryLogger().log,
    openTransport: () => {
      const transport = new FakeTransport(recorder);
      opened.push(transport);
      return transport;
    },
    openFrameSender: () => new FakeFrames(recorder),
    prepareInterface: () => undefined,
  };
  const daemon = await Daemon.start(result.config, ports);
  t.teardown(() => daemon.stop());
  const transport = opened[0]!;
  const from = { family: 4 as const, ifindex: LINK.ifindex, src: ip('198.51.100.7'), dst: ip('224.0.0.18'), ttl: 255 };
  const stranger = encode({ vrid: 99, priority: 100, maxAdvertIntervalCs: 10, addresses: [ip('203.0.113.99')] }, { family: 4, src: from.src, dst: from.dst, variant: 'rfc9568' });
  for (let i = 0; i < 3; i++) transport.deliver({ ...from, message: stranger });
  transport.deliver({ ...from, ttl: 1, message: new Uint8Array(1) });
  transport.kernelDrops = 5;

  const handler = controlHandler(() => daemon, { version: 'test', configFile: '/dev/null', startedAt: 'now' }, async () => ({}));
  const reply = (await handler.handle({ cmd: 'status' })) as { instances: Array<Record<string, unknown>>; sockets: Array<Record<string, unknown>> };
  t.match(reply.sockets, [{ socket: /^eth0\/4/, deaf: false, received: 4, unattributed: { 'unknown-vrid': 3, 'bad-ttl': 1 }, handlerErrors: 0, kernelDrops: 5 }]);
  t.same(JSON.parse(JSON.stringify(reply.sockets)), reply.sockets, 'plain JSON');
  const table = formatStatusTable(reply.instances, reply.sockets);
  t.match(table, /^socket eth0\/4\S*: received 4, kernel drops 5, handler errors 0, unattributed unknown-vrid=3 bad-ttl=1$/m);
});
