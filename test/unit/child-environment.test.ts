// Health scripts and notify hooks must not see the variables systemd meant for the daemon alone:
// with NOTIFY_SOCKET a script could send READY=1 or STOPPING=1 in the daemon's name (and with
// WATCHDOG_* pet its watchdog); with LISTEN_* it could take the status socket for its own.
import t, { type Test } from 'tap';
import { DAEMON_ONLY_ENVIRONMENT, runProcess } from '../../src/runtime/child-process.js';

const SYSTEMD = {
  NOTIFY_SOCKET: '/run/systemd/notify',
  WATCHDOG_USEC: '10000000',
  WATCHDOG_PID: String(process.pid),
  LISTEN_FDS: '1',
  LISTEN_PID: String(process.pid),
  LISTEN_FDNAMES: 'ipfailoverd.socket',
  JOURNAL_STREAM: '8:12345',
  INVOCATION_ID: '0123456789abcdef0123456789abcdef',
};

/** The names of the variables /usr/bin/env sees, with their values. */
async function childEnv(t: Test, env?: NodeJS.ProcessEnv): Promise<Map<string, string>> {
  const lines: string[] = [];
  const outcome = await runProcess(['/usr/bin/env'], { timeoutMs: 5000, onLine: (_stream, line) => lines.push(line), ...(env ? { env } : {}) });
  t.same(outcome, { kind: 'exit', code: 0 });
  return new Map(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

t.test('the daemon-only variables are removed from a given environment', async (t) => {
  const seen = await childEnv(t, { PATH: '/usr/bin:/bin', IPFAILOVERD_STATE: 'MASTER', ...SYSTEMD });
  for (const name of ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES', 'JOURNAL_STREAM']) {
    t.notOk(seen.has(name), `${name} is not passed on`);
  }
  t.equal(seen.get('IPFAILOVERD_STATE'), 'MASTER', 'the rest is passed on');
  t.equal(seen.get('INVOCATION_ID'), SYSTEMD.INVOCATION_ID, 'INVOCATION_ID stays: it names the unit run, useful in logs');
  t.equal(seen.get('PATH'), '/usr/bin:/bin');
  t.same([...DAEMON_ONLY_ENVIRONMENT].sort(), ['JOURNAL_STREAM', 'LISTEN_FDNAMES', 'LISTEN_FDS', 'LISTEN_PID', 'NOTIFY_SOCKET', 'WATCHDOG_PID', 'WATCHDOG_USEC']);
});

t.test("and from the daemon's own environment, the default; which itself is left alone", async (t) => {
  const saved = { NOTIFY_SOCKET: process.env.NOTIFY_SOCKET, LISTEN_PID: process.env.LISTEN_PID };
  process.env.NOTIFY_SOCKET = SYSTEMD.NOTIFY_SOCKET;
  process.env.LISTEN_PID = SYSTEMD.LISTEN_PID;
  t.teardown(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  const seen = await childEnv(t);
  t.notOk(seen.has('NOTIFY_SOCKET'));
  t.notOk(seen.has('LISTEN_PID'));
  t.ok(seen.has('PATH'));
  t.equal(process.env.NOTIFY_SOCKET, SYSTEMD.NOTIFY_SOCKET, 'the daemon still has it');
});
