// Who may do what on the status socket: the command table and the decision, as data.
import t from 'tap';
import { authorize, commandKind, isRefusal, type Peer } from '../../src/control/access.js';

const peer = (uid: number, gid: number, groups: number[] = []): Peer => ({ known: true, credentials: { pid: 100, uid, gid, groups } });
const admins = { name: 'ops-admin', gid: 990 };

t.test('status and watch read; step-down, resume, reload and anything unlisted act', async (t) => {
  t.equal(commandKind('status'), 'read');
  t.equal(commandKind('watch'), 'read');
  t.equal(commandKind('peers'), 'read', 'the peer table is read like status');
  for (const cmd of ['step-down', 'resume', 'reload', 'shutdown', 'constructor', '__proto__', '']) t.equal(commandKind(cmd), 'act', cmd);
});

t.test('reading is allowed to whoever connected, even unknown', async (t) => {
  t.same(authorize('status', { known: false, why: 'no descriptor' }, admins), { allowed: true });
  t.same(authorize('watch', peer(1000, 1000), { name: 'ops-admin', gid: undefined }), { allowed: true });
});

t.test('acting: root, or the admin group as primary or supplementary group', async (t) => {
  t.same(authorize('step-down', peer(0, 0), admins), { allowed: true });
  t.same(authorize('step-down', peer(0, 0), { name: 'ops-admin', gid: undefined }), { allowed: true }, 'root without the group');
  t.same(authorize('reload', peer(1000, 990), admins), { allowed: true });
  t.same(authorize('resume', peer(1000, 1000, [4, 990]), admins), { allowed: true });
});

t.test('refusals: a reason code and a message that says what is needed and who you are', async (t) => {
  t.same(authorize('step-down', peer(1000, 1000, [1000, 27]), admins), {
    allowed: false,
    reason: 'not-admin',
    error: 'step-down needs root or membership of group ops-admin; you are uid 1000 (groups 1000, 27)',
  });
  t.match(authorize('reload', peer(1000, 1000), { name: 'ops-admin', gid: undefined }), { allowed: false, reason: 'no-admin-group' });
  t.match(authorize('resume', { known: false, why: 'ENOTSOCK' }, admins), { allowed: false, reason: 'credentials-unknown' });
  t.match(authorize('peers-typo', peer(1000, 990), { name: 'ops-admin', gid: 990 }), { allowed: true }, 'an unlisted command is an act: admins only');
  t.match(authorize('peers-typo', peer(1000, 1000), admins), { allowed: false }, 'and refused to others');
  t.ok(isRefusal({ ok: false, reason: 'not-admin' }));
  t.notOk(isRefusal({ ok: false, error: 'no instance named x' }));
});
