// scriptUser and a check's or hook's "user": a local user that must exist (an error naming the
// field otherwise), resolved once into the identity each check and hook runs as.
import t from 'tap';
import { validateConfig } from '../../src/config/load.js';
import { localUser, type LookupUser } from '../../src/config/script-users.js';
import type { ScriptIdentity } from '../../src/config/types.js';
import { configWith, instance } from '../helpers/config-documents.js';

const USERS: Record<string, ScriptIdentity> = {
  checks: { user: 'checks', uid: 998, gid: 997 },
  hooks: { user: 'hooks', uid: 996, gid: 995 },
};
const lookup: LookupUser = (name) => USERS[name];

const withPrograms = (scriptUser?: string, own: { script?: string; hook?: string } = {}) => ({
  ...(scriptUser === undefined ? {} : { scriptUser }),
  ...configWith(instance({
    track: { scripts: [{ name: 'web', command: ['/usr/local/bin/check'], ...(own.script === undefined ? {} : { user: own.script }) }] },
    notify: [{ command: ['/usr/local/bin/hook'], ...(own.hook === undefined ? {} : { user: own.hook }) }],
  })),
});

t.test('scriptUser: every check and hook runs as it; a check or hook may name its own user', async (t) => {
  const all = validateConfig(withPrograms('checks'), lookup);
  if (!all.ok) throw new Error(JSON.stringify(all.errors));
  const [web] = all.config.instances;
  t.strictSame(web?.track.scripts[0]?.runAs, USERS['checks']);
  t.strictSame(web?.notify[0]?.runAs, USERS['checks']);
  const own = validateConfig(withPrograms('checks', { hook: 'hooks' }), lookup);
  if (!own.ok) throw new Error(JSON.stringify(own.errors));
  t.strictSame(own.config.instances[0]?.notify[0]?.runAs, USERS['hooks'], 'the hook\'s own user wins');
  t.strictSame(own.config.instances[0]?.track.scripts[0]?.runAs, USERS['checks']);
  const none = validateConfig(withPrograms(), lookup);
  if (!none.ok) throw new Error(JSON.stringify(none.errors));
  t.equal(none.config.instances[0]?.track.scripts[0]?.runAs, undefined, 'no scriptUser: the daemon\'s user');
});

t.test('an unknown user is an error at the field that names it', async (t) => {
  const top = validateConfig(withPrograms('nosuchuser'), lookup);
  t.match(top, { ok: false, errors: [{ path: '/scriptUser', code: 'unknown-user', message: /no user "nosuchuser"/ }] });
  t.equal(top.ok ? 0 : top.errors.length, 1, 'reported once, not once per check and hook');
  const own = validateConfig(withPrograms(undefined, { script: 'checks', hook: 'typo' }), lookup);
  t.match(own, { ok: false, errors: [{ path: '/instances/0/notify/0/user', code: 'unknown-user' }] });
  const shadowed = validateConfig(withPrograms('typo', { script: 'checks', hook: 'hooks' }), lookup);
  t.match(shadowed, { ok: false, errors: [{ path: '/scriptUser', code: 'unknown-user' }] }, 'checked even when every program names its own');
  t.match(validateConfig({ ...configWith(instance()), scriptUser: 'Not A Name' }, lookup), { ok: false, errors: [{ path: '/scriptUser', code: 'schema.pattern' }] });
});

t.test('localUser reads /etc/passwd', async (t) => {
  const dir = t.testdir({ passwd: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nbroken:x:\n' });
  const file = `${dir}/passwd`;
  t.strictSame(localUser('nobody', file), { user: 'nobody', uid: 65534, gid: 65534 });
  t.equal(localUser('nob', file), undefined, 'whole names only');
  t.equal(localUser('broken', file), undefined);
  t.equal(localUser('root', `${dir}/missing`), undefined);
});
