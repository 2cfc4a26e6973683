import t from 'tap';
import { MAX_REQUEST_BYTES, parseRequest } from '../../src/control/protocol.js';
import { groupId, passedListenFd } from '../../src/control/status-server.js';
import { formatStatusTable } from '../../src/cli/status-table.js';

t.test('requests: the five commands, and a clear error for anything else', async (t) => {
  t.same(parseRequest('{"cmd":"status"}'), { ok: true, request: { cmd: 'status' } });
  t.same(parseRequest('{"cmd":"watch","extra":1}'), { ok: true, request: { cmd: 'watch' } });
  t.same(parseRequest('{"cmd":"step-down","instance":"web"}'), { ok: true, request: { cmd: 'step-down', instance: 'web' } });
  t.same(parseRequest('{"cmd":"resume","instance":"db"}'), { ok: true, request: { cmd: 'resume', instance: 'db' } });
  const bad: Array<[string, RegExp]> = [
    ['status', /not JSON/],
    ['[1,2]', /JSON object/],
    ['null', /JSON object/],
    ['{"cmd":"shutdown"}', /unknown cmd "shutdown"/],
    ['{"cmd":42}', /unknown cmd 42/],
    ['{"cmd":"step-down"}', /needs "instance"/],
    ['{"cmd":"resume","instance":""}', /needs "instance"/],
  ];
  for (const [line, error] of bad) {
    const result = parseRequest(line);
    t.equal(result.ok, false, line);
    if (!result.ok) t.match(result.error, error, line);
  }
  t.ok(MAX_REQUEST_BYTES >= 1024);
});

t.test('socket activation: fd 3 only when LISTEN_PID is ours', async (t) => {
  t.equal(passedListenFd({ LISTEN_PID: '42', LISTEN_FDS: '1' }, 42), 3);
  t.equal(passedListenFd({ LISTEN_PID: '41', LISTEN_FDS: '1' }, 42), undefined);
  t.equal(passedListenFd({ LISTEN_PID: '42', LISTEN_FDS: '0' }, 42), undefined);
  t.equal(passedListenFd({}, 42), undefined);
});

t.test('group ids come from the group file', async (t) => {
  const dir = t.testdir({ group: 'root:x:0:\nipfailoverd:x:998:alice,bob\nbroken:x:zz:\n' });
  t.equal(groupId('ipfailoverd', `${dir}/group`), 998);
  t.equal(groupId('root', `${dir}/group`), 0);
  t.equal(groupId('broken', `${dir}/group`), undefined);
  t.equal(groupId('absent', `${dir}/group`), undefined);
  t.equal(groupId('root', `${dir}/no-such-file`), undefined);
});

t.test('the status table: one row per instance, mismatches and step-downs spelled out, then counters', async (t) => {
  const instance = (overrides: Record<string, unknown>) => ({
    name: 'web',
    interface: 'eth0',
    vrid: 51,
    state: 'MASTER',
    priority: { configured: 150, effective: 150 },
    masterAddress: '192.0.2.1',
    since: '2026-11-22T10:00:00.123Z',
    reason: 'no-active-seen',
    role: { expected: 'master', matches: true },
    steppedDown: false,
    counters: { advertsSent: 10, advertsReceived: 2, transitions: 2, announcements: 5, rejected: { 'bad-ttl': 3 } },
    ...overrides,
  });
  const text = formatStatusTable([
    instance({}),
    instance({ name: 'db', vrid: 52, state: 'BACKUP', steppedDown: true, priority: { configured: 100, effective: 80 }, role: { expected: 'master', matches: false } }),
  ]);
  const lines = text.split('\n');
  t.match(lines[0], /^INSTANCE\s+IFACE\s+VRID\s+STATE\s+PRIO\s+MASTER\s+SINCE\s+REASON\s+ROLE$/);
  t.match(lines[1], /^web\s+eth0\s+51\s+MASTER\s+150\s+192\.0\.2\.1\s+2026-11-22 10:00:00Z\s+no-active-seen\s+ok$/);
  t.match(lines[2], /BACKUP \(stepped down\)\s+80 \(100\).*MISMATCH \(group expects master\)$/);
  t.match(text, /web: sent 10, received 2, transitions 2, announcements 5, dropped bad-ttl=3/);
  const waiting = formatStatusTable([instance({ state: 'BACKUP', waitingForGroupMaster: { address: '192.0.2.9', remainingMs: 6250 } })]);
  t.match(waiting.split('\n')[1], /BACKUP \(waits 6\.3 s for 192\.0\.2\.9\)/, 'a member waiting for the configured master');
});

t.test('status table: a sync group member says its group, and a Backup waiting for it says so', async (t) => {
  const row = (overrides: Record<string, unknown>) => ({
    name: 'web4', interface: 'eth0', vrid: 51, state: 'BACKUP', priority: { configured: 100, effective: 100 }, masterAddress: null,
    since: '2026-11-22T10:00:00.000Z', reason: 'startup', role: { expected: 'backup', matches: true }, steppedDown: false,
    counters: { advertsSent: 0, advertsReceived: 0, transitions: 1, announcements: 0, rejected: {} }, syncGroup: 'svc', waitingForSyncGroup: false,
    ...overrides,
  });
  const text = formatStatusTable([row({ waitingForSyncGroup: true }), row({ name: 'db', syncGroup: null })]);
  const lines = text.split('\n');
  t.match(lines[1], /^web4\s.*BACKUP \(waits for sync group svc\)/);
  t.notMatch(lines[2], /sync group/);
  t.match(text, /^web4, sync group svc: sent 0/m);
  t.match(text, /^db: sent 0/m, 'no group, nothing said');
});
