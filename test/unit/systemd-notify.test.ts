import t from 'tap';
import { Writable } from 'node:stream';
import { createLogger, withSyslogPrefix } from '../../src/runtime/logger.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { statusLine, SystemdNotifier } from '../../src/runtime/systemd-notify.js';
import { memoryLogger } from '../helpers/fake-ports.js';
import { FakeTime } from '../helpers/fake-time.js';

function notifier(env: NodeJS.ProcessEnv, pid = 100) {
  const sent: Array<[string, string]> = [];
  const { log, lines } = memoryLogger();
  const n = new SystemdNotifier((socket, message) => void sent.push([socket, message]), log, env, pid);
  return { n, sent, lines };
}

t.test('outside systemd nothing is sent', async (t) => {
  const { n, sent } = notifier({});
  n.ready('web: MASTER');
  n.stopping();
  t.equal(n.enabled, false);
  t.same(sent, []);
});

t.test('READY with STATUS, STATUS only when it changes, RELOADING with MONOTONIC_USEC, STOPPING', async (t) => {
  const { n, sent } = notifier({ NOTIFY_SOCKET: '@/org/test' });
  n.ready('web: BACKUP');
  n.status('web: BACKUP');
  n.status('web: MASTER');
  n.reloading();
  n.stopping();
  t.same(sent.map(([socket]) => socket), ['@/org/test', '@/org/test', '@/org/test', '@/org/test']);
  t.equal(sent[0]?.[1], 'READY=1\nSTATUS=web: BACKUP');
  t.equal(sent[1]?.[1], 'STATUS=web: MASTER', 'an unchanged status is not repeated');
  t.match(sent[2]?.[1], /^RELOADING=1\nMONOTONIC_USEC=\d+$/);
  t.equal(sent[3]?.[1], 'STOPPING=1');
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

t.test('STATUS summary line', async (t) => {
  t.equal(statusLine([{ name: 'web', state: 'MASTER' }, { name: 'db', state: 'BACKUP' }]), 'web: MASTER, db: BACKUP');
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
