import t from 'tap';
import { Writable } from 'node:stream';
import { createLogger, withSyslogPrefix } from '../../src/runtime/logger.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { fitBytes, STATUS_MAX_BYTES, statusLine, SystemdNotifier } from '../../src/runtime/systemd-notify.js';
import { memoryLogger } from '../helpers/fake-ports.js';
import { FakeTime } from '../helpers/fake-time.js';

/**
 * What native/vrrp_io.c's notify() accepts: it copies the message into a 4096-byte buffer and
 * throws a RangeError for 4095 bytes or more, so such a datagram is never sent.
 */
const NATIVE_MESSAGE_LIMIT = 4095;

function notifier(env: NodeJS.ProcessEnv, pid = 100) {
  const sent: Array<[string, string]> = [];
  const { log, lines } = memoryLogger();
  const send = (socket: string, message: string): void => {
    if (Buffer.byteLength(message) >= NATIVE_MESSAGE_LIMIT) throw new RangeError('notify socket path or message too long');
    sent.push([socket, message]);
  };
  const n = new SystemdNotifier(send, log, env, pid);
  return { n, sent, lines };
}

t.test('outside systemd nothing is sent', async (t) => {
  const { n, sent } = notifier({});
  n.ready('web: MASTER');
  n.stopping();
  t.equal(n.enabled, false);
  t.same(sent, []);
});

t.test('READY alone then STATUS, STATUS only when it changes, RELOADING with MONOTONIC_USEC, READY again, STOPPING', async (t) => {
  const { n, sent } = notifier({ NOTIFY_SOCKET: '@/org/test' });
  n.ready('web: BACKUP');
  n.status('web: BACKUP');
  n.status('web: MASTER');
  n.reloading();
  n.ready('web: MASTER');
  n.stopping();
  t.same(sent.map(([socket]) => socket), Array(7).fill('@/org/test'));
  t.equal(sent[0]?.[1], 'READY=1', 'READY=1 on a datagram of its own');
  t.equal(sent[1]?.[1], 'STATUS=web: BACKUP');
  t.equal(sent[2]?.[1], 'STATUS=web: MASTER', 'an unchanged status is not repeated');
  t.match(sent[3]?.[1], /^RELOADING=1\nMONOTONIC_USEC=\d+$/);
  t.equal(sent[4]?.[1], 'READY=1', 'after a reload');
  t.equal(sent[5]?.[1], 'STATUS=web: MASTER', 'and the status with it, even if unchanged');
  t.equal(sent[6]?.[1], 'STOPPING=1');
});

t.test('100 instances with the longest names: READY=1 arrives and STATUS= fits one datagram', async (t) => {
  const { n, sent, lines } = notifier({ NOTIFY_SOCKET: '/run/systemd/notify' });
  // 32 characters, the longest name the configuration accepts.
  const instances = Array.from({ length: 100 }, (_, i) => ({ name: `customer-frontend-vip-group-${String(i).padStart(4, '0')}`, state: 'BACKUP' }));
  n.ready(statusLine(instances));
  t.same(lines.filter((l) => l.msg === 'cannot notify systemd'), [], 'no datagram refused');
  t.ok(sent.some(([, m]) => m === 'READY=1'), 'READY=1 was sent');
  const status = sent.find(([, m]) => m.startsWith('STATUS='))?.[1] ?? '';
  t.ok(Buffer.byteLength(status) <= 'STATUS='.length + STATUS_MAX_BYTES, `STATUS= is ${Buffer.byteLength(status)} bytes`);
  t.match(status, /^STATUS=customer-frontend-vip-group-0000: BACKUP, customer-frontend-vip-group-0001: BACKUP, /);
  const hidden = Number(/, … \(\+(\d+) more\)$/.exec(status)?.[1]);
  const shown = status.slice('STATUS='.length).split(', ').filter((part) => part.startsWith('customer-')).length;
  t.equal(shown + hidden, 100, `${shown} shown and ${hidden} counted`);
});

t.test('a STATUS= text from elsewhere is cut to the bound too', async (t) => {
  const { n, sent } = notifier({ NOTIFY_SOCKET: '/run/systemd/notify' });
  n.status('é'.repeat(3000));
  const status = sent[0]?.[1] ?? '';
  t.ok(Buffer.byteLength(status) <= 'STATUS='.length + STATUS_MAX_BYTES);
  t.match(status, /^STATUS=é+…$/, 'cut at a character boundary, with an ellipsis');
});

t.test('the watchdog pings at half of WATCHDOG_USEC, on the scheduler, and only for our PID', async (t) => {
  const time = new FakeTime();
  const scheduler = new Scheduler(time, time);
  const { n, sent } = notifier({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '2000000', WATCHDOG_PID: '100' });
  n.startWatchdog(scheduler);
  time.advanceTo(3500);
  t.equal(sent.filter(([, m]) => m === 'WATCHDOG=1').length, 4, 'at 0, 1000, 2000, 3000 ms');
  n.stopWatchdog(scheduler);
  time.advanceTo(9000);
  t.equal(sent.filter(([, m]) => m === 'WATCHDOG=1').length, 4, 'stopped');
  const other = notifier({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '2000000', WATCHDOG_PID: '999' });
  other.n.startWatchdog(scheduler);
  time.advanceTo(12000);
  t.same(other.sent, [], 'the watchdog is for another process');
});

t.test('a failing notify socket is reported once and never throws', async (t) => {
  const { log, lines } = memoryLogger();
  const n = new SystemdNotifier(() => {
    throw new Error('ECONNREFUSED');
  }, log, { NOTIFY_SOCKET: '/nowhere' });
  n.ready('x');
  n.status('y');
  t.equal(lines.filter((l) => l.msg === 'cannot notify systemd').length, 1);
});

t.test('STATUS summary line, and the count of what does not fit', async (t) => {
  const two = [{ name: 'web', state: 'MASTER' }, { name: 'db', state: 'BACKUP' }];
  t.equal(statusLine(two), 'web: MASTER, db: BACKUP');
  t.equal(statusLine(two, 'web: MASTER, db: BACKUP'.length), 'web: MASTER, db: BACKUP', 'exactly at the bound');
  const long = [{ name: 'frontend', state: 'MASTER' }, { name: 'database', state: 'BACKUP' }];
  t.equal(statusLine(long, 33), 'frontend: MASTER, … (+1 more)', 'one byte short of the whole list');
  t.equal(statusLine(long, 20), '… (+2 more)');
  t.equal(fitBytes('abcdef', 6), 'abcdef');
  t.equal(fitBytes('abcdef', 5), 'ab…', 'the ellipsis is 3 bytes');
});

t.test('journal lines carry their syslog priority so that journalctl -p works', async (t) => {
  t.equal(withSyslogPrefix('{"level":"warn","msg":"x"}\n'), '<4>{"level":"warn","msg":"x"}\n');
  t.equal(withSyslogPrefix('{"level":"error"}'), '<3>{"level":"error"}');
  t.equal(withSyslogPrefix('{"level":"info"}'), '<6>{"level":"info"}');
  t.equal(withSyslogPrefix('{"level":"debug"}'), '<7>{"level":"debug"}');
  t.equal(withSyslogPrefix('{"level":"fatal"}'), '<2>{"level":"fatal"}');
  t.equal(withSyslogPrefix('no level'), 'no level');
  const written: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _e, done) => (written.push(chunk.toString()), done()) });
  const journal = createLogger('info', sink as never, true);
  journal.warn({ instance: 'web', state: 'MASTER' }, 'hello');
  t.match(written[0], /^<4>\{"level":"warn".*"instance":"web","state":"MASTER"/);
  const plain = createLogger('info', sink as never, false);
  plain.warn('plain');
  t.match(written[1], /^\{"level":"warn"/, 'no prefix outside the journal');
});
